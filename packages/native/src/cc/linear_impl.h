// Linear attention (Katharopoulos et al. 2020) on feature-mapped q, k, in the
// chunked form: out_i = q_i^T S / (q_i^T z + eps) with S = sum k_j v_j^T and
// z = sum k_j over all keys, or (causal) over j <= i + Tk - Tq, computed per
// chunk of LC keys as Q_c S_prev + mask(Q_c K_c^T) V_c with the tile products
// on the same micro-kernel. The running state (S, z, and R, r in the
// backward) is accumulated in double, so long prefix sums keep float32
// accuracy; each chunk's product is a float32 GEMM. One task per (b, kv head).
// Included after flash_impl.h inside an ISA namespace.

constexpr int LC = 64;  // keys per chunk

struct LinearCtx {
  const LinearArgs& a;
  int64_t b, kvh, G, shift;
  const float *kb, *vb;
  std::vector<double> S, z, R, r;
  float *Sf, *St, *zf, *Kt, *Vt, *A, *W, *Gc, *dd, *tmp;

  LinearCtx(const LinearArgs& args, int64_t b_, int64_t kvh_) : a(args), b(b_), kvh(kvh_) {
    const LinearDims& d = a.d;
    G = d.H / d.Hkv;
    shift = d.Tk - d.Tq;
    kb = a.k + (b * d.Hkv + kvh) * d.Tk * d.F;
    vb = a.v + (b * d.Hkv + kvh) * d.Tk * d.Dv;
    S.assign(d.F * d.Dv, 0.0), z.assign(d.F, 0.0), R.assign(d.F * d.Dv, 0.0), r.assign(d.F, 0.0);
    thread_local std::vector<float> buf;
    const int64_t FD = d.F * d.Dv, nq = LC;  // queries aligned in one chunk: at most LC per head
    float* p = scratch(buf, 3 * FD + d.F + (d.F + d.Dv) * LC + 2 * LC * LC + nq * d.Dv + nq + FD);
    Sf = p, p += FD;
    St = p, p += FD;
    zf = p, p += d.F;
    Kt = p, p += d.F * LC;
    Vt = p, p += d.Dv * LC;
    A = p, p += LC * LC;
    W = p, p += LC * LC;
    Gc = p, p += nq * d.Dv;
    dd = p, p += nq;
    tmp = p;
  }
  int64_t qRow(int64_t g, int64_t i) const { return (b * a.d.H + kvh * G + g) * a.d.Tq + i; }
  // Float copies of the double state (S, z) or (R, r): M [F x Dv], its transpose [Dv x F], v [F].
  void snapshot(const std::vector<double>& M, const std::vector<double>& v) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    for (int64_t f = 0; f < F; ++f) {
      zf[f] = static_cast<float>(v[f]);
      for (int64_t e = 0; e < Dv; ++e) St[e * F + f] = Sf[f * Dv + e] = static_cast<float>(M[f * Dv + e]);
    }
  }
  // M += X^T Y over `n` rows (X [n x F] rows of stride F, Y [n x Dv]), v += colsum(X) (or X^T w when w).
  void accumulate(std::vector<double>& M, std::vector<double>& v, const float* X, const float* Y, int64_t ldy, int n, const float* w) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    gemm(static_cast<int>(F), static_cast<int>(Dv), n, X, 1, F, Y, ldy, tmp, Dv, false);
    for (int64_t t = 0; t < F * Dv; ++t) M[t] += tmp[t];
    for (int64_t f = 0; f < F; ++f) {
      double s = 0.0;
      for (int t = 0; t < n; ++t) s += static_cast<double>(X[t * F + f]) * (w ? w[t] : 1.0f);
      v[f] += s;
    }
  }
  // Keys [c0, c0+nk) transposed: Kt [F x LC], Vt [Dv x LC].
  void packChunk(int64_t c0, int nk) {
    const int64_t F = a.d.F, Dv = a.d.Dv;
    for (int jj = 0; jj < nk; ++jj) {
      for (int64_t f = 0; f < F; ++f) Kt[f * LC + jj] = kb[(c0 + jj) * F + f];
      for (int64_t e = 0; e < Dv; ++e) Vt[e * LC + jj] = vb[(c0 + jj) * Dv + e];
    }
  }
  // A = mask(Q K^T) for queries [i0, i0+nq) of head g against keys [c0, c0+nk): j <= i + shift.
  void scores(int64_t g, int64_t i0, int nq, int64_t c0, int nk) {
    gemm(nq, nk, static_cast<int>(a.d.F), a.q + qRow(g, i0) * a.d.F, a.d.F, 1, Kt, LC, A, LC, false);
    for (int ii = 0; ii < nq; ++ii)
      for (int jj = 0; jj < nk; ++jj)
        if (c0 + jj > i0 + ii + shift) A[ii * LC + jj] = 0.0f;
  }
};

// Query rows [i0, i1) of one head whose aligned position falls in keys [c0, c1).
static void chunkQueries(const LinearDims& d, int64_t c0, int64_t c1, int64_t* i0, int64_t* i1) {
  *i0 = std::max<int64_t>(0, c0 - (d.Tk - d.Tq));
  *i1 = std::min<int64_t>(d.Tq, c1 - (d.Tk - d.Tq));
}

static void linearForwardGroup(const LinearArgs& a, int64_t b, int64_t kvh) {
  const LinearDims& d = a.d;
  LinearCtx x(a, b, kvh);
  const int64_t F = d.F, Dv = d.Dv;
  auto finish = [&](int64_t row, float den) {
    a.den[row] = den + a.eps;
    const float inv = 1.0f / (den + a.eps);
    for (int64_t e = 0; e < Dv; ++e) a.out[row * Dv + e] *= inv;
  };
  if (!a.causal) {
    for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) x.accumulate(x.S, x.z, x.kb + c0 * F, x.vb + c0 * Dv, Dv, static_cast<int>(std::min<int64_t>(LC, d.Tk - c0)), nullptr);
    x.snapshot(x.S, x.z);
    for (int64_t g = 0; g < x.G; ++g) {
      const int64_t row0 = x.qRow(g, 0);
      gemm(static_cast<int>(d.Tq), static_cast<int>(Dv), static_cast<int>(F), a.q + row0 * F, F, 1, x.Sf, Dv, a.out + row0 * Dv, Dv, false);
      for (int64_t i = 0; i < d.Tq; ++i) {
        float den = 0.0f;
        for (int64_t f = 0; f < F; ++f) den += a.q[(row0 + i) * F + f] * x.zf[f];
        finish(row0 + i, den);
      }
    }
    return;
  }
  for (int64_t g = 0; g < x.G; ++g)  // queries aligned before key 0 see nothing
    for (int64_t i = 0; i < std::min<int64_t>(d.Tq, -x.shift); ++i) {
      for (int64_t e = 0; e < Dv; ++e) a.out[x.qRow(g, i) * Dv + e] = 0.0f;
      a.den[x.qRow(g, i)] = a.eps;
    }
  for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) {
    const int nk = static_cast<int>(std::min<int64_t>(LC, d.Tk - c0));
    int64_t i0, i1;
    chunkQueries(d, c0, c0 + nk, &i0, &i1);
    if (i1 > i0) {
      x.snapshot(x.S, x.z);
      x.packChunk(c0, nk);
      const int nq = static_cast<int>(i1 - i0);
      for (int64_t g = 0; g < x.G; ++g) {
        const int64_t row0 = x.qRow(g, i0);
        float* out = a.out + row0 * Dv;
        gemm(nq, static_cast<int>(Dv), static_cast<int>(F), a.q + row0 * F, F, 1, x.Sf, Dv, out, Dv, false);  // Q S_prev
        x.scores(g, i0, nq, c0, nk);
        gemm(nq, static_cast<int>(Dv), nk, x.A, LC, 1, x.vb + c0 * Dv, Dv, out, Dv, true);  // + mask(Q K^T) V
        for (int ii = 0; ii < nq; ++ii) {
          float den = 0.0f;
          for (int64_t f = 0; f < F; ++f) den += a.q[(row0 + ii) * F + f] * x.zf[f];
          for (int jj = 0; jj < nk; ++jj) den += x.A[ii * LC + jj];
          finish(row0 + ii, den);
        }
      }
    }
    x.accumulate(x.S, x.z, x.kb + c0 * F, x.vb + c0 * Dv, Dv, nk, nullptr);
  }
}

// g_i = dy_i / den_i into Gc rows, dd_i = -(dy_i . out_i) / den_i, for queries [i0, i0+nq) of head g.
static void upstream(const LinearArgs& a, LinearCtx& x, int64_t g, int64_t i0, int nq) {
  const int64_t Dv = a.d.Dv;
  for (int ii = 0; ii < nq; ++ii) {
    const int64_t row = x.qRow(g, i0 + ii);
    const float inv = 1.0f / a.den[row];
    float s = 0.0f;
    for (int64_t e = 0; e < Dv; ++e) {
      x.Gc[ii * Dv + e] = a.dout[row * Dv + e] * inv;
      s += a.dout[row * Dv + e] * a.out[row * Dv + e];
    }
    x.dd[ii] = -s * inv;
  }
}

// dq rows [i0, i0+nq) of head g = G S^T + dd z^T (+ W K_c in causal chunks, with W built here).
static void dqRows(const LinearArgs& a, LinearCtx& x, int64_t g, int64_t i0, int nq, int64_t c0, int nk) {
  const int64_t F = a.d.F, Dv = a.d.Dv;
  float* dq = a.dq + x.qRow(g, i0) * F;
  gemm(nq, static_cast<int>(F), static_cast<int>(Dv), x.Gc, Dv, 1, x.St, F, dq, F, false);
  for (int ii = 0; ii < nq; ++ii)
    for (int64_t f = 0; f < F; ++f) dq[ii * F + f] += x.dd[ii] * x.zf[f];
  if (nk == 0) return;
  gemm(nq, nk, static_cast<int>(Dv), x.Gc, Dv, 1, x.Vt, LC, x.W, LC, false);  // W = G V^T + dd, masked
  for (int ii = 0; ii < nq; ++ii)
    for (int jj = 0; jj < nk; ++jj) x.W[ii * LC + jj] = c0 + jj > i0 + ii + x.shift ? 0.0f : x.W[ii * LC + jj] + x.dd[ii];
  gemm(nq, static_cast<int>(F), nk, x.W, LC, 1, x.kb + c0 * F, F, dq, F, true);
}

static void linearBackwardGroup(const LinearArgs& a, int64_t b, int64_t kvh) {
  const LinearDims& d = a.d;
  LinearCtx x(a, b, kvh);
  const int64_t F = d.F, Dv = d.Dv;
  float* dkb = a.dk + (b * d.Hkv + kvh) * d.Tk * F;
  float* dvb = a.dv + (b * d.Hkv + kvh) * d.Tk * Dv;
  // dk, dv rows [c0, c0+nk) from the (R, r) of the queries that see all of them.
  auto keyRows = [&](int64_t c0, int nk) {
    x.snapshot(x.R, x.r);
    gemm(nk, static_cast<int>(F), static_cast<int>(Dv), x.vb + c0 * Dv, Dv, 1, x.St, F, dkb + c0 * F, F, false);  // V R^T
    for (int jj = 0; jj < nk; ++jj)
      for (int64_t f = 0; f < F; ++f) dkb[(c0 + jj) * F + f] += x.zf[f];
    gemm(nk, static_cast<int>(Dv), static_cast<int>(F), x.kb + c0 * F, F, 1, x.Sf, Dv, dvb + c0 * Dv, Dv, false);  // K R
  };
  if (!a.causal) {
    for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) x.accumulate(x.S, x.z, x.kb + c0 * F, x.vb + c0 * Dv, Dv, static_cast<int>(std::min<int64_t>(LC, d.Tk - c0)), nullptr);
    x.snapshot(x.S, x.z);
    for (int64_t g = 0; g < x.G; ++g)
      for (int64_t i0 = 0; i0 < d.Tq; i0 += LC) {
        const int nq = static_cast<int>(std::min<int64_t>(LC, d.Tq - i0));
        upstream(a, x, g, i0, nq);
        dqRows(a, x, g, i0, nq, 0, 0);
        x.accumulate(x.R, x.r, a.q + x.qRow(g, i0) * F, x.Gc, Dv, nq, x.dd);
      }
    for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) keyRows(c0, static_cast<int>(std::min<int64_t>(LC, d.Tk - c0)));
    return;
  }
  for (int64_t g = 0; g < x.G; ++g)  // queries aligned before key 0: zero gradient
    for (int64_t i = 0; i < std::min<int64_t>(d.Tq, -x.shift); ++i)
      for (int64_t f = 0; f < F; ++f) a.dq[x.qRow(g, i) * F + f] = 0.0f;
  for (int64_t c0 = 0; c0 < d.Tk; c0 += LC) {  // forward sweep: dq
    const int nk = static_cast<int>(std::min<int64_t>(LC, d.Tk - c0));
    int64_t i0, i1;
    chunkQueries(d, c0, c0 + nk, &i0, &i1);
    if (i1 > i0) {
      x.snapshot(x.S, x.z);
      x.packChunk(c0, nk);
      for (int64_t g = 0; g < x.G; ++g) {
        upstream(a, x, g, i0, static_cast<int>(i1 - i0));
        dqRows(a, x, g, i0, static_cast<int>(i1 - i0), c0, nk);
      }
    }
    x.accumulate(x.S, x.z, x.kb + c0 * F, x.vb + c0 * Dv, Dv, nk, nullptr);
  }
  for (int64_t c0 = (d.Tk - 1) / LC * LC; c0 >= 0; c0 -= LC) {  // reverse sweep: dk, dv
    const int nk = static_cast<int>(std::min<int64_t>(LC, d.Tk - c0));
    int64_t i0, i1;
    chunkQueries(d, c0, c0 + nk, &i0, &i1);
    keyRows(c0, nk);
    if (i1 <= i0) continue;
    const int nq = static_cast<int>(i1 - i0);
    x.packChunk(c0, nk);
    for (int64_t g = 0; g < x.G; ++g) {
      upstream(a, x, g, i0, nq);
      gemm(nq, nk, static_cast<int>(Dv), x.Gc, Dv, 1, x.Vt, LC, x.W, LC, false);
      for (int ii = 0; ii < nq; ++ii)
        for (int jj = 0; jj < nk; ++jj) x.W[ii * LC + jj] = c0 + jj > i0 + ii + x.shift ? 0.0f : x.W[ii * LC + jj] + x.dd[ii];
      const float* qc = a.q + x.qRow(g, i0) * F;
      gemm(nk, static_cast<int>(F), nq, x.W, 1, LC, qc, F, dkb + c0 * F, F, true);  // dK += W^T Q
      x.scores(g, i0, nq, c0, nk);
      gemm(nk, static_cast<int>(Dv), nq, x.A, 1, LC, x.Gc, Dv, dvb + c0 * Dv, Dv, true);  // dV += A^T G
      x.accumulate(x.R, x.r, qc, x.Gc, Dv, nq, x.dd);
    }
  }
}

static void linearForward(const LinearArgs& a) {
  parallelFor(a.d.B * a.d.Hkv, [&](int64_t t) { linearForwardGroup(a, t / a.d.Hkv, t % a.d.Hkv); });
}
static void linearBackward(const LinearArgs& a) {
  parallelFor(a.d.B * a.d.Hkv, [&](int64_t t) { linearBackwardGroup(a, t / a.d.Hkv, t % a.d.Hkv); });
}
