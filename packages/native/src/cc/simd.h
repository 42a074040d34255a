// Portable SIMD through GCC/Clang vector extensions. Each ISA translation unit
// defines TESSERA_W (lanes), TESSERA_MR/TESSERA_NV (micro-kernel register
// block) and a `#pragma GCC target`, then includes this file inside its own
// namespace, so the same source compiles to AVX-512, AVX2+FMA and baseline code.

constexpr int W = TESSERA_W;
constexpr int MR = TESSERA_MR;  // rows of C per micro-kernel call
constexpr int NV = TESSERA_NV;  // vectors of C per row per micro-kernel call
typedef float vf __attribute__((vector_size(TESSERA_W * 4)));
typedef int32_t vi __attribute__((vector_size(TESSERA_W * 4)));

static inline vf vload(const float* p) {
  vf r;
  __builtin_memcpy(&r, p, sizeof r);
  return r;
}
static inline void vstore(float* p, vf x) { __builtin_memcpy(p, &x, sizeof x); }
static inline vf vloadN(const float* p, int n) {
  vf r = {};
  for (int i = 0; i < n; ++i) r[i] = p[i];
  return r;
}
static inline void vstoreN(float* p, vf x, int n) {
  for (int i = 0; i < n; ++i) p[i] = x[i];
}
static inline vi viload(const int32_t* p) {
  vi r;
  __builtin_memcpy(&r, p, sizeof r);
  return r;
}
// W bytes widened to W int lanes (0..255): one vpmovzxbd where the ISA has it
// (GCC 12 turns the portable __builtin_convertvector of a byte vector into
// ~40 scalar extracts and inserts).
static inline vi vloadU8(const uint8_t* p) {
#if defined(__AVX512F__) && TESSERA_W == 16
  return (vi)_mm512_cvtepu8_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
#elif defined(__AVX2__) && TESSERA_W == 8
  return (vi)_mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(p)));
#else
  vi r;
  for (int i = 0; i < W; ++i) r[i] = p[i];
  return r;
#endif
}
// Broadcasts: element 0 shuffled to every lane, which GCC emits as one
// vbroadcastss. (`vf{} + a` costs an extra add: 0 + a cannot be folded for
// floats since -0 + 0 = +0; an element-wise loop is worse still.)
#if defined(__clang__)
static inline vf vset(float a) { return (vf){} + a; }
static inline vi viset(int32_t a) { return (vi){} + a; }
#else
static inline vf vset(float a) {
  const vf r = {a};
  return __builtin_shuffle(r, vi{});
}
static inline vi viset(int32_t a) {
  const vi r = {a};
  return __builtin_shuffle(r, vi{});
}
#endif
static inline vf vmax(vf a, vf b) { return a > b ? a : b; }
static inline vf vabs(vf a) { return (vf)((vi)a & 0x7fffffff); }
static inline float hmax(vf a) {
  float m = a[0];
  for (int i = 1; i < W; ++i) m = a[i] > m ? a[i] : m;
  return m;
}
static inline vi iota() {
  vi r;
  for (int i = 0; i < W; ++i) r[i] = i;
  return r;
}

// Sum of the lanes, in lane order (a fixed reduction order).
static inline float hsum(vf a) {
  float s = 0.0f;
  for (int i = 0; i < W; ++i) s += a[i];
  return s;
}

// sum over a row of f(x[j]) for j < n, vectorised with a masked tail.
template <typename F>
static inline float rowSum(const float* x, int64_t n, const F& f) {
  vf acc = vset(0.0f);
  int64_t j = 0;
  for (; j + W <= n; j += W) acc += f(vload(x + j));
  float s = hsum(acc);
  for (; j < n; ++j) s += f(vset(x[j]))[0];
  return s;
}

// x . y over n elements: W-lane partial sums, then the lanes, then the tail (fixed order).
static inline float vdot(const float* x, const float* y, int64_t n) {
  vf acc = vset(0.0f);
  int64_t j = 0;
  for (; j + W <= n; j += W) acc += vload(x + j) * vload(y + j);
  float s = hsum(acc);
  for (; j < n; ++j) s += x[j] * y[j];
  return s;
}

// Transposes the W x W block held in r[0..W) (row t = r[t]) in place: log2 W
// stages, the stage of half-width h swapping the off-diagonal h x h blocks of
// every 2h x 2h block with two-source shuffles (W log2 W shuffles in all,
// against W^2 scalar loads and stores).
static inline void transposeW(vf* r) {
#if defined(__clang__)
  float t[W * W];
  for (int i = 0; i < W; ++i)
    for (int j = 0; j < W; ++j) t[j * W + i] = r[i][j];
  for (int i = 0; i < W; ++i) r[i] = vload(t + i * W);
#else
  // Fully unrolled, so r stays in registers and the masks are constants.
#pragma GCC unroll 8
  for (int h = W / 2; h >= 1; h /= 2) {
    vi lo, hi;  // __builtin_shuffle(a, b, m): m[j] < W takes a[m[j]], else b[m[j] - W]
#pragma GCC unroll 16
    for (int j = 0; j < W; ++j) {
      lo[j] = (j & h) ? W + j - h : j;
      hi[j] = (j & h) ? W + j : j + h;
    }
#pragma GCC unroll 16
    for (int i = 0; i < W; ++i)
      if (!(i & h)) {
        const vf a = r[i], b = r[i + h];
        r[i] = __builtin_shuffle(a, b, lo);
        r[i + h] = __builtin_shuffle(a, b, hi);
      }
  }
#endif
}

// dst[j * ldd + i] = src[i * lds + j] for a W x W block: the rows in registers,
// transposed by transposeW.
static inline void transposeBlock(const float* src, int64_t lds, float* dst, int64_t ldd) {
  vf r[W];
#pragma GCC unroll 16
  for (int i = 0; i < W; ++i) r[i] = vload(src + i * lds);
  transposeW(r);
#pragma GCC unroll 16
  for (int j = 0; j < W; ++j) vstore(dst + j * ldd, r[j]);
}

// dst[j * ldd + i] = src[i * lds + j] for i < rows, j < cols: whole W x W blocks by
// transposeBlock, the edges element by element.
static inline void transpose(const float* src, int64_t lds, int rows, int cols, float* dst, int64_t ldd) {
  const int rb = rows / W * W, cb = cols / W * W;
  for (int i = 0; i < rb; i += W)
    for (int j = 0; j < cb; j += W) transposeBlock(src + i * lds + j, lds, dst + j * ldd + i, ldd);
  for (int i = 0; i < rows; ++i)
    for (int j = i < rb ? cb : 0; j < cols; ++j) dst[j * ldd + i] = src[i * lds + j];
}

// exp(x) in float32: Cody-Waite range reduction x = n ln2 + r, a degree-6
// minimax polynomial for e^r (Cephes expf, ~1 ulp) and 2^n built in the
// exponent bits. Inputs below -87.33 (including -inf: masked scores) give
// exactly 0, which masking relies on.
static inline vf vexp(vf x) {
  const vi dead = x < vset(-87.33654f);
  x = x > vset(88.3762626647949f) ? vset(88.3762626647949f) : x;
  x = x < vset(-87.33654f) ? vset(-87.33654f) : x;
  const vf magic = vset(12582912.0f);  // 1.5 * 2^23: adding it rounds to an integer
  const vf t = x * vset(1.44269504088896341f) + magic;
  const vf n = t - magic;
  const vi ni = (vi)t - viset(0x4B400000);
  const vf r = (x - n * vset(0.693359375f)) + n * vset(2.12194440e-4f);
  vf p = vset(1.9875691500E-4f);
  p = p * r + vset(1.3981999507E-3f);
  p = p * r + vset(8.3334519073E-3f);
  p = p * r + vset(4.1665795894E-2f);
  p = p * r + vset(1.6666665459E-1f);
  p = p * r + vset(5.0000001201E-1f);
  const vf y = p * (r * r) + r + vset(1.0f);
  const vf res = (vf)((vi)y + (ni << 23));
  return dead ? vset(0.0f) : (x == x ? res : x);  // NaN in, NaN out
}

// 2^x in float32 for x <= 127: x = n + r (n = round(x), |r| <= 1/2), a
// degree-5 minimax polynomial for 2^r (relative error 2e-7, fitted on
// [-1/2, 1/2] with the constant term fixed at 1) and 2^n built in the exponent
// bits and multiplied in, so a NaN x gives NaN without a separate test. x < -126
// (including -inf: masked scores) gives exactly 0; larger x are clamped to 127.
// About 12 vector operations against vexp's 20: the softmax kernels work in
// base 2 (scores pre-multiplied by log2 e), which needs no Cody-Waite
// reduction.
static inline vf vexp2(vf x) {
  x = vset(127.0f) < x ? vset(127.0f) : x;  // one vminps; NaN compares false and stays
  const vf magic = vset(12582912.0f + 127.0f);  // 1.5 * 2^23 + 127: x + magic rounds x to an integer n, whose n + 127 lands in the low mantissa bits
  const vf t = x + magic;
  const vf r = x - (t - magic);
  vf p = vset(1.326472731307149e-3f);
  p = p * r + vset(9.671512991189957e-3f);
  p = p * r + vset(5.550733581185341e-2f);
  p = p * r + vset(2.4022242426872253e-1f);
  p = p * r + vset(6.931470036506653e-1f);
  p = p * r + vset(1.0f);
  const vf scale = (vf)((vi)t << 23);  // (n + 127) << 23 = 2^n (the magic's own bits shift out)
  return x < vset(-126.0f) ? vset(0.0f) : p * scale;
}

// tanh(x) = sign(x) (1 - e^{-2|x|}) / (1 + e^{-2|x|}): absolute error ~1e-7.
static inline vf vtanh(vf x) {
  const vf e = vexp(vabs(x) * vset(-2.0f));
  const vf t = (vset(1.0f) - e) / (vset(1.0f) + e);
  return x < vset(0.0f) ? -t : t;
}

// C[MR_ x NV_*W] (+)= sum_k A[r*sr + k*sk] * B[k*ldb + :]. A is read by scalar
// broadcasts with arbitrary strides, so the same kernel serves A, A^T, P and
// P^T operands without packing; B rows are contiguous vectors. With TAIL the
// last vector of each row holds only `tail` valid lanes.
template <int MR_, int NV_, bool TAIL>
static void microKernel(int K, const float* A, int64_t sr, int64_t sk, const float* Bm, int64_t ldb, float* C, int64_t ldc, int tail, bool acc, uintptr_t pf, int npf) {
  vf c[MR_][NV_];
  for (int r = 0; r < MR_; ++r)
    for (int v = 0; v < NV_; ++v) {
      const bool part = TAIL && v == NV_ - 1;
      c[r][v] = !acc ? vset(0.0f) : part ? vloadN(C + r * ldc + v * W, tail) : vload(C + r * ldc + v * W);
    }
  for (int k = 0; k < K; ++k) {
    const float* b = Bm + k * ldb;
    vf bv[NV_];
    for (int v = 0; v < NV_; ++v) bv[v] = (TAIL && v == NV_ - 1) ? vloadN(b + v * W, tail) : vload(b + v * W);
    if (k < npf) __builtin_prefetch(reinterpret_cast<const void*>(pf + 64 * static_cast<uintptr_t>(k)));  // one line of the caller's Prefetch plan per step
    const float* a = A + k * sk;
    for (int r = 0; r < MR_; ++r) {
      const vf av = vset(a[r * sr]);
      for (int v = 0; v < NV_; ++v) c[r][v] += av * bv[v];
    }
  }
  for (int r = 0; r < MR_; ++r)
    for (int v = 0; v < NV_; ++v) {
      if (TAIL && v == NV_ - 1)
        vstoreN(C + r * ldc + v * W, c[r][v], tail);
      else
        vstore(C + r * ldc + v * W, c[r][v]);
    }
}

typedef void (*MicroFn)(int, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, int, bool, uintptr_t, int);

template <int R, int V>
struct FillTable {
  static void run(MicroFn (*t)[NV + 1][2]) {
    t[R][V][0] = &microKernel<R, V, false>;
    t[R][V][1] = &microKernel<R, V, true>;
    FillTable<R, V - 1>::run(t);
  }
};
template <int R>
struct FillTable<R, 0> {
  static void run(MicroFn (*t)[NV + 1][2]) { FillTable<R - 1, NV>::run(t); }
};
template <>
struct FillTable<0, NV> {
  static void run(MicroFn (*)[NV + 1][2]) {}
};

struct MicroTable {
  MicroFn fn[MR + 1][NV + 1][2];
  MicroTable() { FillTable<MR, NV>::run(fn); }
};
static const MicroTable kMicro;

// Cache lines to hint while gemm computes: ranges of floats (say the next block's rows of the
// inputs and outputs) issued one line per micro-kernel k step, so the stream from memory
// overlaps the arithmetic instead of stalling it, at almost no cost when the data is already in
// cache (a separate loop of hints costs ~1 cycle a line and measured 8% of an in-cache linear
// forward). One plan can feed several gemm calls: each continues where the last one stopped; lines
// beyond the calls' k steps (row blocks x column panels x K) are not hinted. Addresses are kept
// as integers (a range's first line may start before the array) and only ever hinted. All hints
// are read hints: prefetching output lines for writing (PREFETCHW) measured no faster here.
struct Prefetch {
  static constexpr int kMax = 16;
  uintptr_t first[kMax];  // 64-byte-aligned address of each range's first line
  int64_t lines[kMax];
  int count = 0, stream = 0;
  int64_t line = 0;  // next line of range `stream`
  // Floats [at, at + floats): the whole 64-byte lines they touch.
  void add(const float* at, int64_t floats) {
    if (floats <= 0 || count == kMax) return;
    const uintptr_t lo = reinterpret_cast<uintptr_t>(at), hi = lo + static_cast<uintptr_t>(floats) * sizeof(float);
    first[count] = lo & ~uintptr_t(63), lines[count] = static_cast<int64_t>((hi - (lo & ~uintptr_t(63)) + 63) / 64), ++count;
  }
  // The next up to k lines of the current range: *n lines from the returned address on.
  uintptr_t take(int k, int* n) {
    if (stream >= count) return *n = 0, 0;
    const uintptr_t at = first[stream] + 64 * static_cast<uintptr_t>(line);
    *n = static_cast<int>(std::min<int64_t>(k, lines[stream] - line));
    line += *n;
    if (line >= lines[stream]) ++stream, line = 0;
    return at;
  }
};

// C[M x N] (+)= A[M x K] * B[K x N], A with strides (sr, sk), B and C row-major.
// N need not be a multiple of W. Column panels outer so a B panel stays in L1.
static void gemm(int M, int N, int K, const float* A, int64_t sr, int64_t sk, const float* B, int64_t ldb, float* C, int64_t ldc, bool acc,
                 Prefetch* pf = nullptr) {
  if (M <= 0 || N <= 0) return;
  if (K <= 0) {
    if (!acc)
      for (int m = 0; m < M; ++m)
        for (int n = 0; n < N; ++n) C[m * ldc + n] = 0.0f;
    return;
  }
  for (int n0 = 0; n0 < N; n0 += NV * W) {
    const int rem = N - n0;
    const int nv = rem >= NV * W ? NV : (rem + W - 1) / W;
    const int tail = rem - (nv - 1) * W;
    const int isTail = tail < W ? 1 : 0;
    for (int m0 = 0, mr; m0 < M; m0 += mr) {
      mr = M - m0 < MR ? M - m0 : MR;
      // A last block of 1 or 2 rows (M = 128 = 21 x 6 + 2) runs at a fraction
      // of the FMA rate: split the last MR + rest rows into two middling
      // blocks instead (each C element's sum is unchanged).
      const int rest = M - m0 - mr;
      if (rest > 0 && rest < MR / 2) mr = (MR + rest + 1) / 2;
      int npf = 0;
      const uintptr_t pp = pf ? pf->take(K, &npf) : 0;
      kMicro.fn[mr][nv][isTail](K, A + m0 * sr, sr, sk, B + n0, ldb, C + m0 * ldc + n0, ldc, isTail ? tail : W, acc, pp, npf);
    }
  }
}
