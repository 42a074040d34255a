// Packed sgemm (Goto & van de Geijn 2008, "Anatomy of high-performance matrix
// multiplication"): per task a GEMM_MC x GEMM_NC tile of C; for each KC slice
// of K, pack the A block (MR-row micro-panels, k-major) and the B block
// (NR-column micro-panels, k-major) into thread-local buffers, then run the
// MR x NR register-blocked micro-kernel over them. Zero padding in the panels
// means the micro-kernel always runs full blocks; edge tiles go through a
// small buffer. Any transposition is absorbed by packing. Bias and the fused
// activation are applied to each tile after its last K slice (one pass over C
// while it is still in cache). Included inside an ISA namespace after simd.h;
// GEMM_MR and GEMM_NV (vectors per row) are defined by the translation unit.

constexpr int GMR = GEMM_MR;
constexpr int GNR = GEMM_NV * W;
constexpr int64_t GKC = 256;

// Broadcast without simd.h's `0 + x` (which costs an add per broadcast: -0 + 0 != -0);
// x - 0 == x exactly, so this folds to a single broadcast load.
static inline vf vbcast(float x) {
  const vf z = {};
  return x - z;
}

// s[r][v] over kc steps of packed a (kc x GMR) and b (kc x GNR), written to C (mr x nr valid).
static void microPacked(int64_t kc, const float* __restrict a, const float* __restrict b, float* c, int64_t ldc, int mr, int nr, bool acc) {
  vf s[GMR][GEMM_NV];
#pragma GCC unroll 32
  for (int r = 0; r < GMR; ++r)
#pragma GCC unroll 8
    for (int v = 0; v < GEMM_NV; ++v) s[r][v] = vset(0.0f);
  for (int64_t k = 0; k < kc; ++k) {
    vf bv[GEMM_NV];
#pragma GCC unroll 8
    for (int v = 0; v < GEMM_NV; ++v) bv[v] = vload(b + v * W);
#pragma GCC unroll 32
    for (int r = 0; r < GMR; ++r) {
      const vf av = vbcast(a[r]);
#pragma GCC unroll 8
      for (int v = 0; v < GEMM_NV; ++v) s[r][v] += av * bv[v];
    }
    a += GMR;
    b += GNR;
  }
  if (mr == GMR && nr == GNR) {
#pragma GCC unroll 32
    for (int r = 0; r < GMR; ++r)
#pragma GCC unroll 8
      for (int v = 0; v < GEMM_NV; ++v) {
        float* p = c + r * ldc + v * W;
        vstore(p, acc ? vload(p) + s[r][v] : s[r][v]);
      }
    return;
  }
  float t[GMR * GNR];
  for (int r = 0; r < GMR; ++r)
    for (int v = 0; v < GEMM_NV; ++v) vstore(t + r * GNR + v * W, s[r][v]);
  for (int r = 0; r < mr; ++r)
    for (int j = 0; j < nr; ++j) c[r * ldc + j] = (acc ? c[r * ldc + j] : 0.0f) + t[r * GNR + j];
}

// Packs rows [i0, i0+mc) x k [k0, k0+kc) of op(A) (element (i,k) at A[i*rs + k*cs]).
static void packA(const float* A, int64_t rs, int64_t cs, int64_t M, int64_t i0, int64_t mc, int64_t k0, int64_t kc, float* dst) {
  for (int64_t p = 0; p < mc; p += GMR, dst += kc * GMR) {
    const int64_t rows = std::min<int64_t>(GMR, std::min(mc - p, M - i0 - p));
    for (int64_t k = 0; k < kc; ++k) {
      const float* src = A + (i0 + p) * rs + (k0 + k) * cs;
      float* d = dst + k * GMR;
      int r = 0;
      for (; r < rows; ++r) d[r] = src[r * rs];
      for (; r < GMR; ++r) d[r] = 0.0f;
    }
  }
}

// Packs k [k0, k0+kc) x columns [j0, j0+nc) of op(B) (element (k,j) at B[k*rs + j*cs]).
static void packB(const float* B, int64_t rs, int64_t cs, int64_t N, int64_t j0, int64_t nc, int64_t k0, int64_t kc, float* dst) {
  for (int64_t q = 0; q < nc; q += GNR, dst += kc * GNR) {
    const int64_t cols = std::min<int64_t>(GNR, std::min(nc - q, N - j0 - q));
    if (cs == 1) {
      for (int64_t k = 0; k < kc; ++k) {
        const float* src = B + (k0 + k) * rs + j0 + q;
        float* d = dst + k * GNR;
        int64_t j = 0;
        for (; j < cols; ++j) d[j] = src[j];
        for (; j < GNR; ++j) d[j] = 0.0f;
      }
    } else {  // transposed B: read along k (contiguous), write strided
      for (int64_t j = 0; j < GNR; ++j) {
        float* d = dst + j;
        if (j < cols) {
          const float* src = B + (j0 + q + j) * cs + k0 * rs;
          for (int64_t k = 0; k < kc; ++k) d[k * GNR] = src[k * rs];
        } else {
          for (int64_t k = 0; k < kc; ++k) d[k * GNR] = 0.0f;
        }
      }
    }
  }
}

static inline float epilogueValue(const GemmArgs& g, float x, float pa) {
  switch (g.act) {
    case kRelu: return x < 0.0f ? 0.0f : x;
    case kRelu6: return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x);
    case kPrelu: return x < 0.0f ? pa * x : x;
    case kElu: return x >= 0.0f ? x : std::exp(x) - 1.0f;
    case kLeakyRelu: return x < 0.0f ? g.alpha * x : x;
    case kSigmoid: return 1.0f / (1.0f + std::exp(-x));
    default: return x;
  }
}

static inline float operandAt(const float* p, int mode, int64_t full, int64_t j) {
  return mode == kScalar ? p[0] : mode == kPerColumn ? p[j] : mode == kFull ? p[full] : 0.0f;
}

// Bias then activation on rows [i0, i0+mc) and columns [j0, j0+nc) of C[b].
static void epilogue(const GemmArgs& g, int64_t b, int64_t i0, int64_t mc, int64_t j0, int64_t nc) {
  if (g.biasMode == kNone && g.act == kLinear) return;
  for (int64_t i = i0; i < i0 + mc; ++i) {
    const int64_t row = (b * g.M + i) * g.N;
    float* c = g.C + row;
    for (int64_t j = j0; j < j0 + nc; ++j) {
      float x = c[j];
      if (g.biasMode != kNone) x += operandAt(g.bias, g.biasMode, row + j, j);
      c[j] = epilogueValue(g, x, g.act == kPrelu ? operandAt(g.prelu, g.preluMode, row + j, j) : 0.0f);
    }
  }
}

static void sgemm(const GemmArgs& g) {
  const int64_t M = g.M, N = g.N, K = g.K;
  if (g.batch <= 0 || M <= 0 || N <= 0) return;
  // op(A)(i,k) and op(B)(k,j) strides.
  const int64_t ars = g.transA ? 1 : K, acs = g.transA ? M : 1;
  const int64_t brs = g.transB ? 1 : N, bcs = g.transB ? K : 1;
  // Tiles: MC rows x NC columns of C; halve NC while there are too few tasks to share.
  // MC: ~120 rows, balanced over the row tiles and allowed to grow ~15% to save a tile: every row
  // tile packs the whole B block again, so M = 256 as 126 + 126 + 4 rows paid a third of the B
  // packing for 4 rows (weight gradients have M = 256 and K = 4096).
  const int64_t mTiles = std::max<int64_t>(1, (M + 137) / 138);
  const int64_t MC = GMR * (((M + mTiles - 1) / mTiles + GMR - 1) / GMR);
  int64_t NC = GNR * ((512 + GNR - 1) / GNR);
  const int threads = numThreads();
  const int64_t mT = (M + MC - 1) / MC;
  while (NC > GNR && g.batch * mT * ((N + NC - 1) / NC) < 4 * threads) NC = std::max<int64_t>(GNR, (NC / 2 + GNR - 1) / GNR * GNR);
  const int64_t nT = (N + NC - 1) / NC;
  const int64_t tasks = g.batch * mT * nT;
  auto task = [&](int64_t t) {
    static thread_local std::vector<float> pa, pb;
    const int64_t b = t / (mT * nT), rem = t % (mT * nT);
    const int64_t i0 = (rem / nT) * MC, j0 = (rem % nT) * NC;
    const int64_t mc = std::min(MC, M - i0), nc = std::min(NC, N - j0);
    const float* A = g.A + (g.aIdx ? g.aIdx[b] : b) * M * K;
    const float* B = g.B + (g.bIdx ? g.bIdx[b] : b) * K * N;
    float* C = g.C + b * M * N;
    const int64_t mcp = (mc + GMR - 1) / GMR * GMR, ncp = (nc + GNR - 1) / GNR * GNR;
    if (K == 0) {
      for (int64_t i = i0; i < i0 + mc; ++i)
        for (int64_t j = j0; j < j0 + nc; ++j) C[i * N + j] = 0.0f;
    }
    for (int64_t k0 = 0; k0 < K; k0 += GKC) {
      const int64_t kc = std::min(GKC, K - k0);
      if (pa.size() < static_cast<size_t>(mcp * kc)) pa.resize(mcp * GKC);
      if (pb.size() < static_cast<size_t>(ncp * kc)) pb.resize(ncp * GKC);
      packA(A, ars, acs, M, i0, mc, k0, kc, pa.data());
      packB(B, brs, bcs, N, j0, nc, k0, kc, pb.data());
      for (int64_t q = 0; q < nc; q += GNR)
        for (int64_t p = 0; p < mc; p += GMR)
          microPacked(kc, pa.data() + p * kc, pb.data() + q * kc, C + (i0 + p) * N + j0 + q, N, static_cast<int>(std::min<int64_t>(GMR, mc - p)),
                      static_cast<int>(std::min<int64_t>(GNR, nc - q)), k0 > 0);
    }
    epilogue(g, b, i0, mc, j0, nc);
  };
  // Small products are not worth waking the pool.
  if (threads == 1 || static_cast<double>(g.batch) * M * N * std::max<int64_t>(K, 1) < 2e5) {
    for (int64_t t = 0; t < tasks; ++t) task(t);
  } else {
    parallelFor(tasks, task);
  }
}
