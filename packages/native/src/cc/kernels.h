// Argument structs of the native kernels and the per-ISA kernel table.
// The structs mirror the typed-array contracts of @tessera/attention's
// TypeScript impls (flash_types.ts): row-major float32 buffers,
// q [B,H,Tq,D], k [B,Hkv,Tk,D], v [B,Hkv,Tk,Dv], out [B,H,Tq,Dv], lse [B,H,Tq].
#pragma once
#include <cstdint>

namespace tessera {

// Options every attention kernel shares (already validated by the caller).
struct AttnCommon {
  int64_t B, H, Hkv, Tq, Tk, D, Dv;
  float scale;
  bool causal;          // bottom-right: query i sees keys j <= i + Tk - Tq
  int64_t winL, winR;   // window around c = i + Tk - Tq; -1 = unbounded
  float softcap;        // 0 = none; else s -> softcap * tanh(s / softcap)
  const float* alibi;   // [H] slopes or null: s -= slope_h * |j - c|
  const uint8_t* keyMask;  // [B,Tk] 0/1 or null
  const int32_t* segQ;     // [B,Tq] or null (with segK)
  const int32_t* segK;     // [B,Tk] or null
};

struct FlashFwdArgs {
  AttnCommon c;
  const float *q, *k, *v;
  float* out;  // [B,H,Tq,Dv]
  float* lse;  // [B,H,Tq] or null
};

struct FlashBwdArgs {
  AttnCommon c;
  const float *q, *k, *v, *o, *dout, *lse;
  const float* dlse;  // [B,H,Tq] gradient flowing into lse, or null
  float *dq, *dk, *dv;
};

// A block-sparse layout (a BlockMask's CSR): row r = (b * H + h) * nQ + qb
// (b, h taken 0 when the layout's B or H is 1) lists key blocks
// colIdx[rowPtr[r] .. rowPtr[r+1]); bitsOff[e] >= 0 points at a bs x bs
// element bitmap (rows: keys of the block, columns: queries, so that a key's
// flags for consecutive queries, the SIMD lanes, are contiguous) for a
// partial block, -1 for a block that is entirely visible.
struct BlockLayout {
  int64_t bs, B, H, nQ;
  const int32_t* rowPtr;
  const int32_t* colIdx;
  const int32_t* bitsOff;
  const uint8_t* bits;
};

struct BlockSparseFwdArgs {
  FlashFwdArgs f;  // causal/window/keyMask/segments unused (the layout is the mask)
  BlockLayout layout;
};

struct BlockSparseBwdArgs {
  FlashBwdArgs f;
  BlockLayout layout;
};

// Linear attention on feature-mapped q [B,H,Tq,F], k [B,Hkv,Tk,F], v [B,Hkv,Tk,Dv].
struct LinearDims {
  int64_t B, H, Hkv, Tq, Tk, F, Dv;
};
struct LinearArgs {
  LinearDims d;
  bool causal;
  float eps;
  const float *q, *k, *v;
  float *out, *den;                 // forward outputs; backward inputs
  const float* dout;                // backward only
  float *dq, *dk, *dv;              // backward outputs
};

// Linear attention's built-in feature maps, elementwise over n floats: out = phi(x), or with dy
// the gradient out = dy * phi'(x). kind: 0 = elu+1 (x > 0 ? x + 1 : e^x), 1 = relu.
struct FeatureMapArgs {
  int kind;
  int64_t n;
  const float* x;
  const float* dy;  // null: the map itself
  float* out;
};

// One instruction-set variant of every kernel (compiled once per ISA).
struct KernelTable {
  const char* isa;
  int vectorWidth;
  void (*flashForward)(const FlashFwdArgs&);
  void (*flashBackward)(const FlashBwdArgs&);
  void (*blockSparseForward)(const BlockSparseFwdArgs&);
  void (*blockSparseBackward)(const BlockSparseBwdArgs&);
  void (*linearForward)(const LinearArgs&);
  void (*linearBackward)(const LinearArgs&);
  void (*featureMap)(const FeatureMapArgs&);
  // GFLOP/s of an n x n x n float32 GEMM on the pool's threads (best of reps).
  double (*gemmCeiling)(int n, int reps);
};

const KernelTable& kernelsAvx512();
const KernelTable& kernelsAvx2();
const KernelTable& kernelsGeneric();
// The best variant this CPU supports (or TESSERA_ISA=avx512|avx2|generic).
const KernelTable& activeKernels();
// Switches variant (tests compare them); false if this CPU lacks it. Not during a call.
bool setIsa(const char* name);

}  // namespace tessera
