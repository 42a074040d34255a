// FlashAttention-2 forward and backward on the host (Dao 2023), written once
// and compiled per ISA (included after simd.h inside an ISA namespace).
//
// Layout: scores are computed transposed, S^T = K_j Q_i^T [keys x queries],
// so the online softmax runs down columns with one query per SIMD lane and no
// operand ever needs a per-tile transpose: Q^T is packed once per query tile,
// K, V, dO and Q rows are read in place.
//
// Scores live in base 2: Q^T is packed times scale * log2(e), so the softmax
// exponentials are vexp2 (no range reduction multiply) and the lse leaves
// the kernels as m ln 2 + ln l (natural units, as the contract says).




constexpr int BR = 64;  // queries per tile (columns of S^T), a multiple of W
constexpr int BC = 64;  // keys per tile (rows of S^T)
constexpr int BCF = 128;  // keys per dense chunk: halves the per-call setup and O / dQ load/store per FLOP of the K = keys GEMMs (S^T is 32 KB)
constexpr int KB = 1024;  // keys per backward block (a multiple of BCF): every query tile passes one block's K, V, dK, dV (1 MB at D = 64, mostly L2-resident on Zen 4) before the next (n = 16,384 backward: 3.10-3.13 s vs 3.21-3.24 at 256)
static_assert(BR % W == 0, "BR must be a multiple of the vector width");
static const float kInf = std::numeric_limits<float>::infinity();
constexpr float kLog2e = 1.4426950408889634f;
constexpr float kLn2 = 0.6931471805599453f;

// Thread-local scratch, grown on demand and kept: no per-call allocation once warm.
static float* scratch(std::vector<float>& buf, size_t n) {
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

// Keys query row i may see under causal/window (before key mask / segments): [lo, hi].
struct RowRange {
  const AttnCommon& c;
  int64_t lo(int64_t i) const {
    const int64_t pos = i + c.Tk - c.Tq;
    return c.winL >= 0 ? std::max<int64_t>(0, pos - c.winL) : 0;
  }
  int64_t hi(int64_t i) const {
    const int64_t pos = i + c.Tk - c.Tq;
    int64_t h = c.Tk - 1;
    if (c.causal) h = std::min(h, pos);
    if (c.winR >= 0) h = std::min(h, pos + c.winR);
    return h;
  }
};

// An explicit element mask for one (query block, key block) pair of a
// block-sparse layout, key-major so that one key's flags for consecutive
// queries (the SIMD lanes of S^T) are contiguous bytes:
// allowed(i, j) = p[(j - j0) * ld + (i - i0)].
struct Bitmap {
  const uint8_t* p;
  int64_t ld, i0, j0;
};

// The element masks of one key chunk: keys before `split` use part[0], the
// rest part[1]; a part with p == nullptr is fully visible. Lets a partial
// block and its neighbour (a window's edge block and the full block next to
// it) run as one 128-key chunk.
struct ChunkMask {
  Bitmap part[2];
  int64_t split;
};

// Turns scaled products S^T[nj x BR] = K (scale log2e Q)^T (keys j0.., queries
// i0..i0+mi; the scale is folded into the packed Q^T) into final scores in
// base-2 units (natural score times log2 e): softcap, ALiBi, and -inf where
// masked. With F, also writes d(score)/d(scale*q.k) = 1 - tanh^2 for the
// softcap backward (0 if masked).
static void scoreTile(const AttnCommon& c, float* S, float* F, int ld, int nj, int64_t j0, int64_t i0, int mi, int64_t b, int64_t h, bool interior,
                      const int32_t* segq, const ChunkMask* cm) {
  const int64_t off = c.Tk - c.Tq;
  const float slope = c.alibi ? c.alibi[h] * kLog2e : 0.0f;
  const float cap = c.softcap * kLog2e;  // cap tanh(s / cap) in base-2 units
  const bool needMask = !interior && (c.causal || c.winL >= 0 || c.winR >= 0);
  if (!needMask && !c.alibi && !(c.softcap > 0.0f) && !c.keyMask && !segq && !cm) return;  // nothing to do: the common fast path
  const bool perLane = needMask || c.alibi || c.softcap > 0.0f || segq;  // else only key mask / bitmap
  const vi lanes = iota();
  const vf ninf = vset(-kInf);
  for (int jr = 0; jr < nj; ++jr) {
    const int64_t j = j0 + jr;
    float* row = S + jr * ld;
    float* frow = F ? F + jr * ld : nullptr;
    if (c.keyMask && !c.keyMask[b * c.Tk + j]) {
      for (int x = 0; x < BR; x += W) {
        vstore(row + x, ninf);
        if (frow) vstore(frow + x, vset(0.0f));
      }
      continue;
    }
    const int32_t sk = c.segK ? c.segK[b * c.Tk + j] : 0;
    for (int x = 0; x < BR && perLane; x += W) {
      vf s = vload(row + x);
      if (c.softcap > 0.0f) {
        const vf t = vtanh(s * vset(1.0f / cap));
        s = t * vset(cap);
        if (frow) vstore(frow + x, vset(1.0f) - t * t);
      }
      // d = (i + Tk - Tq) - j for the lanes' queries i
      const vi d = lanes + viset(static_cast<int32_t>(i0 + x + off - j));
      if (c.alibi) s -= vset(slope) * vabs(__builtin_convertvector(d, vf));
      if (needMask) {
        vi ok = viset(-1);
        if (c.causal) ok &= d >= viset(0);
        if (c.winL >= 0) ok &= d <= viset(static_cast<int32_t>(c.winL));
        if (c.winR >= 0) ok &= d >= viset(static_cast<int32_t>(-c.winR));
        s = ok ? s : ninf;
      }
      if (segq) s = viload(segq + x) == viset(sk) ? s : ninf;
      vstore(row + x, s);
    }
    const Bitmap* bm = cm ? &cm->part[j < cm->split ? 0 : 1] : nullptr;
    if (bm && bm->p) {
      const uint8_t* bits = bm->p + (j - bm->j0) * bm->ld + (i0 - bm->i0);  // this key's flags, one per lane
      int x = 0;
      for (; x + W <= mi; x += W) vstore(row + x, vloadU8(bits + x) != viset(0) ? vload(row + x) : ninf);
      for (; x < mi; ++x)
        if (!bits[x]) row[x] = -kInf;
      for (; x < BR; ++x) row[x] = -kInf;
    }
  }
}

// Segment ids of a query tile, padded to BR lanes.
static const int32_t* tileSegments(const AttnCommon& c, int32_t* buf, int64_t b, int64_t i0, int mi) {
  if (!c.segQ) return nullptr;
  for (int x = 0; x < BR; ++x) buf[x] = x < mi ? c.segQ[b * c.Tq + i0 + x] : 0;
  return buf;
}

// Packs rows [i0, i0+mi) of a [T x D] matrix, times `scale`, transposed into out[D x BR] (zero padded):
// W x W blocks (W rows x W columns of src) transposed in registers; rows past mi read as zeros.
static void packTransposed(const float* src, int64_t D, int mi, float* out, float scale = 1.0f) {
  const vf sc = vset(scale);
  for (int x0 = 0; x0 < BR; x0 += W)
    for (int64_t d0 = 0; d0 < D; d0 += W) {
      const int nd = static_cast<int>(std::min<int64_t>(W, D - d0));
      vf r[W];
#pragma GCC unroll 16
      for (int t = 0; t < W; ++t) {
        const float* row = src + (x0 + t) * D + d0;
        r[t] = x0 + t >= mi ? vset(0.0f) : nd == W ? vload(row) : vloadN(row, nd);
      }
      transposeW(r);  // r[t]: column d0 + t for the W rows x0..
#pragma GCC unroll 16
      for (int t = 0; t < W; ++t)
        if (t < nd) vstore(out + (d0 + t) * BR + x0, r[t] * sc);
    }
}

// One query tile [i0, i0+mi) of one (b, h) in the forward pass: the online
// softmax state, fed key chunks of <= BC keys in any order, then finished.
struct ForwardTile {
  const FlashFwdArgs& a;
  const AttnCommon& c;
  int64_t b, h, i0;
  int mi;
  float *qt, *S, *O, *out;
  const float *kb, *vb;
  const int32_t* segq;
  alignas(64) float m[BR], l[BR], alpha[BR];
  alignas(64) int32_t segBuf[BR];

  // qtMem, oMem: this tile's own [D x BR] and [BR x Dv] buffers (tiles of one
  // task are alive together). O accumulates in oMem, which stays in cache from
  // tile to tile, and reaches the output once, in finish(): the output rows are
  // written, never zeroed and read back (their first touch missed to DRAM).
  ForwardTile(const FlashFwdArgs& args, int64_t b_, int64_t h_, int64_t i0_, int mi_, float* qtMem, float* oMem)
      : a(args), c(args.c), b(b_), h(h_), i0(i0_), mi(mi_) {
    thread_local std::vector<float> sBuf;
    qt = qtMem;
    S = scratch(sBuf, BCF * BR);
    const int64_t kvh = h / (c.H / c.Hkv);
    kb = a.k + (b * c.Hkv + kvh) * c.Tk * c.D;
    vb = a.v + (b * c.Hkv + kvh) * c.Tk * c.Dv;
    packTransposed(a.q + ((b * c.H + h) * c.Tq + i0) * c.D, c.D, mi, qt, c.scale * kLog2e);
    segq = tileSegments(c, segBuf, b, i0, mi);
    out = a.out + ((b * c.H + h) * c.Tq + i0) * c.Dv;
    O = oMem;
    for (int64_t x = 0; x < mi * c.Dv; ++x) O[x] = 0.0f;
    for (int x = 0; x < BR; ++x) m[x] = -kInf, l[x] = 0.0f;
  }

  // Keys [j0, j0+nj), nj <= BCF; the products hint pf's lines (if any).
  void chunk(int64_t j0, int nj, bool interior, const ChunkMask* bm, Prefetch* pf = nullptr) {
    gemm(nj, BR, static_cast<int>(c.D), kb + j0 * c.D, c.D, 1, qt, BR, S, BR, false, pf);  // S^T = K_j Q^T
    scoreTile(c, S, nullptr, BR, nj, j0, i0, mi, b, h, interior, segq, bm);
    // Rows outer, the tile's NX lane vectors inner: NX independent max and sum
    // chains instead of one serial chain per vector (latency-bound otherwise).
    constexpr int NX = BR / W;
    vf mt[NX], muse[NX], sum[NX];
    for (int v = 0; v < NX; ++v) mt[v] = vset(-kInf), sum[v] = vset(0.0f);
    for (int jr = 0; jr < nj; ++jr)
      for (int v = 0; v < NX; ++v) mt[v] = vmax(mt[v], vload(S + jr * BR + v * W));
    for (int v = 0; v < NX; ++v) {
      const vf mold = vload(m + v * W);
      const vf mnew = vmax(mold, mt[v]);
      muse[v] = mnew == vset(-kInf) ? vset(0.0f) : mnew;  // no key seen yet: keep P = 0
      vstore(alpha + v * W, vexp2(mold - muse[v]));
      vstore(m + v * W, mnew);
    }
    for (int jr = 0; jr < nj; ++jr)
      for (int v = 0; v < NX; ++v) {
        const vf p = vexp2(vload(S + jr * BR + v * W) - muse[v]);
        vstore(S + jr * BR + v * W, p);
        sum[v] += p;
      }
    for (int v = 0; v < NX; ++v) vstore(l + v * W, vload(l + v * W) * vload(alpha + v * W) + sum[v]);
    // O rows *= alpha, W rows at a time: skipped when all W alphas are 1 (no
    // running max moved: the common case once a few chunks are in), else all
    // W rows (x 1 is exact). A branch per row mispredicted ~half the time when
    // maxima still move (block-sparse tiles see only a few chunks).
    for (int v = 0; v < NX; ++v) {
      const vi moved = vload(alpha + v * W) != vset(1.0f);  // NaN counts as moved
      int any = 0;
      for (int t = 0; t < W; ++t) any |= moved[t];
      if (!any) continue;
      for (int x = v * W; x < std::min(mi, v * W + W); ++x) {
        const float al = alpha[x];
        for (int64_t e = 0; e < c.Dv; ++e) O[x * c.Dv + e] *= al;
      }
    }
    // O += P V: A = P^T read transposed (sr = 1, sk = BR)
    gemm(mi, static_cast<int>(c.Dv), nj, S, 1, BR, vb + j0 * c.Dv, c.Dv, O, c.Dv, true, pf);
  }

  void finish() {
    for (int x = 0; x < mi; ++x) {
      const bool any = !(l[x] <= 0.0f);  // l == 0: no key seen; NaN (a NaN input) propagates
      const float inv = any ? 1.0f / l[x] : 0.0f;
      for (int64_t e = 0; e < c.Dv; ++e) out[x * c.Dv + e] = any ? O[x * c.Dv + e] * inv : 0.0f;
      if (a.lse) a.lse[(b * c.H + h) * c.Tq + i0 + x] = any ? m[x] * kLn2 + std::log(l[x]) : -kInf;
    }
  }
};

// One query tile of one (b, h) in the backward pass: Q^T and dO^T packed,
// delta = rowsum(dO * O) - dLse and lse (base 2) per lane; `chunk` adds one key
// chunk's contribution to dQ (tile rows) and dK, dV (chunk rows). Its S (then
// P), F and dP (then dS) tiles are columns [col, col + BR) of [nj x 2 BR]
// thread-local buffers: two consecutive tiles of a head, the first full, can
// fill both halves (`probs` each) and then run dV and dK as one GEMM over
// their 2 BR queries (`dkdv`): K = 128 instead of two calls with K = 64,
// with each sum in the same k order (bit-identical).
struct BackwardTile {
  const FlashBwdArgs& a;
  const AttnCommon& c;
  int64_t b, h, i0, row0;
  int mi;
  const float *qt, *dot, *delta, *lseT;
  const int32_t* segq;
  float *S, *F, *dP;
  static constexpr int ld = 2 * BR;  // row stride of S, F, dP
  const float *kb, *vb;
  float *dkb, *dvb, *dqr;

  // Packs the tile into qtOut [D x BR], dotOut [Dv x BR], rowsOut [2 x BR];
  // zeroes its dQ rows dqRows [mi x D] (the output's, or a partial sum's).
  static void pack(const FlashBwdArgs& a, int64_t b, int64_t h, int64_t i0, int mi, float* qtOut, float* dotOut, float* rowsOut, float* dqRows) {
    const AttnCommon& c = a.c;
    const int64_t row0 = (b * c.H + h) * c.Tq + i0;
    packTransposed(a.q + row0 * c.D, c.D, mi, qtOut, c.scale * kLog2e);
    packTransposed(a.dout + row0 * c.Dv, c.Dv, mi, dotOut);
    for (int x = 0; x < BR; ++x) {
      float dl = 0.0f, ls = kInf;  // padded queries: lse = +inf makes P = 0
      if (x < mi) {
        const float* dor = a.dout + (row0 + x) * c.Dv;
        const float* orow = a.o + (row0 + x) * c.Dv;
        for (int64_t e = 0; e < c.Dv; ++e) dl += dor[e] * orow[e];
        if (a.dlse) dl -= a.dlse[row0 + x];  // d lse / d s = P: folds into delta
        ls = a.lse[row0 + x] == -kInf ? kInf : a.lse[row0 + x] * kLog2e;  // base 2, like the scores; row that saw no key: P = 0
      }
      rowsOut[x] = dl;
      rowsOut[BR + x] = ls;
    }
    for (int64_t x = 0; x < mi * c.D; ++x) dqRows[x] = 0.0f;
  }

  // col: 0, or BR for the second tile of a pair.
  BackwardTile(const FlashBwdArgs& args, int64_t b_, int64_t h_, int64_t i0_, int mi_, const float* qt_, const float* dot_, const float* rows, float* dqRows, int32_t* segBuf,
               int col = 0)
      : a(args), c(args.c), b(b_), h(h_), i0(i0_), mi(mi_), qt(qt_), dot(dot_), delta(rows), lseT(rows + BR), dqr(dqRows) {
    thread_local std::vector<float> sBuf, fBuf, dpBuf;
    S = scratch(sBuf, BCF * ld) + col;
    F = c.softcap > 0.0f ? scratch(fBuf, BCF * ld) + col : nullptr;
    dP = scratch(dpBuf, BCF * ld) + col;
    row0 = (b * c.H + h) * c.Tq + i0;
    const int64_t kvh = h / (c.H / c.Hkv);
    kb = a.k + (b * c.Hkv + kvh) * c.Tk * c.D;
    vb = a.v + (b * c.Hkv + kvh) * c.Tk * c.Dv;
    dkb = a.dk + (b * c.Hkv + kvh) * c.Tk * c.D;
    dvb = a.dv + (b * c.Hkv + kvh) * c.Tk * c.Dv;
    segq = tileSegments(c, segBuf, b, i0, mi);
  }

  // P^T into S and dS^T into dP for keys [j0, j0+nj).
  void probs(int64_t j0, int nj, bool interior, const ChunkMask* bm) {
    const int64_t D = c.D, Dv = c.Dv;
    gemm(nj, BR, static_cast<int>(D), kb + j0 * D, D, 1, qt, BR, S, ld, false);  // S^T = K_j Q^T
    scoreTile(c, S, F, ld, nj, j0, i0, mi, b, h, interior, segq, bm);
    gemm(nj, BR, static_cast<int>(Dv), vb + j0 * Dv, Dv, 1, dot, BR, dP, ld, false);  // dP^T = V_j dO^T
    for (int jr = 0; jr < nj; ++jr) {
      for (int x = 0; x < BR; x += W) {
        const vf p = vexp2(vload(S + jr * ld + x) - vload(lseT + x));
        vf ds = p * (vload(dP + jr * ld + x) - vload(delta + x)) * vset(c.scale);
        if (F) ds *= vload(F + jr * ld + x);
        vstore(S + jr * ld + x, p);
        vstore(dP + jr * ld + x, ds);
      }
    }
  }
  // dV_j += P^T dO ; dK_j += dS^T Q over the m queries from this tile's first
  // (m = mi, or BR + the next tile's mi when both halves are filled).
  void dkdv(int64_t j0, int nj, int m) {
    gemm(nj, static_cast<int>(c.Dv), m, S, ld, 1, a.dout + row0 * c.Dv, c.Dv, dvb + j0 * c.Dv, c.Dv, true);
    gemm(nj, static_cast<int>(c.D), m, dP, ld, 1, a.q + row0 * c.D, c.D, dkb + j0 * c.D, c.D, true);
  }
  // dQ_i += dS K_j
  void dq(int64_t j0, int nj) { gemm(mi, static_cast<int>(c.D), nj, dP, 1, ld, kb + j0 * c.D, c.D, dqr, c.D, true); }

  void chunk(int64_t j0, int nj, bool interior, const ChunkMask* bm) {
    probs(j0, nj, interior, bm);
    dkdv(j0, nj, mi);
    dq(j0, nj);
  }
};

// QG query tiles of one (b, h) against the keys they can see: each key chunk
// is loaded once (into L1) for all QG tiles, so K and V stream from L2/L3
// once per QG * BR queries instead of once per BR (this is what keeps long
// sequences, whose K and V outgrow L2, near the short-sequence speed).
constexpr int QG = 4;

static void flashForwardTiles(const FlashFwdArgs& a, int64_t b, int64_t h, int64_t i0, int ntiles) {
  const AttnCommon& c = a.c;
  thread_local std::vector<float> qtBuf, oBuf;
  float* qts = scratch(qtBuf, QG * c.D * BR);
  float* os = scratch(oBuf, QG * BR * c.Dv);
  alignas(64) unsigned char mem[QG][sizeof(ForwardTile)];
  ForwardTile* t[QG];
  const RowRange rr{c};
  int64_t jlo = c.Tk, jhi = -1;
  for (int x = 0; x < ntiles; ++x) {
    const int64_t s0 = i0 + x * BR;
    const int mi = static_cast<int>(std::min<int64_t>(BR, c.Tq - s0));
    t[x] = new (mem[x]) ForwardTile(a, b, h, s0, mi, qts + x * c.D * BR, os + x * BR * c.Dv);
    jlo = std::min(jlo, rr.lo(s0));
    jhi = std::max(jhi, rr.hi(s0 + mi - 1));
  }
  for (int64_t j0 = jlo; j0 <= jhi; j0 += BCF) {
    const int nj = static_cast<int>(std::min<int64_t>(BCF, jhi + 1 - j0));
    for (int x = 0; x < ntiles; ++x) {
      const int64_t s0 = t[x]->i0, s1 = s0 + t[x]->mi - 1;
      if (j0 > rr.hi(s1) || j0 + nj - 1 < rr.lo(s0)) continue;  // this tile sees none of these keys
      t[x]->chunk(j0, nj, j0 + nj - 1 <= rr.hi(s0) && j0 >= rr.lo(s1), nullptr);
    }
  }
  for (int x = 0; x < ntiles; ++x) {
    t[x]->finish();
    t[x]->~ForwardTile();
  }
}

// Work split over (b, h, group of QG query tiles); each task owns its output rows.
static void flashForward(const FlashFwdArgs& a) {
  const AttnCommon& c = a.c;
  const int64_t nqt = (c.Tq + BR - 1) / BR, ng = (nqt + QG - 1) / QG;
  parallelFor(c.B * c.H * ng, [&](int64_t t) {
    const int64_t g = t % ng, bh = t / ng;
    flashForwardTiles(a, bh / c.H, bh % c.H, g * QG * BR, static_cast<int>(std::min<int64_t>(QG, nqt - g * QG)));
  });
}

// The keys of one (b, kv head) split in two halves at a chunk boundary, each a
// task: twice the tasks of one per (b, kv head), so that multi-query attention
// at B = 1 (one kv head) runs on two threads instead of one (the halves split
// the keys, not the work: under a causal mask the first half has ~3/4 of it),
// and tasks are smaller when a thread is delayed by the machine. Each half
// owns its dK/dV rows; dQ needs both halves, so each accumulates its own
// partial dQ (thread-local scratch of G * Tq * D floats, kept like the packed
// Q^T / dO^T, which each half also packs) and the second to finish adds the
// first's: p0 + p1 == p1 + p0 exactly, so the result does not depend on which
// half finishes first, nor on the thread count (NaN inputs aside: which NaN
// payload survives an add depends on the operand order).
struct DqMerge {
  explicit DqMerge(int64_t groups) : mu(new std::mutex[groups]), first(groups, 0) {}
  std::unique_ptr<std::mutex[]> mu;  // per (b, kv head): merges of different groups do not wait on each other
  std::vector<uint8_t> first;        // per (b, kv head): a half's partial dQ is already in the output
};

static int64_t backwardSplits(const AttnCommon& c) { return c.Tk >= 4 * BCF ? 2 : 1; }
// Where the second half starts: the middle key rounded up to a chunk boundary.
static int64_t backwardMid(const AttnCommon& c) { return std::min<int64_t>(c.Tk, ((c.Tk + 1) / 2 + BCF - 1) / BCF * BCF); }

// Backward for keys [jStart, jStop) of one (b, kv head): all query tiles of
// its G query heads are packed once, then key blocks of KB keys (K, V, dK, dV
// stay in L2) meet every query tile. Its dK/dV rows and dQ (partial) rows are
// owned by this task and accumulate in a fixed order: no write races.
static void flashBackwardGroup(const FlashBwdArgs& a, int64_t b, int64_t kvh, int64_t jStart, int64_t jStop, DqMerge* merge) {
  const AttnCommon& c = a.c;
  const int64_t G = c.H / c.Hkv, D = c.D, Dv = c.Dv;
  const int64_t nqt = (c.Tq + BR - 1) / BR;
  thread_local std::vector<float> qtBuf, dotBuf, rowBuf, dqBuf;
  float* qtAll = scratch(qtBuf, G * nqt * D * BR);
  float* dotAll = scratch(dotBuf, G * nqt * Dv * BR);
  float* rows = scratch(rowBuf, G * nqt * 2 * BR);
  float* dqGroup = a.dq + (b * c.H + kvh * G) * c.Tq * D;  // [G, Tq, D]: the group's query heads are consecutive
  float* dqAcc = merge ? scratch(dqBuf, G * c.Tq * D) : dqGroup;
  alignas(64) int32_t segBuf[2][BR];
  for (int64_t g = 0; g < G; ++g)
    for (int64_t qt = 0; qt < nqt; ++qt) {
      const int64_t i0 = qt * BR, tile = g * nqt + qt;
      BackwardTile::pack(a, b, kvh * G + g, i0, static_cast<int>(std::min<int64_t>(BR, c.Tq - i0)), qtAll + tile * D * BR, dotAll + tile * Dv * BR, rows + tile * 2 * BR,
                         dqAcc + (g * c.Tq + i0) * D);
    }
  float* dkb = a.dk + (b * c.Hkv + kvh) * c.Tk * D;
  float* dvb = a.dv + (b * c.Hkv + kvh) * c.Tk * Dv;
  for (int64_t x = jStart * D; x < jStop * D; ++x) dkb[x] = 0.0f;
  for (int64_t x = jStart * Dv; x < jStop * Dv; ++x) dvb[x] = 0.0f;
  const RowRange rr{c};
  // Whether query rows [i0, i0+mi) see any key of [j0, j1) / see all of them unmasked.
  auto sees = [&](int64_t i0, int mi, int64_t j0, int64_t j1) { return !(j0 > rr.hi(i0 + mi - 1) || j1 - 1 < rr.lo(i0)); };
  auto inside = [&](int64_t i0, int mi, int64_t j0, int64_t j1) { return j1 - 1 <= rr.hi(i0) && j0 >= rr.lo(i0 + mi - 1); };
  for (int64_t jb = jStart; jb < jStop; jb += KB) {
    const int64_t jbEnd = std::min<int64_t>(jb + KB, jStop);
    for (int64_t g = 0; g < G; ++g)
      for (int64_t qt = 0; qt < nqt; qt += 2) {  // pairs of tiles; only the last tile can be partial
        const int64_t i0 = qt * BR, tile = g * nqt + qt;
        const int mi = static_cast<int>(std::min<int64_t>(BR, c.Tq - i0));
        const int mi2 = qt + 1 < nqt ? static_cast<int>(std::min<int64_t>(BR, c.Tq - i0 - BR)) : 0;
        const bool visA = sees(i0, mi, jb, jbEnd), visB = mi2 > 0 && sees(i0 + BR, mi2, jb, jbEnd);
        if (!visA && !visB) continue;  // neither tile sees the block
        const int64_t h = kvh * G + g;
        float* dqA = dqAcc + (g * c.Tq + i0) * D;
        BackwardTile tA(a, b, h, i0, mi, qtAll + tile * D * BR, dotAll + tile * Dv * BR, rows + tile * 2 * BR, dqA, segBuf[0], 0);
        alignas(BackwardTile) unsigned char memB[sizeof(BackwardTile)];  // tile B only when it exists and sees the block
        BackwardTile* tB = visB ? new (memB) BackwardTile(a, b, h, i0 + BR, mi2, qtAll + (tile + 1) * D * BR, dotAll + (tile + 1) * Dv * BR, rows + (tile + 1) * 2 * BR, dqA + BR * D, segBuf[1], BR) : nullptr;
        for (int64_t j0 = jb; j0 < jbEnd; j0 += BCF) {  // dQ's GEMM accumulates in the same k order as with BC chunks: identical results
          const int nj = static_cast<int>(std::min<int64_t>(BCF, jbEnd - j0));
          const bool a1 = visA && sees(i0, mi, j0, j0 + nj), b1 = visB && sees(i0 + BR, mi2, j0, j0 + nj);
          if (a1 && b1) {
            tA.probs(j0, nj, inside(i0, mi, j0, j0 + nj), nullptr);
            tB->probs(j0, nj, inside(i0 + BR, mi2, j0, j0 + nj), nullptr);
            tA.dkdv(j0, nj, BR + mi2);  // tile A is full, so B's rows and S columns follow A's
            tA.dq(j0, nj);
            tB->dq(j0, nj);
          } else if (a1) {
            tA.chunk(j0, nj, inside(i0, mi, j0, j0 + nj), nullptr);
          } else if (b1) {
            tB->chunk(j0, nj, inside(i0 + BR, mi2, j0, j0 + nj), nullptr);
          }
        }
      }
  }
  if (!merge) return;
  std::lock_guard<std::mutex> lock(merge->mu[b * c.Hkv + kvh]);
  uint8_t& first = merge->first[b * c.Hkv + kvh];
  if (!first) {
    std::memcpy(dqGroup, dqAcc, sizeof(float) * G * c.Tq * D);
    first = 1;
  } else {
    for (int64_t x = 0; x < G * c.Tq * D; ++x) dqGroup[x] += dqAcc[x];
  }
}

static void flashBackward(const FlashBwdArgs& a) {
  const AttnCommon& c = a.c;
  if (backwardSplits(c) == 1) {
    parallelFor(c.B * c.Hkv, [&](int64_t t) { flashBackwardGroup(a, t / c.Hkv, t % c.Hkv, 0, c.Tk, nullptr); });
    return;
  }
  const int64_t mid = backwardMid(c);
  DqMerge merge(c.B * c.Hkv);
  parallelFor(c.B * c.Hkv * 2, [&](int64_t t) {
    const int64_t bk = t / 2, half = t % 2;
    flashBackwardGroup(a, bk / c.Hkv, bk % c.Hkv, half ? mid : 0, half ? c.Tk : mid, &merge);
  });
}
