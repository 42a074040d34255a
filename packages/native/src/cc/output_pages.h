// First-touch cost of large outputs. A fresh output array of tens of MB (the
// tfjs cpu backend allocates a new one per call; glibc maps every allocation
// of 32 MB or more afresh) is faulted in 4 KB pages as the kernel writes it:
// on our virtual machines a 4 KB fault costs ~1.4 us (0.75 ms per 2 MB),
// 12% of a window-256 block-sparse forward at n = 65,536 (128 MB output).
// Asking for transparent huge pages on such a buffer (when the system's THP
// mode is `madvise`) makes that one fault per 2 MB (0.04 ms measured). Only
// buffers that own their whole ArrayBuffer and span at least kMinBytes are
// advised, i.e. mappings of their own; views into a shared heap (the wasm
// backend's memory) are left alone. Hint only: failure changes nothing.
#pragma once
#include <cstddef>
#include <cstdint>
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tessera {

constexpr size_t kHugePageMinBytes = size_t(32) << 20;

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
