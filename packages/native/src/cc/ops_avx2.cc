// The avx2 build of the transformer ops (issue 10): simd.h + gemm_impl.h +
// ops_impl.h with TESSERA_W=8 lanes and a 6x16 sgemm micro-kernel.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "ops.h"
#include "thread_pool.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>  // at global scope: simd.h (included in a namespace below) uses a few intrinsics
#pragma GCC target("avx2,fma,bmi2")
#define TESSERA_W 8
#define TESSERA_MR 6
#define TESSERA_NV 2
#define GEMM_MR 6
#define GEMM_NV 2
#pragma GCC diagnostic ignored "-Wunused-function"  // simd.h helpers these ops do not use
namespace tessera {
namespace ops_avx2 {
#include "simd.h"
#include "gemm_impl.h"
#include "ops_impl.h"
#include "decode_impl.h"
#include "adam_impl.h"
}  // namespace ops_avx2

const OpsTable& opsAvx2() {
  static const OpsTable t{"avx2", GEMM_MR, GEMM_NV * TESSERA_W, &ops_avx2::sgemm, &ops_avx2::layerNormForward, &ops_avx2::layerNormBackward, &ops_avx2::gelu, &ops_avx2::softmax, &ops_avx2::segmentSum, &ops_avx2::decodeStep, &ops_avx2::reduceSum, &ops_avx2::adamStep};
  return t;
}
}  // namespace tessera
#endif
