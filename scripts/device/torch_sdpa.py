#!/usr/bin/env python3
"""PyTorch scaled_dot_product_attention on the GPU, the comparison row of the
WebGPU benchmark (docs/webgpu.md): float32 with the memory-efficient kernel
and bfloat16 with the flash kernel, B=1, H=8, D=64, n in 4096/16384/65536,
forward and forward+backward. Prints one JSON document:

  {"device", "torch", "cuda", "records": [{kernel, dtype, n, pass, ms, tflops}]}

TFLOP/s count 4 n^2 D per head for the forward and 3.5x that for
forward+backward (the convention of scripts/bench.ts). Timed with CUDA
events, median of --reps runs after one warm-up; a configuration that does
not fit is recorded with its error instead.

  python3 scripts/device/torch_sdpa.py [--n 4096,16384,65536] [--reps 5] [--causal]
"""
import argparse
import json
import statistics

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel  # torch >= 2.3

KERNELS = [("memory-efficient", torch.float32, SDPBackend.EFFICIENT_ATTENTION), ("flash", torch.bfloat16, SDPBackend.FLASH_ATTENTION)]


def time_ms(fn, reps):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        torch.cuda.synchronize()
        times.append(a.elapsed_time(b))
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", default="4096,16384,65536")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--causal", action="store_true")
    a = p.parse_args()
    B, H, D = 1, 8, 64
    records = []
    for name, dtype, backend in KERNELS:
        for n in [int(x) for x in a.n.split(",")]:
            flops = 4 * n * n * D * B * H * (0.5 if a.causal else 1)
            for pss in ("forward", "forwardBackward"):
                rec = {"kernel": name, "dtype": str(dtype).replace("torch.", ""), "n": n, "pass": pss, "causal": a.causal}
                try:
                    q, k, v = (torch.randn(B, H, n, D, device="cuda", dtype=dtype, requires_grad=pss == "forwardBackward") for _ in range(3))
                    with sdpa_kernel(backend):
                        if pss == "forward":
                            def fn():
                                with torch.no_grad():
                                    F.scaled_dot_product_attention(q, k, v, is_causal=a.causal)
                        else:
                            dy = torch.randn(B, H, n, D, device="cuda", dtype=dtype)

                            def fn():
                                q.grad = k.grad = v.grad = None
                                F.scaled_dot_product_attention(q, k, v, is_causal=a.causal).backward(dy)
                        ms = time_ms(fn, a.reps)
                    rec["ms"] = round(ms, 3)
                    rec["tflops"] = round(flops * (3.5 if pss == "forwardBackward" else 1) / (ms / 1e3) / 1e12, 2)
                except Exception as e:  # noqa: BLE001 - recorded, not hidden
                    rec["error"] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
                records.append(rec)
                q = k = v = None
                torch.cuda.empty_cache()
    print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "cuda": torch.version.cuda, "B": B, "H": H, "D": D, "records": records}, indent=1))


if __name__ == "__main__":
    main()
