// The avx2 build of the kernels: simd.h + flash_impl.h compiled with
// TESSERA_W=8 lanes, a 6x2 (rows x vectors) micro-kernel and the target pragma below.
// Selected at run time by dispatch.cc, so the addon runs on any CPU.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <new>
#include <cstdint>
#include <cstring>
#include <vector>

#include "kernels.h"
#include "thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>  // at global scope: simd.h (included in a namespace below) uses a few intrinsics
#pragma GCC target("avx2,fma,bmi2")
#define TESSERA_W 8
#define TESSERA_MR 6
#define TESSERA_NV 2
namespace tessera {
namespace avx2 {
#include "simd.h"
#include "flash_impl.h"
#include "block_sparse_impl.h"
#include "linear_impl.h"
#include "feature_map_impl.h"
#include "gemm_ceiling_impl.h"
}  // namespace avx2

const KernelTable& kernelsAvx2() {
  static const KernelTable t{"avx2", 8, &avx2::flashForward, &avx2::flashBackward, &avx2::blockSparseForward, &avx2::blockSparseBackward, &avx2::linearForward, &avx2::linearBackward, &avx2::featureMap, &avx2::gemmCeiling};
  return t;
}
}  // namespace tessera
#endif
