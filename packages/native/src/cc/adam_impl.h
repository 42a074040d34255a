// One Adam step (Kingma & Ba 2015) for a whole variable in one pass, in the
// order of tfjs's AdamOptimizer.applyGradients: m' = m b1 + g (1 - b1),
// v' = v b2 + g^2 (1 - b2), x' = x - lr (m' / c1) / (sqrt(v' / c2) + eps) with
// c1 = 1 - b1^t, c2 = 1 - b2^t. tfjs runs ~12 kernels per variable for it.
// Included inside an ISA namespace after ops_impl.h (chunked).

static void adamStep(const AdamArgs& a) {
  chunked(a.n, 32768, [&](int64_t lo, int64_t hi) {
    const float b1 = a.beta1, b2 = a.beta2, o1 = 1.0f - a.beta1, o2 = 1.0f - a.beta2;
    for (int64_t i = lo; i < hi; ++i) {
      const float g = a.g[i];
      const float m = a.m[i] * b1 + g * o1;
      const float v = a.v[i] * b2 + (g * g) * o2;
      a.mOut[i] = m;
      a.vOut[i] = v;
      a.xOut[i] = ((m / a.c1) / (std::sqrt(v / a.c2) + a.eps)) * -a.lr + a.x[i];
    }
  });
}
