// The avx512 build of the transformer ops (issue 10): simd.h + gemm_impl.h +
// ops_impl.h with TESSERA_W=16 lanes and a 14x32 sgemm micro-kernel.
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
#pragma GCC target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,bmi2")
#define TESSERA_W 16
#define TESSERA_MR 6
#define TESSERA_NV 2
#define GEMM_MR 14
#define GEMM_NV 2
#pragma GCC diagnostic ignored "-Wunused-function"  // simd.h helpers these ops do not use
namespace tessera {
namespace ops_avx512 {
#include "simd.h"
#include "gemm_impl.h"
#include "ops_impl.h"
#include "decode_impl.h"
#include "adam_impl.h"
}  // namespace ops_avx512

const OpsTable& opsAvx512() {
  static const OpsTable t{"avx512", GEMM_MR, GEMM_NV * TESSERA_W, &ops_avx512::sgemm, &ops_avx512::layerNormForward, &ops_avx512::layerNormBackward, &ops_avx512::gelu, &ops_avx512::softmax, &ops_avx512::segmentSum, &ops_avx512::decodeStep, &ops_avx512::reduceSum, &ops_avx512::adamStep};
  return t;
}
}  // namespace tessera
#endif
