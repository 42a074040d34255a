// Linear attention's built-in feature maps phi and their gradients, elementwise:
// elu+1 (Katharopoulos et al. 2020, eq. 7: x > 0 ? x + 1 : e^x, the same value as
// elu(x) + 1 without the e^x - 1 + 1 round trip) and relu. One pass over W lanes
// at a time, split over the pool in fixed 64K-element chunks: each element is
// computed on its own, so results do not depend on the thread count. Included
// inside an ISA namespace after simd.h.

static inline vf featureValue(int kind, vf x) {
  if (kind == 0) return x > vset(0.0f) ? x + vset(1.0f) : vexp(x);
  return x < vset(0.0f) ? vset(0.0f) : x;  // relu; NaN stays NaN
}

// dy * phi'(x): elu+1' = x > 0 ? 1 : e^x; relu' = x > 0 ? 1 : 0.
static inline vf featureGrad(int kind, vf x, vf dy) {
  if (kind == 0) return x > vset(0.0f) ? dy : dy * vexp(x);
  return x > vset(0.0f) ? dy : vset(0.0f);
}

static void featureMap(const FeatureMapArgs& a) {
  constexpr int64_t grain = int64_t(1) << 16;
  const int64_t chunks = (a.n + grain - 1) / grain;
  auto run = [&](int64_t c) {
    const int64_t lo = c * grain, hi = std::min(a.n, lo + grain);
    for (int64_t i = lo; i < hi; i += W) {
      const int lanes = static_cast<int>(std::min<int64_t>(W, hi - i));
      const vf x = lanes == W ? vload(a.x + i) : vloadN(a.x + i, lanes);
      vf y;
      if (a.dy)
        y = featureGrad(a.kind, x, lanes == W ? vload(a.dy + i) : vloadN(a.dy + i, lanes));
      else
        y = featureValue(a.kind, x);
      if (lanes == W)
        vstore(a.out + i, y);
      else
        vstoreN(a.out + i, y, lanes);
    }
  };
  if (chunks <= 1)
    run(0);
  else
    parallelFor(chunks, run);
}
