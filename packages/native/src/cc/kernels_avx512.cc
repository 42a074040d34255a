// The avx512 build of the kernels: simd.h + flash_impl.h compiled with
// TESSERA_W=16 lanes, a 6x4 (rows x vectors) micro-kernel and the target pragma below.
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
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi2")
#define TESSERA_W 16
#define TESSERA_MR 6
#define TESSERA_NV 4
namespace tessera {
namespace avx512 {
#include "simd.h"
#include "flash_impl.h"
#include "block_sparse_impl.h"
#include "linear_impl.h"
#include "feature_map_impl.h"
#include "gemm_ceiling_impl.h"
}  // namespace avx512

const KernelTable& kernelsAvx512() {
  static const KernelTable t{"avx512", 16, &avx512::flashForward, &avx512::flashBackward, &avx512::blockSparseForward, &avx512::blockSparseBackward, &avx512::linearForward, &avx512::linearBackward, &avx512::featureMap, &avx512::gemmCeiling};
  return t;
}
}  // namespace tessera
#endif
