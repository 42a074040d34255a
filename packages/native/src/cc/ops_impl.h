// Row-wise and elementwise transformer ops (layer norm, GELU, softmax) and
// UnsortedSegmentSum over float32 buffers, vectorised with simd.h and split
// over the thread pool in fixed chunks, so results do not depend on the
// number of threads. Included inside an ISA namespace after simd.h.

// fn(lo, hi) over [0, n) in chunks of `grain`; serial when there is one chunk.
template <typename F>
static void chunked(int64_t n, int64_t grain, const F& fn) {
  const int64_t chunks = (n + grain - 1) / grain;
  if (chunks <= 1 || numThreads() == 1) {
    fn(int64_t(0), n);
    return;
  }
  parallelFor(chunks, [&](int64_t c) { fn(c * grain, std::min(n, (c + 1) * grain)); });
}

static void layerNormForward(const LayerNormArgs& a) {
  const int64_t C = a.cols;
  chunked(a.rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(C, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* x = a.x + r * C;
      float* y = a.y + r * C;
      const float mean = rowSum(x, C, [](vf v) { return v; }) / static_cast<float>(C);
      const vf mv = vset(mean);
      const float var = rowSum(x, C, [&](vf v) { return (v - mv) * (v - mv); }) / static_cast<float>(C);
      const float rstd = 1.0f / std::sqrt(var + a.eps);
      if (a.mean) a.mean[r] = mean;
      if (a.rstd) a.rstd[r] = rstd;
      const vf rv = vset(rstd);
      int64_t j = 0;
      for (; j + W <= C; j += W) vstore(y + j, (vload(x + j) - mv) * rv * vload(a.gamma + j) + vload(a.beta + j));
      for (; j < C; ++j) y[j] = (x[j] - mean) * rstd * a.gamma[j] + a.beta[j];
    }
  });
}

// dx = rstd (g - mean(g) - xhat mean(g xhat)), g = dy gamma; dgamma = sum dy xhat, dbeta = sum dy.
static void layerNormBackward(const LayerNormArgs& a) {
  const int64_t C = a.cols, R = a.rows;
  const int64_t chunks = std::min<int64_t>(R, 64), per = (R + chunks - 1) / chunks;
  std::vector<float> part(static_cast<size_t>(chunks) * 2 * C, 0.0f);
  chunked(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t c = c0; c < c1; ++c) {
      float* pg = part.data() + c * 2 * C;
      float* pb = pg + C;
      for (int64_t r = c * per; r < std::min(R, (c + 1) * per); ++r) {
        const float *x = a.x + r * C, *dy = a.dy + r * C;
        float* dx = a.dx + r * C;
        const float mean = a.mean[r], rstd = a.rstd[r];
        float sg = 0.0f, sgx = 0.0f;
        for (int64_t j = 0; j < C; ++j) {
          const float xh = (x[j] - mean) * rstd, g = dy[j] * a.gamma[j];
          sg += g;
          sgx += g * xh;
          pg[j] += dy[j] * xh;
          pb[j] += dy[j];
        }
        const float mg = sg / static_cast<float>(C), mgx = sgx / static_cast<float>(C);
        for (int64_t j = 0; j < C; ++j) dx[j] = rstd * (dy[j] * a.gamma[j] - mg - (x[j] - mean) * rstd * mgx);
      }
    }
  });
  for (int64_t j = 0; j < C; ++j) a.dgamma[j] = a.dbeta[j] = 0.0f;
  for (int64_t c = 0; c < chunks; ++c)
    for (int64_t j = 0; j < C; ++j) {
      a.dgamma[j] += part[c * 2 * C + j];
      a.dbeta[j] += part[c * 2 * C + C + j];
    }
}

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7), the formula tfjs's cpu Erf uses.
static inline vf verf(vf x) {
  const vf ax = vabs(x);
  const vf t = vset(1.0f) / (vset(1.0f) + vset(0.3275911f) * ax);
  vf p = vset(1.061405429f);
  p = p * t + vset(-1.453152027f);
  p = p * t + vset(1.421413741f);
  p = p * t + vset(-0.284496736f);
  p = p * t + vset(0.254829592f);
  const vf y = vset(1.0f) - p * t * vexp(-(ax * ax));
  return x < vset(0.0f) ? -y : y;
}

static inline vf geluVec(vf x, const float* dyp, bool approx, bool grad) {
  const vf half = vset(0.5f), one = vset(1.0f);
  if (approx) {
    const vf k = vset(0.7978845608028654f), c = vset(0.044715f);
    const vf th = vtanh(k * (x + c * x * x * x));
    if (!grad) return half * x * (one + th);
    const vf d = half * (one + th) + half * x * (one - th * th) * k * (one + vset(3.0f) * c * x * x);
    return vload(dyp) * d;
  }
  const vf e = verf(x * vset(0.7071067811865476f));
  if (!grad) return half * x * (one + e);
  const vf d = half * (one + e) + x * vset(0.3989422804014327f) * vexp(vset(-0.5f) * x * x);
  return vload(dyp) * d;
}

static void gelu(int64_t n, const float* x, const float* dy, float* out, bool approx) {
  chunked(n, 32768, [&](int64_t lo, int64_t hi) {
    int64_t i = lo;
    for (; i + W <= hi; i += W) vstore(out + i, geluVec(vload(x + i), dy ? dy + i : nullptr, approx, dy != nullptr));
    if (i < hi) {
      float xb[W] = {}, db[W] = {};
      for (int64_t j = i; j < hi; ++j) xb[j - i] = x[j], db[j - i] = dy ? dy[j] : 0.0f;
      const vf r = geluVec(vload(xb), db, approx, dy != nullptr);
      for (int64_t j = i; j < hi; ++j) out[j] = r[j - i];
    }
  });
}

static void softmax(int64_t rows, int64_t cols, const float* x, float* y) {
  chunked(rows, std::max<int64_t>(1, 16384 / std::max<int64_t>(cols, 1)), [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * cols;
      float* yr = y + r * cols;
      float m = -std::numeric_limits<float>::infinity();
      for (int64_t j = 0; j < cols; ++j) m = xr[j] > m ? xr[j] : m;
      const vf mv = vset(m);
      float s = 0.0f;
      int64_t j = 0;
      vf acc = vset(0.0f);
      for (; j + W <= cols; j += W) {
        const vf e = vexp(vload(xr + j) - mv);
        vstore(yr + j, e);
        acc += e;
      }
      s = hsum(acc);
      for (; j < cols; ++j) s += (yr[j] = vexp(vset(xr[j] - m))[0]);
      const float inv = 1.0f / s;
      for (j = 0; j < cols; ++j) yr[j] *= inv;
    }
  });
}

static void segmentSum(int64_t n, int64_t inner, const float* x, const int32_t* ids, int64_t numSegments, float* out) {
  chunked(inner, 256, [&](int64_t lo, int64_t hi) {
    for (int64_t s = 0; s < numSegments; ++s)
      for (int64_t j = lo; j < hi; ++j) out[s * inner + j] = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t s = ids[i];
      if (s < 0 || s >= numSegments) continue;
      const float* xr = x + i * inner;
      float* o = out + s * inner;
      for (int64_t j = lo; j < hi; ++j) o[j] += xr[j];
    }
  });
}
