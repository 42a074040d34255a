{
  "targets": [
    {
      "target_name": "tessera_native",
      "sources": [
        "src/cc/addon.cc",
        "src/cc/thread_pool.cc",
        "src/cc/dispatch.cc",
        "src/cc/kernels_avx512.cc",
        "src/cc/kernels_avx2.cc",
        "src/cc/kernels_generic.cc",
        "src/cc/ops_addon.cc",
        "src/cc/ops_avx512.cc",
        "src/cc/ops_avx2.cc",
        "src/cc/ops_generic.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O2", "-O0"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O2", "-O0"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-O3", "-ffp-contract=fast", "-fno-math-errno", "-Wno-psabi", "-pthread"],
      "ldflags": ["-pthread"],
      "conditions": [
        ["OS=='mac'", {
          "xcode_settings": {
            "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
            "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
            "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast", "-fno-math-errno"]
          }
        }],
        ["sanitize=='true'", {
          "cflags_cc": ["-fsanitize=address,undefined", "-fno-omit-frame-pointer", "-O1", "-g"],
          "cflags_cc!": ["-O3"],
          "ldflags": ["-fsanitize=address,undefined"]
        }]
      ]
    }
  ],
  "variables": { "sanitize%": "false" }
}
