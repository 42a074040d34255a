// First-touch cost of large outputs. A fresh output array of megabytes (the
// tfjs cpu backend allocates a new one per call; glibc maps allocations of
// 32 MB or more afresh every time, smaller ones until its mmap threshold has
// grown past them) is faulted in 4 KB pages as the kernel writes it: on our
// virtual machines a 4 KB fault costs ~1.4 us (0.75 ms per 2 MB), 12% of a
// window-256 block-sparse forward at n = 65,536 (128 MB output). Asking for
// transparent huge pages on such a buffer (when the system's THP mode is
// `madvise`) makes that one fault per 2 MB (0.04 ms measured). Buffers that
// own their whole ArrayBuffer and span at least kHugePageMinBytes are
// advised (4 MB: the 8 MB gradients of n = 4,096, B = 1, H = 8, D = 64 are;
// the 2 MB output at n = 1,024 has no whole aligned 2 MB page anyway); views
// into a shared heap (the wasm backend's memory) are left alone. Hint only:
// where THP is off or the call fails, nothing changes.
#pragma once
#include <cstddef>
#include <cstdint>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tessera {

constexpr size_t kHugePageMinBytes = size_t(4) << 20;

inline void adviseHugePages(void* data, size_t bytes, size_t bufferBytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (bytes < kHugePageMinBytes || bufferBytes != bytes) return;
  const uintptr_t huge = uintptr_t(2) << 20;
  const uintptr_t lo = (reinterpret_cast<uintptr_t>(data) + huge - 1) & ~(huge - 1);
  const uintptr_t hi = (reinterpret_cast<uintptr_t>(data) + bytes) & ~(huge - 1);
  if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
#else
  (void)data, (void)bytes, (void)bufferBytes;
#endif
}

}  // namespace tessera
