// Linear attention (Katharopoulos et al. 2020) on feature-mapped q, k, in the
// chunked form: out_i = q_i^T S / (q_i^T z + eps) with S = sum k_j v_j^T and
// z = sum k_j over all keys, or (causal) over j <= i + Tk - Tq, computed per
// chunk of LC keys as Q_c S_prev + mask(Q_c K_c^T) V_c with the tile products
// on the same micro-kernel. The running state (S, z, and R, r in the
// backward) is accumulated in double, so long prefix sums keep float32
// accuracy; each chunk's product is a float32 GEMM. One task per (b, kv head).
// Hot parts: every product is a call of simd.h's register-blocked gemm (state
// sums and non-causal query blocks as 256-row GEMMs; causal tiles per MR-row
// strip over only the visible keys); row statistics and key sums vectorised;
// chunk transposes by vector permutes; the next chunk's rows prefetched while
// the current one computes. Included after flash_impl.h inside an ISA namespace.

constexpr int LC = 64;   // keys per causal chunk
constexpr int LB = 256;  // rows per GEMM when the state sums or a non-causal query block have no chunk structure

// acc[f] = sum_t w_t X[t, f] (w_t = 1 without w) over n rows of X [n x F]: W lanes of f at a
// time, rows in order (a fixed reduction order, vectorised instead of one serial sum per f).
static void columnSums(const float* X, int64_t F, int n, const float* w, float* acc) {
  for (int64_t f0 = 0; f0 < F; f0 += W) {
    const int lanes = static_cast<int>(std::min<int64_t>(W, F - f0));
    vf s = vset(0.0f);
    if (lanes == W) {
      for (int t = 0; t < n; ++t) s += vload(X + t * F + f0) * (w ? vset(w[t]) : vset(1.0f));
    } else {
      for (int t = 0; t < n; ++t) s += vloadN(X + t * F + f0, lanes) * (w ? vset(w[t]) : vset(1.0f));
    }
    vstoreN(acc + f0, s, lanes);
  }
}

// Query rows [i0, i1) of one head whose aligned position falls in keys [c0, c1).
static void chunkQueries(const LinearDims& d, int64_t c0, int64_t c1, int64_t* i0, int64_t* i1) {
  *i0 = std::max<int64_t>(0, c0 - (d.Tk - d.Tq));
  *i1 = std::min<int64_t>(d.Tq, c1 - (d.Tk - d.Tq));
}

struct LinearCtx {
  const LinearArgs& a;
  int64_t b, kvh, G, shift;
  const float *kb, *vb;
  double *S, *z, *R, *r;  // the double state, thread-local scratch
  float *Sf, *St, *zf, *Kt, *Vt, *A, *Wm, *Gc, *dd, *tmp, *tmpz;

  // zeroState: false for a context that only reads a state made elsewhere (Sf, zf pointed at it).
  LinearCtx(const LinearArgs& args, int64_t b_, int64_t kvh_, bool zeroState = true) : a(args), b(b_), kvh(kvh_) {
    const LinearDims& d = a.d;
    G = d.H / d.Hkv;
    shift = d.Tk - d.Tq;
    kb = a.k + (b * d.Hkv + kvh) * d.Tk * d.F;
    vb = a.v + (b * d.Hkv + kvh) * d.Tk * d.Dv;
    const int64_t FD = d.F * d.Dv, nq = LB;
    thread_local std::vector<double> dbuf;
    if (dbuf.size() < static_cast<size_t>(2 * (FD + d.F))) dbuf.resize(2 * (FD + d.F));
    S = dbuf.data(), z = S + FD, R = z + d.F, r = R + FD;
    if (zeroState) std::fill(dbuf.begin(), dbuf.begin() + (a.dout ? 2 : 1) * (FD + d.F), 0.0);  // R, r: backward only
    thread_local std::vector<float> buf;  // query rows of one block: at most LB (non-causal) or LC (causal)
    float* p = scratch(buf, 3 * FD + 2 * d.F + (d.F + d.Dv) * LC + 2 * LC * LC + nq * d.Dv + nq + FD);
    Sf = p, p += FD;
    St = p, p += FD;
    zf = p, p += d.F;
    tmpz = p, p += d.F;
    Kt = p, p += d.F * LC;
    Vt = p, p += d.Dv * LC;
    A = p, p += LC * LC;
    Wm = p, p += LC * LC;
    Gc = p, p += nq * d.Dv;
    dd = p, p += nq;
    tmp = p;
  }
  int64_t qRow(int64_t g, int64_t i) const { return (b * a.d.H + kvh * G + g) * a.d.Tq + i; }
  // Float copies of the double state (S, z) or (R, r): M [F x Dv] into Sf, v [F] into zf, and
  // (when `transposed`, for the products that read M^T) M^T [Dv x F] into St.
  void snapshot(const double* M, const double* v, bool transposed) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    for (int64_t t = 0; t < F * Dv; ++t) Sf[t] = static_cast<float>(M[t]);
    for (int64_t f = 0; f < F; ++f) zf[f] = static_cast<float>(v[f]);
    if (transposed) transpose(Sf, Dv, static_cast<int>(F), static_cast<int>(Dv), St, F);
  }
  // What accumulate refreshes after adding to the state: nothing, or the float snapshot of the
  // updated state (Sf, zf; and St with kTransposed) in the same pass as the double add.
  enum class Snap { kNone, kPlain, kTransposed };
  // M += X^T Y over `n` rows (X [n x F] rows of stride F, Y [n x Dv]), v += colsum(X) (or X^T w when w):
  // one float32 GEMM (K = n) and float32 column sums per block, added to the double state. The GEMM
  // runs as K slices of LC rows accumulating into tmp (the same products in the same order as one
  // call), all hinting the lines of `pf` (if any) as they compute.
  void accumulate(double* M, double* v, const float* X, const float* Y, int64_t ldy, int n, const float* w,
                  Snap snap = Snap::kNone, Prefetch* pf = nullptr) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    if (n == 0) gemm(static_cast<int>(F), static_cast<int>(Dv), 0, X, 1, F, Y, ldy, tmp, Dv, false);
    for (int s = 0; s < n; s += LC)
      gemm(static_cast<int>(F), static_cast<int>(Dv), std::min(LC, n - s), X + s * F, 1, F, Y + s * ldy, ldy, tmp, Dv, s > 0, pf);
    columnSums(X, F, n, w, tmpz);
    if (snap == Snap::kNone) {
      for (int64_t t = 0; t < F * Dv; ++t) M[t] += tmp[t];
      for (int64_t f = 0; f < F; ++f) v[f] += tmpz[f];
      return;
    }
    for (int64_t t = 0; t < F * Dv; ++t) {
      const double m = M[t] + tmp[t];
      M[t] = m;
      Sf[t] = static_cast<float>(m);
    }
    for (int64_t f = 0; f < F; ++f) {
      const double m = v[f] + tmpz[f];
      v[f] = m;
      zf[f] = static_cast<float>(m);
    }
    if (snap == Snap::kTransposed) transpose(Sf, Dv, static_cast<int>(F), static_cast<int>(Dv), St, F);
  }
  // Keys [c0, c0+nk) transposed: Kt [F x LC] (for Q K^T) and/or Vt [Dv x LC] (for G V^T).
  void packChunk(int64_t c0, int nk, bool keys, bool values) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    if (keys) transpose(kb + c0 * F, F, nk, static_cast<int>(F), Kt, LC);
    if (values) transpose(vb + c0 * Dv, Dv, nk, static_cast<int>(Dv), Vt, LC);
  }
  // How many keys of chunk [c0, c0+nk) query i0 + ii sees: keys [c0, c0 + visible), as j <= i + shift.
  int visible(int64_t i0, int ii, int64_t c0, int nk) const {
    return static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(nk, i0 + ii + shift - c0 + 1)));
  }
  // The chunk's tile products skip what the causal mask hides, exactly: skipped terms are
  // products with 0, so every visible entry has the same value (and the same k order) as the
  // full 64 x 64 tile, at a little over half its cost.
  //
  // P [nq x LC] = mask(X Yt + add 1^T) for queries [i0, i0+nq) against keys [c0, c0+nk), X [nq x K]
  // (rows of stride ldx), Yt [K x LC] (packed K^T or V^T), add [nq] or null: per strip of MR query
  // rows only the columns its last row sees (rounded up to whole vectors) are computed; hidden
  // entries are set to 0.
  void maskedProduct(float* P, int nq, int nk, int K, const float* X, int64_t ldx, const float* Yt, int64_t i0, int64_t c0, const float* add, Prefetch* pf = nullptr) const {
    for (int m0 = 0; m0 < nq; m0 += MR) {
      const int mr = std::min(MR, nq - m0);
      const int cols = std::min(nk, (visible(i0, m0 + mr - 1, c0, nk) + W - 1) / W * W);
      gemm(mr, cols, K, X + m0 * ldx, ldx, 1, Yt, LC, P + m0 * LC, LC, false, pf);
      for (int ii = m0; ii < m0 + mr; ++ii) {
        const int vis = visible(i0, ii, c0, nk);
        float* p = P + ii * LC;
        if (add)
          for (int jj = 0; jj < vis; ++jj) p[jj] += add[ii];
        for (int jj = vis; jj < nk; ++jj) p[jj] = 0.0f;
      }
    }
  }
  // out [nq x N] (row stride ldo) += P Y with P from maskedProduct and Y [nk x N] (rows of stride
  // ldy): per strip of MR query rows, K = the keys its last row sees (the rest of P is 0).
  void lowerProduct(float* out, int64_t ldo, int N, const float* P, int nq, const float* Y, int64_t ldy, int64_t i0, int64_t c0, int nk, Prefetch* pf = nullptr) const {
    for (int m0 = 0; m0 < nq; m0 += MR) {
      const int mr = std::min(MR, nq - m0);
      gemm(mr, N, visible(i0, m0 + mr - 1, c0, nk), P + m0 * LC, LC, 1, Y, ldy, out + m0 * ldo, ldo, true, pf);
    }
  }
  // out [nk x N] (row stride ldo) += P^T Y (= P^T Y with acc false) with P from maskedProduct and
  // Y [nq x N] (rows of stride ldy): key jj is seen by queries ii >= jj + c0 - i0 - shift, so per
  // strip of MR keys K starts at its first key's first query.
  void upperProduct(float* out, int64_t ldo, int N, const float* P, int nq, const float* Y, int64_t ldy, int64_t i0, int64_t c0, int nk, Prefetch* pf = nullptr,
                    bool acc = true) const {
    for (int j0 = 0; j0 < nk; j0 += MR) {
      const int mr = std::min(MR, nk - j0);
      const int s = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(nq, c0 + j0 - i0 - shift)));
      gemm(mr, N, nq - s, P + s * LC + j0, 1, LC, Y + s * ldy, ldy, out + j0 * ldo, ldo, acc, pf);
    }
  }
  // The state sums over keys [c0, c1), in blocks of LB rows, each hinting the next block's rows.
  void accumulateKeys(int64_t c0, int64_t c1) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    for (; c0 < c1; c0 += LB) {
      const int n = static_cast<int>(std::min<int64_t>(LB, c1 - c0));
      const int64_t next = std::min<int64_t>(LB, c1 - c0 - n);
      Prefetch pf;
      pf.add(kb + (c0 + n) * F, next * F);
      pf.add(vb + (c0 + n) * Dv, next * Dv);
      accumulate(S, z, kb + c0 * F, vb + c0 * Dv, Dv, n, nullptr, Snap::kNone, &pf);
    }
  }
  // out, den of head g's query rows [i0, i1) from the snapshot (Sf, zf) of the full state: blocks
  // of LC rows (out = Q S, then each row's denominator and scaling while the rows are in cache),
  // prefetching the next block.
  void nonCausalRows(int64_t g, int64_t i0, int64_t i1) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    for (int64_t s = i0; s < i1; s += LC) {
      const int m = static_cast<int>(std::min<int64_t>(LC, i1 - s));
      const int64_t row0 = qRow(g, s), ahead = std::max<int64_t>(0, std::min<int64_t>(LC, i1 - (s + LC)));
      Prefetch pf;
      if (ahead > 0) {
        pf.add(a.q + (row0 + LC) * F, ahead * F);
        pf.add(a.out + (row0 + LC) * Dv, ahead * Dv);
      }
      gemm(m, static_cast<int>(Dv), static_cast<int>(F), a.q + row0 * F, F, 1, Sf, Dv, a.out + row0 * Dv, Dv, false, &pf);
      for (int ii = 0; ii < m; ++ii) finish(row0 + ii, vdot(a.q + (row0 + ii) * F, zf, F));
    }
  }
  // The chunk [c0, c0+LC) the sweep visits next, added to a prefetch plan (nothing when outside
  // the keys): key rows of a per-kv-head array (kb, vb, dk, dv; `width` floats a row), or head g's
  // query rows of a per-query-head array (q, out, dout, dq).
  void hintKeys(Prefetch* pf, int64_t c0, const float* base, int64_t width) const {
    if (c0 < 0 || c0 >= a.d.Tk) return;
    pf->add(base + c0 * width, std::min<int64_t>(LC, a.d.Tk - c0) * width);
  }
  void hintQueries(Prefetch* pf, int64_t g, int64_t c0, const float* base, int64_t width) const {
    if (c0 < 0 || c0 >= a.d.Tk) return;
    int64_t i0, i1;
    chunkQueries(a.d, c0, std::min<int64_t>(a.d.Tk, c0 + LC), &i0, &i1);
    if (i1 > i0) pf->add(base + qRow(g, i0) * width, (i1 - i0) * width);
  }
  // den_row = d + eps (stored), out_row /= den_row.
  void finish(int64_t row, float d) {
    const int64_t Dv = a.d.Dv;
    a.den[row] = d + a.eps;
    const float inv = 1.0f / (d + a.eps);
    float* o = a.out + row * Dv;
    for (int64_t e = 0; e < Dv; ++e) o[e] *= inv;
  }
};


static void linearForwardGroup(const LinearArgs& a, int64_t b, int64_t kvh) {
  const LinearDims& d = a.d;
  LinearCtx x(a, b, kvh);
  const int64_t F = d.F, Dv = d.Dv;
  if (!a.causal) {
    x.accumulateKeys(0, d.Tk);
    x.snapshot(x.S, x.z, false);
    for (int64_t g = 0; g < x.G; ++g) x.nonCausalRows(g, 0, d.Tq);
    return;
  }
  for (int64_t g = 0; g < x.G; ++g)  // queries aligned before key 0 see nothing
    for (int64_t i = 0; i < std::min<int64_t>(d.Tq, -x.shift); ++i) {
      for (int64_t e = 0; e < Dv; ++e) a.out[x.qRow(g, i) * Dv + e] = 0.0f;
      a.den[x.qRow(g, i)] = a.eps;
    }
  x.snapshot(x.S, x.z, false);
  for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) {
    const int nk = static_cast<int>(std::min<int64_t>(LC, d.Tk - c0));
    int64_t i0, i1;
    chunkQueries(d, c0, c0 + nk, &i0, &i1);
    Prefetch keysPf;  // the next chunk's rows, hinted while this chunk computes
    x.hintKeys(&keysPf, c0 + LC, x.kb, F);
    x.hintKeys(&keysPf, c0 + LC, x.vb, Dv);
    if (i1 > i0) {
      x.packChunk(c0, nk, true, false);
      const int nq = static_cast<int>(i1 - i0);
      for (int64_t g = 0; g < x.G; ++g) {
        Prefetch pf = g == 0 ? keysPf : Prefetch();
        x.hintQueries(&pf, g, c0 + LC, a.q, F);
        x.hintQueries(&pf, g, c0 + LC, a.out, Dv);
        const int64_t row0 = x.qRow(g, i0);
        float* out = a.out + row0 * Dv;
        gemm(nq, static_cast<int>(Dv), static_cast<int>(F), a.q + row0 * F, F, 1, x.Sf, Dv, out, Dv, false, &pf);  // Q S_prev
        x.maskedProduct(x.A, nq, nk, static_cast<int>(F), a.q + row0 * F, F, x.Kt, i0, c0, nullptr, &pf);  // A = mask(Q K^T)
        x.lowerProduct(out, Dv, static_cast<int>(Dv), x.A, nq, x.vb + c0 * Dv, Dv, i0, c0, nk, &pf);  // + A V
        for (int ii = 0; ii < nq; ++ii)
          x.finish(row0 + ii, vdot(a.q + (row0 + ii) * F, x.zf, F) + rowSum(x.A + ii * LC, nk, [](vf t) { return t; }));
      }
    }
    x.accumulate(x.S, x.z, x.kb + c0 * F, x.vb + c0 * Dv, Dv, nk, nullptr, LinearCtx::Snap::kPlain, i1 > i0 ? nullptr : &keysPf);
  }
}

// g_i = dy_i / den_i into Gc rows, dd_i = -(dy_i . out_i) / den_i, for queries [i0, i0+nq) of head g.
static void upstream(const LinearArgs& a, LinearCtx& x, int64_t g, int64_t i0, int nq) {
  const int64_t Dv = a.d.Dv;
  for (int ii = 0; ii < nq; ++ii) {
    const int64_t row = x.qRow(g, i0 + ii);
    const float inv = 1.0f / a.den[row];
    const float* dy = a.dout + row * Dv;
    for (int64_t e = 0; e < Dv; ++e) x.Gc[ii * Dv + e] = dy[e] * inv;
    x.dd[ii] = -vdot(dy, a.out + row * Dv, Dv) * inv;
  }
}

// Wm = mask(G V_c^T + dd 1^T) for queries [i0, i0+nq) against keys [c0, c0+nk) (Vt packed).
static void upstreamScores(LinearCtx& x, int64_t i0, int nq, int64_t c0, int nk, Prefetch* pf) {
  x.maskedProduct(x.Wm, nq, nk, static_cast<int>(x.a.d.Dv), x.Gc, x.a.d.Dv, x.Vt, i0, c0, x.dd, pf);
}

// dq rows [i0, i0+nq) of head g = G S^T + dd z^T (+ Wm K_c in causal chunks, with Wm built here);
// the products hint pf's lines.
static void dqRows(const LinearArgs& a, LinearCtx& x, int64_t g, int64_t i0, int nq, int64_t c0, int nk, Prefetch* pf) {
  const int64_t F = a.d.F, Dv = a.d.Dv;
  float* dq = a.dq + x.qRow(g, i0) * F;
  gemm(nq, static_cast<int>(F), static_cast<int>(Dv), x.Gc, Dv, 1, x.St, F, dq, F, false, pf);
  for (int ii = 0; ii < nq; ++ii)
    for (int64_t f = 0; f < F; ++f) dq[ii * F + f] += x.dd[ii] * x.zf[f];
  if (nk == 0) return;
  upstreamScores(x, i0, nq, c0, nk, pf);
  x.lowerProduct(dq, F, static_cast<int>(F), x.Wm, nq, x.kb + c0 * F, F, i0, c0, nk, pf);
}

static void linearBackwardGroup(const LinearArgs& a, int64_t b, int64_t kvh) {
  const LinearDims& d = a.d;
  LinearCtx x(a, b, kvh);
  const int64_t F = d.F, Dv = d.Dv;
  float* dkb = a.dk + (b * d.Hkv + kvh) * d.Tk * F;
  float* dvb = a.dv + (b * d.Hkv + kvh) * d.Tk * Dv;
  // dk, dv rows [c0, c0+nk) from the (R, r) of the queries that see all of them (snapshot of R
  // taken); the products hint pf's lines.
  auto keyRows = [&](int64_t c0, int nk, Prefetch* pf, bool acc) {
    gemm(nk, static_cast<int>(F), static_cast<int>(Dv), x.vb + c0 * Dv, Dv, 1, x.St, F, dkb + c0 * F, F, acc, pf);  // V R^T
    for (int jj = 0; jj < nk; ++jj)
      for (int64_t f = 0; f < F; ++f) dkb[(c0 + jj) * F + f] += x.zf[f];
    gemm(nk, static_cast<int>(Dv), static_cast<int>(F), x.kb + c0 * F, F, 1, x.Sf, Dv, dvb + c0 * Dv, Dv, acc, pf);  // K R
  };
  if (!a.causal) {
    x.accumulateKeys(0, d.Tk);
    x.snapshot(x.S, x.z, true);
    for (int64_t g = 0; g < x.G; ++g)
      for (int64_t i0 = 0; i0 < d.Tq; i0 += LB) {
        const int nq = static_cast<int>(std::min<int64_t>(LB, d.Tq - i0));
        const int64_t next = std::min<int64_t>(LB, d.Tq - i0 - nq), row1 = x.qRow(g, i0 + nq);
        Prefetch pf;  // the next block's rows
        pf.add(a.dout + row1 * Dv, next * Dv);
        pf.add(a.out + row1 * Dv, next * Dv);
        pf.add(a.q + row1 * F, next * F);
        pf.add(a.dq + row1 * F, next * F);
        upstream(a, x, g, i0, nq);
        dqRows(a, x, g, i0, nq, 0, 0, &pf);
        x.accumulate(x.R, x.r, a.q + x.qRow(g, i0) * F, x.Gc, Dv, nq, x.dd, LinearCtx::Snap::kNone, &pf);
      }
    x.snapshot(x.R, x.r, true);
    for (int64_t c0 = 0; c0 < d.Tk; c0 += LB) {
      const int nk = static_cast<int>(std::min<int64_t>(LB, d.Tk - c0));
      const int64_t next = std::min<int64_t>(LB, d.Tk - c0 - nk);
      Prefetch pf;  // the next block's rows
      pf.add(x.vb + (c0 + nk) * Dv, next * Dv);
      pf.add(x.kb + (c0 + nk) * F, next * F);
      pf.add(dkb + (c0 + nk) * F, next * F);
      pf.add(dvb + (c0 + nk) * Dv, next * Dv);
      keyRows(c0, nk, &pf, false);
    }
    return;
  }
  for (int64_t g = 0; g < x.G; ++g)  // queries aligned before key 0: zero gradient
    for (int64_t i = 0; i < std::min<int64_t>(d.Tq, -x.shift); ++i)
      for (int64_t f = 0; f < F; ++f) a.dq[x.qRow(g, i) * F + f] = 0.0f;
  x.snapshot(x.S, x.z, true);
  // Forward sweep: dq, and the chunk-local (masked) part of dk, dv, which needs the same W tile.
  for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) {
    const int nk = static_cast<int>(std::min<int64_t>(LC, d.Tk - c0));
    int64_t i0, i1;
    chunkQueries(d, c0, c0 + nk, &i0, &i1);
    Prefetch keysPf;  // the next chunk's rows, hinted while this chunk computes
    x.hintKeys(&keysPf, c0 + LC, x.kb, F);
    x.hintKeys(&keysPf, c0 + LC, x.vb, Dv);
    x.hintKeys(&keysPf, c0 + LC, dkb, F);
    x.hintKeys(&keysPf, c0 + LC, dvb, Dv);
    if (i1 <= i0) {  // no query here: the reverse sweep adds to zero rows
      std::fill(dkb + c0 * F, dkb + (c0 + nk) * F, 0.0f);
      std::fill(dvb + c0 * Dv, dvb + (c0 + nk) * Dv, 0.0f);
    } else {
      const int nq = static_cast<int>(i1 - i0);
      x.packChunk(c0, nk, true, true);
      for (int64_t g = 0; g < x.G; ++g) {
        Prefetch pf = g == 0 ? keysPf : Prefetch();
        x.hintQueries(&pf, g, c0 + LC, a.dout, Dv);
        x.hintQueries(&pf, g, c0 + LC, a.out, Dv);
        x.hintQueries(&pf, g, c0 + LC, a.q, F);
        x.hintQueries(&pf, g, c0 + LC, a.dq, F);
        upstream(a, x, g, i0, nq);
        dqRows(a, x, g, i0, nq, c0, nk, &pf);  // builds Wm
        const float* qc = a.q + x.qRow(g, i0) * F;
        x.upperProduct(dkb + c0 * F, F, static_cast<int>(F), x.Wm, nq, qc, F, i0, c0, nk, &pf, g > 0);  // dK_c (+)= Wm^T Q_c
        x.maskedProduct(x.A, nq, nk, static_cast<int>(F), qc, F, x.Kt, i0, c0, nullptr, &pf);  // A = mask(Q_c K_c^T)
        x.upperProduct(dvb + c0 * Dv, Dv, static_cast<int>(Dv), x.A, nq, x.Gc, Dv, i0, c0, nk, &pf, g > 0);  // dV_c (+)= A^T G
      }
    }
    x.accumulate(x.S, x.z, x.kb + c0 * F, x.vb + c0 * Dv, Dv, nk, nullptr, LinearCtx::Snap::kTransposed, i1 > i0 ? nullptr : &keysPf);
  }
  // Reverse sweep: dk, dv += what the later chunks' queries add through the suffix state (R, r).
  x.snapshot(x.R, x.r, true);
  for (int64_t c0 = (d.Tk - 1) / LC * LC; c0 >= 0; c0 -= LC) {
    const int nk = static_cast<int>(std::min<int64_t>(LC, d.Tk - c0));
    int64_t i0, i1;
    chunkQueries(d, c0, c0 + nk, &i0, &i1);
    Prefetch keysPf;  // the previous chunk's rows (visited next), hinted while this chunk computes
    x.hintKeys(&keysPf, c0 - LC, x.kb, F);
    x.hintKeys(&keysPf, c0 - LC, x.vb, Dv);
    x.hintKeys(&keysPf, c0 - LC, dkb, F);
    x.hintKeys(&keysPf, c0 - LC, dvb, Dv);
    keyRows(c0, nk, &keysPf, true);
    if (i1 <= i0) continue;
    const int nq = static_cast<int>(i1 - i0);
    for (int64_t g = 0; g < x.G; ++g) {
      Prefetch pf;
      x.hintQueries(&pf, g, c0 - LC, a.dout, Dv);
      x.hintQueries(&pf, g, c0 - LC, a.out, Dv);
      x.hintQueries(&pf, g, c0 - LC, a.q, F);
      upstream(a, x, g, i0, nq);
      x.accumulate(x.R, x.r, a.q + x.qRow(g, i0) * F, x.Gc, Dv, nq, x.dd, g == x.G - 1 ? LinearCtx::Snap::kTransposed : LinearCtx::Snap::kNone, &pf);
    }
  }
}

// Non-causal forward over the whole pool, not just one task per (b, kv head): (1) the state sums
// of fixed key segments (KS >= 4096 rows, set by Tk alone, at most 16 per head) into double partials,
// (2) merged per (b, kv head) in segment order into the float state, (3) blocks of QB query rows
// per (b, h). The decomposition depends on the shape only, so results do not depend on the
// thread count; the partials (<= 16 states per kv head) are thread-local scratch of the caller.
static void linearForwardNonCausal(const LinearArgs& a) {
  const LinearDims& d = a.d;
  const int64_t F = d.F, Dv = d.Dv, FD = F * Dv, groups = d.B * d.Hkv, G = d.H / d.Hkv;
  const int64_t KS = LB * std::max<int64_t>(16, (d.Tk + 16 * LB - 1) / (16 * LB)), nseg = (d.Tk + KS - 1) / KS;
  const int64_t QB = 4 * LB, qblocks = (d.Tq + QB - 1) / QB;
  thread_local std::vector<double> part;
  thread_local std::vector<float> state;  // per (b, kv head): S [F x Dv], then z [F]
  part.resize(groups * nseg * (FD + F));
  state.resize(groups * (FD + F));
  double* const P = part.data();
  float* const Sg = state.data();
  parallelFor(groups * nseg, [&](int64_t t) {
    const int64_t grp = t / nseg, seg = t % nseg;
    LinearCtx x(a, grp / d.Hkv, grp % d.Hkv);
    x.accumulateKeys(seg * KS, std::min(d.Tk, (seg + 1) * KS));
    std::copy(x.S, x.S + FD + F, P + t * (FD + F));  // S then z: adjacent in the context
  });
  parallelFor(groups, [&](int64_t grp) {
    double* acc = P + grp * nseg * (FD + F);
    for (int64_t seg = 1; seg < nseg; ++seg)
      for (int64_t i = 0; i < FD + F; ++i) acc[i] += acc[seg * (FD + F) + i];
    for (int64_t i = 0; i < FD + F; ++i) Sg[grp * (FD + F) + i] = static_cast<float>(acc[i]);
  });
  parallelFor(d.B * d.H * qblocks, [&](int64_t t) {
    const int64_t bh = t / qblocks, i0 = (t % qblocks) * QB, b = bh / d.H, h = bh % d.H, grp = b * d.Hkv + h / G;
    LinearCtx x(a, b, h / G, false);
    x.Sf = Sg + grp * (FD + F);
    x.zf = x.Sf + FD;
    x.nonCausalRows(h % G, i0, std::min(d.Tq, i0 + QB));
  });
}

// Groups (b, kv head) from which one task per group keeps the pool busy; below, the non-causal
// forward also splits keys and queries (~4% more work for the phase boundaries, 1.8x faster at
// B = H = 1 on 2 threads). The choice depends on the shape only, never on the thread count.
constexpr int64_t kManyGroups = 8;

static void linearForward(const LinearArgs& a) {
  if (!a.causal && a.d.B * a.d.Hkv < kManyGroups) return linearForwardNonCausal(a);
  parallelFor(a.d.B * a.d.Hkv, [&](int64_t t) { linearForwardGroup(a, t / a.d.Hkv, t % a.d.Hkv); });
}
static void linearBackward(const LinearArgs& a) {
  parallelFor(a.d.B * a.d.Hkv, [&](int64_t t) { linearBackwardGroup(a, t / a.d.Hkv, t % a.d.Hkv); });
}
