// One token of GPT decoding in a single native call (issue 10): per token the
// layers' tfjs path runs ~240 small kernels whose per-op overhead (not their
// arithmetic) set the speed; here the whole pre-LN stack is one pass over the
// weights (each read once per token: matrix-vector products stream the Keras
// [in, out] kernels row by row, vectorised over out) plus attention of the new
// query over the KV cache. Also the reductions of tfjs's Sum kernel.
// Included inside an ISA namespace after simd.h and ops_impl.h.

// y[b, n] = bias[n] + sum_k x[b, k] W[k, n] for b < B; columns split over threads
// in chunks of at least ~512K multiply-adds (a small product finishes in a few
// microseconds, less than waking a worker, which on a busy machine may not be
// running at all). Each y element sums over k in order, whatever the split.
static void gemvRows(int64_t B, int64_t K, int64_t N, const float* x, const float* Wt, const float* bias, float* y) {
  const int64_t minCols = ((int64_t(1) << 19) / std::max<int64_t>(1, B * K) + W - 1) / W * W;
  const int64_t grain = std::max<int64_t>({4 * W, minCols, ((N + numThreads() - 1) / numThreads() + W - 1) / W * W});
  chunked(N, grain, [&](int64_t lo, int64_t hi) {
    for (int64_t b = 0; b < B; ++b)
      for (int64_t n = lo; n < hi; ++n) y[b * N + n] = bias ? bias[n] : 0.0f;
    for (int64_t k = 0; k < K; ++k) {
      const float* w = Wt + k * N;
      for (int64_t b = 0; b < B; ++b) {
        const float xv = x[b * K + k];
        const vf xb = vset(xv);
        float* yr = y + b * N;
        int64_t n = lo;
        for (; n + W <= hi; n += W) vstore(yr + n, vload(yr + n) + xb * vload(w + n));
        for (; n < hi; ++n) yr[n] += xv * w[n];
      }
    }
  });
}

static void layerNormRows(int64_t rows, int64_t cols, float eps, const float* x, const float* g, const float* b, float* y) {
  LayerNormArgs a{};
  a.rows = rows, a.cols = cols, a.eps = eps, a.x = x, a.gamma = g, a.beta = b, a.y = y;
  layerNormForward(a);
}

static void decodeStep(const DecodeArgs& a) {
  const int64_t B = a.B, d = a.d, H = a.H, Hkv = a.Hkv, D = a.D, Dv = a.Dv, F = a.ff, cap = a.cap, pos = a.pos;
  const int64_t G = H / Hkv, S = pos + 1;  // keys attended: positions 0..pos
  std::vector<float> x(B * d), h(B * d), q(B * H * D), k(B * Hkv * D), v(B * Hkv * Dv), o(B * H * Dv), f(B * F), p(S);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t j = 0; j < d; ++j) x[b * d + j] = a.tok[int64_t(a.tokens[b]) * d + j] + (a.posEmb ? a.posEmb[pos * d + j] : 0.0f);
  for (int64_t l = 0; l < a.L; ++l) {
    const float* const* w = a.layers + l * kDecodeLayerArrays;
    float *kc = const_cast<float*>(w[16]), *vc = const_cast<float*>(w[17]);
    layerNormRows(B, d, a.eps, x.data(), w[0], w[1], h.data());
    gemvRows(B, d, H * D, h.data(), w[2], w[3], q.data());
    gemvRows(B, d, Hkv * D, h.data(), w[4], w[5], k.data());
    gemvRows(B, d, Hkv * Dv, h.data(), w[6], w[7], v.data());
    // Cache layout [B, Hkv, cap, D]: the new position's keys/values go to slot pos.
    for (int64_t b = 0; b < B; ++b)
      for (int64_t g = 0; g < Hkv; ++g) {
        std::memcpy(kc + ((b * Hkv + g) * cap + pos) * D, k.data() + (b * Hkv + g) * D, sizeof(float) * D);
        std::memcpy(vc + ((b * Hkv + g) * cap + pos) * Dv, v.data() + (b * Hkv + g) * Dv, sizeof(float) * Dv);
      }
    for (int64_t b = 0; b < B; ++b)
      for (int64_t hh = 0; hh < H; ++hh) {
        const int64_t g = hh / G;
        const float* qh = q.data() + (b * H + hh) * D;
        const float* kb = kc + (b * Hkv + g) * cap * D;
        const float* vb = vc + (b * Hkv + g) * cap * Dv;
        float m = -std::numeric_limits<float>::infinity();
        for (int64_t j = 0; j < S; ++j) {
          vf acc = vset(0.0f);
          int64_t t = 0;
          for (; t + W <= D; t += W) acc += vload(qh + t) * vload(kb + j * D + t);
          float s = hsum(acc);
          for (; t < D; ++t) s += qh[t] * kb[j * D + t];
          p[j] = s * a.scale;
          m = std::max(m, p[j]);
        }
        float sum = 0.0f;
        for (int64_t j = 0; j < S; ++j) sum += (p[j] = std::exp(p[j] - m));
        const float inv = 1.0f / sum;
        float* oh = o.data() + (b * H + hh) * Dv;
        for (int64_t t = 0; t < Dv; ++t) oh[t] = 0.0f;
        for (int64_t j = 0; j < S; ++j) {
          const vf pj = vset(p[j] * inv);
          int64_t t = 0;
          for (; t + W <= Dv; t += W) vstore(oh + t, vload(oh + t) + pj * vload(vb + j * Dv + t));
          for (; t < Dv; ++t) oh[t] += p[j] * inv * vb[j * Dv + t];
        }
      }
    gemvRows(B, H * Dv, d, o.data(), w[8], w[9], h.data());
    for (int64_t i = 0; i < B * d; ++i) x[i] += h[i];
    layerNormRows(B, d, a.eps, x.data(), w[10], w[11], h.data());
    gemvRows(B, d, F, h.data(), w[12], w[13], f.data());
    if (a.act == 0) {
      for (auto& e : f) e = e > 0.0f ? e : 0.0f;
    } else {
      gelu(B * F, f.data(), nullptr, f.data(), a.act == 2);
    }
    gemvRows(B, F, d, f.data(), w[14], w[15], h.data());
    for (int64_t i = 0; i < B * d; ++i) x[i] += h[i];
  }
  layerNormRows(B, d, a.finalEps, x.data(), a.lnfG, a.lnfB, h.data());
  gemvRows(B, d, a.V, h.data(), a.head, a.headBias, a.logits);
}

// out[a, p] = sum over r of x[a, r, p] (x viewed as [A, R, P]), each sum in r order.
static void reduceSum(int64_t A, int64_t R, int64_t P, const float* x, float* out) {
  if (P == 1) {
    chunked(A, std::max<int64_t>(1, 65536 / std::max<int64_t>(R, 1)), [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) out[i] = rowSum(x + i * R, R, [](vf t) { return t; });
    });
    return;
  }
  // Columns: chunks of (a, column block) so both big A and big P split over threads.
  const int64_t pb = std::max<int64_t>(W, std::min<int64_t>(P, 1024)), blocks = (P + pb - 1) / pb;
  chunked(A * blocks, 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c = lo; c < hi; ++c) {
      const int64_t ai = c / blocks, p0 = (c % blocks) * pb, p1 = std::min(P, p0 + pb);
      float* o = out + ai * P;
      for (int64_t j = p0; j < p1; ++j) o[j] = 0.0f;
      for (int64_t r = 0; r < R; ++r) {
        const float* xr = x + (ai * R + r) * P;
        int64_t j = p0;
        for (; j + W <= p1; j += W) vstore(o + j, vload(o + j) + vload(xr + j));
        for (; j < p1; ++j) o[j] += xr[j];
      }
    }
  });
}
