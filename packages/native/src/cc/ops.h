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

// Arrays per layer in DecodeArgs::layers: ln1 gamma, beta; query kernel [d, H*D], bias;
// key kernel, bias; value kernel, bias; output kernel [H*Dv, d], bias; ln2 gamma, beta;
// intermediate kernel [d, ff], bias; output kernel [ff, d], bias; key cache, value cache
// [B, Hkv, cap, D]. Biases may be null.
constexpr int kDecodeLayerArrays = 18;

// One decoding step of a pre-LN GPT (decode_impl.h): token embeddings of `tokens` at
// position pos, L blocks (attending over cache slots 0..pos, after writing slot pos),
// final layer norm and head -> logits [B, V]. act: 0 relu, 1 gelu (erf), 2 gelu (tanh).
struct DecodeArgs {
  int64_t B, d, H, Hkv, D, Dv, ff, L, V, cap, pos;
  int act;
  float eps, finalEps, scale;
  const int32_t* tokens;
  const float *tok, *posEmb;  // posEmb null = no learned positions
  const float* const* layers;  // L * kDecodeLayerArrays
  const float *lnfG, *lnfB, *head, *headBias;
  float* logits;
};

// One Adam update of n elements (adam_impl.h); c1 = 1 - beta1^t, c2 = 1 - beta2^t.
struct AdamArgs {
  int64_t n;
  const float *x, *g, *m, *v;
  float *xOut, *mOut, *vOut;
  float lr, beta1, beta2, eps, c1, c2;
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
  void (*decode)(const DecodeArgs&);
  // out [A, P] = sum over the middle axis of x [A, R, P].
  void (*reduceSum)(int64_t A, int64_t R, int64_t P, const float* x, float* out);
  void (*adam)(const AdamArgs&);
};

const OpsTable& opsAvx512();
const OpsTable& opsAvx2();
const OpsTable& opsGeneric();
// The variant matching activeKernels().isa.
const OpsTable& activeOps();

}  // namespace tessera
