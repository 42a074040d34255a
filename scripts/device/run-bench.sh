#!/usr/bin/env bash
# Runs the WebGPU benchmark from the offline bundle (scripts/pack-gpu-bundle.sh)
# on a Linux x64 machine that has only an NVIDIA driver and its Vulkan ICD.
# Run from the repository root with the bundle in .device/:
#
#   OUT=/some/dir bash scripts/device/run-bench.sh
#
#  1. unpacks .device/tessera-gpu-bundle.tar.xz into $TESSERA_BUNDLE_DIR (default /tmp/tessera-gpu)
#  2. installs libvulkan1 + libglvnd from the bundled .debs (dpkg -x into /, ldconfig),
#     skipped when the libraries are already there; without dpkg or root, unpacks
#     them under the bundle dir and sets LD_LIBRARY_PATH instead
#  3. VK_DRIVER_FILES = the NVIDIA ICD json (/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json,
#     or /usr/share|/etc/vulkan/icd.d/nvidia_icd.json) unless already set or none exists
#  4. writes $OUT/device.txt (GPU, driver, adapter), checks the WGSL flash kernels
#     against attentionReference on the GPU ($OUT/check.txt; stops on a mismatch), times
#     them without host transfers ($OUT/kernels.txt, KERNEL_N), times the steps of reading a
#     tensor back ($OUT/readback.txt, READBACK_MIB) and runs `bench attention --backend webgpu`
#     once per entry of BENCH_RUNS ("name:args;name:args"), writing $OUT/bench-<name>.json/.txt.
#     Default: the naive reference beside flash at n=4096 only (tfjs-webgpu's naive attention
#     passes the 2 GiB binding limit above 8192 and returns zeros), flash/sparse/linear at
#     16k and 64k, and sparse/linear up to 262144 (they scale linearly); onnxruntime-node's
#     WebGPU EP (ort-webgpu-mha, fused MultiHeadAttention, host I/O) beside flash at 4096,
#     16k and 64k. Before the runs, $OUT/ort-check.txt compares that EP's output with
#     Tessera's flash and ORT's CPU EP (scripts/bench/onnx/ort_webgpu.ts).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUNDLE=${BUNDLE:-$ROOT/.device/tessera-gpu-bundle.tar.xz}
DIR=${TESSERA_BUNDLE_DIR:-/tmp/tessera-gpu}
OUT=${OUT:-$ROOT/.device/out}
BENCH_RUNS=${BENCH_RUNS:-n4096:--variant reference,flash,flash-causal,sparse,linear,ort-webgpu-mha --n 4096 --reps 3;long:--variant flash,flash-causal,sparse,linear,ort-webgpu-mha --n 16384,65536 --reps 3 --cap 120;linear-scale:--variant sparse-window256,linear-elu,linear-elu-causal --n 262144 --reps 3 --cap 120}
mkdir -p "$OUT" "$DIR"
[ -f "$BUNDLE" ] || { echo "no bundle at $BUNDLE: run scripts/pack-gpu-bundle.sh first" >&2; exit 2; }

echo "== unpack $BUNDLE -> $DIR"
rm -rf "$DIR/app" "$DIR/node" "$DIR/debs"
if command -v xz >/dev/null; then
  xz -dc "$BUNDLE" | tar -xf - -C "$DIR"
else
  python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$BUNDLE" "$DIR"
fi

have_libs() {
  for l in libvulkan.so.1 libGLdispatch.so.0 libGLX.so.0 libEGL.so.1; do
    ldconfig -p 2>/dev/null | grep -q "$l" || return 1
  done
}
if have_libs; then
  echo "== libvulkan1 and libglvnd already installed"
elif command -v dpkg >/dev/null && [ -w / ]; then
  echo "== dpkg -x the bundled .debs into /"
  for d in "$DIR"/debs/*.deb; do dpkg -x "$d" /; done
  ldconfig
else
  echo "== no dpkg or / not writable: unpacking the .debs under $DIR/sysroot"
  python3 - "$DIR/sysroot" "$DIR"/debs/*.deb <<'PY'
import io, sys, tarfile
dest, debs = sys.argv[1], sys.argv[2:]
for deb in debs:
    data = open(deb, 'rb').read()
    assert data[:8] == b'!<arch>\n', deb
    pos = 8
    while pos < len(data):
        name = data[pos:pos + 16].decode().strip().rstrip('/')
        size = int(data[pos + 48:pos + 58].decode().strip())
        body = data[pos + 60:pos + 60 + size]
        if name.startswith('data.tar'):
            tarfile.open(fileobj=io.BytesIO(body)).extractall(dest)
        pos += 60 + size + (size & 1)
PY
  export LD_LIBRARY_PATH="$DIR/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for f in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$f" ]; then export VK_DRIVER_FILES=$f; break; fi
  done
fi
echo "== VK_DRIVER_FILES=${VK_DRIVER_FILES:-<loader default search>}"

export NODE_PATH="$DIR/app/node_modules"
NODE="$DIR/node/bin/node"
cd "$DIR/app"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "node: $("$NODE" --version)"
  echo "VK_DRIVER_FILES: ${VK_DRIVER_FILES:-}"
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || echo "nvidia-smi: not found"
  "$NODE" -e '
    const { loadDawn } = require("@tessera/tensor");
    loadDawn();
    navigator.gpu.requestAdapter({ powerPreference: "high-performance" }).then((a) => {
      if (!a) { console.log("adapter: none"); process.exit(0); }
      const i = a.info || {};
      console.log(`adapter: ${i.vendor} ${i.architecture} ${i.device} ${i.description}`);
      console.log(`maxStorageBufferBindingSize: ${a.limits.maxStorageBufferBindingSize}, maxBufferSize: ${a.limits.maxBufferSize}, maxComputeWorkgroupStorageSize: ${a.limits.maxComputeWorkgroupStorageSize}, subgroups: ${a.features.has("subgroups")}, subgroup sizes: ${i.subgroupMinSize}-${i.subgroupMaxSize}`);
      console.log(`features: ${[...a.features].sort().join(" ")}`);
      if (i.subgroupMatrixConfigs) console.log(`subgroupMatrixConfigs: ${[...i.subgroupMatrixConfigs].map((c) => `${c.componentType}->${c.resultComponentType} ${c.M}x${c.N}x${c.K}`).join(", ") || "none"}`);
      process.exit(0);
    });' 2>&1 | grep -v '^Warning: '
} | tee "$OUT/device.txt"

echo "== WGSL flash vs attentionReference on this GPU (forward and gradients) -> $OUT/check.txt"
"$NODE" scripts/bench/webgpu_check.js 2>&1 | grep -v '^Warning: ' | tee "$OUT/check.txt" || { echo "the WGSL kernels disagree with the reference on this GPU: no figures taken" >&2; exit 1; }

# GPU time per call without host transfers (queued calls, one sync) at n in $KERNEL_N.
KERNEL_N=${KERNEL_N:-4096,16384,65536}
if [ -n "$KERNEL_N" ]; then
  echo "== WGSL flash kernel time -> $OUT/kernels.txt"
  # KERNEL_ARGS: more options for webgpu_kernels.js, e.g. --passes (the backward split by pass) or --causal.
  # shellcheck disable=SC2086
  "$NODE" scripts/bench/webgpu_kernels.js "$KERNEL_N" --reps 5 ${KERNEL_ARGS:-} 2>&1 | grep -v '^Warning: ' | tee "$OUT/kernels.txt"
fi

# Where reading a tensor back to the host spends its time, per size in MiB (READBACK_MIB, empty: skip).
READBACK_MIB=${READBACK_MIB-8,32,128}
if [ -n "$READBACK_MIB" ]; then
  echo "== WebGPU read-back steps -> $OUT/readback.txt"
  "$NODE" scripts/bench/webgpu_readback.js "$READBACK_MIB" --reps 5 2>&1 | grep -v '^Warning: ' | tee "$OUT/readback.txt"
fi

ORT_CHECK_N=${ORT_CHECK_N:-256,4096}
if [ -n "$ORT_CHECK_N" ]; then
  echo "== onnxruntime-node WebGPU EP output check at n=$ORT_CHECK_N -> $OUT/ort-check.txt"
  "$NODE" scripts/bench/onnx/ort_webgpu.js "$ORT_CHECK_N" 2>&1 | grep -v '^Warning: ' | tee "$OUT/ort-check.txt" || true
fi

IFS=';' read -ra runs <<< "$BENCH_RUNS"
for run in "${runs[@]}"; do
  name=${run%%:*}
  args=${run#*:}
  echo "== bench attention --backend webgpu $args  -> $OUT/bench-$name.json"
  # shellcheck disable=SC2086
  "$NODE" scripts/bench.js attention --backend webgpu $args --json "$OUT/bench-$name.json" 2>&1 | grep -v '^Warning: ' | tee "$OUT/bench-$name.txt"
done
