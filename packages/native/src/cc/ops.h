// Argument structs and the per-ISA table of the transformer ops (issue 10):
// a packed, multi-threaded sgemm with tfjs's BatchMatMul / _FusedMatMul
// semantics, layer norm, GELU, softmax and UnsortedSegmentSum on float32
// row-major buffers. Variants are picked with the attention kernels' ISA
// (dispatch.cc), so setIsa/TESSERA_ISA switch both.
#pragma once
#include <cstdint>

namespace tessera {

// Fused activations tfjs's _FusedMatMul defines (backend_util.Activation).
enum Act : int { kLinear = 0, kRelu = 1, kRelu6 = 2, kPrelu = 3, kElu = 4, kLeakyRelu = 5, kSigmoid = 6 };
// How an epilogue operand (bias, prelu weights) broadcasts over C [batch, M, N].
enum Bcast : int { kNone = 0, kScalar = 1, kPerColumn = 2, kFull = 3 };

// C[b] = act(op(A[aIdx[b]]) op(B[bIdx[b]]) + bias), op = transpose or not.
// A is [*, M, K] ([*, K, M] when transA), B is [*, K, N] ([*, N, K] when transB).
struct GemmArgs {
  int64_t batch, M, N, K;
  bool transA, transB;
  const float *A, *B;
  float* C;
  const int32_t *aIdx, *bIdx;  // per output batch; null = b itself
  const float* bias;
  int biasMode;
  int act;
  float alpha;  // leakyrelu slope
  const float* prelu;
  int preluMode;
};

struct LayerNormArgs {
  int64_t rows, cols;
  float eps;
  const float *x, *gamma, *beta, *dy;
  float *y, *mean, *rstd;      // forward outputs (mean/rstd also backward inputs)
  float *dx, *dgamma, *dbeta;  // backward outputs
};

struct OpsTable {
  const char* isa;
  int mr, nr;  // sgemm register block
  void (*gemm)(const GemmArgs&);
  void (*layerNormForward)(const LayerNormArgs&);
  void (*layerNormBackward)(const LayerNormArgs&);
  // approximate: tanh form. dy null = forward (out = gelu(x)), else out = dy * gelu'(x).
  void (*gelu)(int64_t n, const float* x, const float* dy, float* out, bool approximate);
  void (*softmax)(int64_t rows, int64_t cols, const float* x, float* y);
  // out [numSegments, inner] = sum of rows of x [n, inner] by ids (ids outside [0, numSegments) skipped).
  void (*segmentSum)(int64_t n, int64_t inner, const float* x, const int32_t* ids, int64_t numSegments, float* out);
};

const OpsTable& opsAvx512();
const OpsTable& opsAvx2();
const OpsTable& opsGeneric();
// The variant matching activeKernels().isa.
const OpsTable& activeOps();

}  // namespace tessera
