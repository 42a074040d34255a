// The generic build of the transformer ops (issue 10): simd.h + gemm_impl.h +
// ops_impl.h with TESSERA_W=4 lanes and a 4x8 sgemm micro-kernel.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "ops.h"
#include "thread_pool.h"

#define TESSERA_W 4
#define TESSERA_MR 6
#define TESSERA_NV 2
#define GEMM_MR 4
#define GEMM_NV 2
#pragma GCC diagnostic ignored "-Wunused-function"  // simd.h helpers these ops do not use
namespace tessera {
namespace ops_generic {
#include "simd.h"
#include "gemm_impl.h"
#include "ops_impl.h"
#include "decode_impl.h"
#include "adam_impl.h"
}  // namespace ops_generic

const OpsTable& opsGeneric() {
  static const OpsTable t{"generic", GEMM_MR, GEMM_NV * TESSERA_W, &ops_generic::sgemm, &ops_generic::layerNormForward, &ops_generic::layerNormBackward, &ops_generic::gelu, &ops_generic::softmax, &ops_generic::segmentSum, &ops_generic::decodeStep, &ops_generic::reduceSum, &ops_generic::adamStep};
  return t;
}
}  // namespace tessera
