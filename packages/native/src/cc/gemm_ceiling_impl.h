// The float32 GEMM ceiling: C = A B (n x n x n) with the same micro-kernel the
// attention kernels use, B packed into L2-sized column panels, rows of C split
// over the thread pool. Reported next to every benchmark figure as the ratio
// denominator (what this machine's cores can do with this code).


static double gemmCeiling(int n, int reps) {
  if (n < 16) n = 16;
  if (reps < 1) reps = 1;
  const int P = NV * W;  // panel width
  const int np = (n + P - 1) / P;
  std::vector<float> A(static_cast<size_t>(n) * n), Bp(static_cast<size_t>(np) * n * P, 0.0f), C(static_cast<size_t>(n) * n);
  for (size_t i = 0; i < A.size(); ++i) A[i] = static_cast<float>((i * 7919) % 1000) * 1e-3f - 0.5f;
  for (int p = 0; p < np; ++p)
    for (int k = 0; k < n; ++k)
      for (int x = 0; x < P; ++x) {
        const int col = p * P + x;
        Bp[(static_cast<size_t>(p) * n + k) * P + x] = col < n ? static_cast<float>(((k * 31 + col) % 997) * 1e-3f) : 0.0f;
      }
  const int KC = 256, rowsPerTask = 4 * MR;
  const int64_t tasks = (n + rowsPerTask - 1) / rowsPerTask;
  double best = 0.0;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    parallelFor(tasks, [&](int64_t t) {
      const int m0 = static_cast<int>(t) * rowsPerTask;
      const int m = std::min(rowsPerTask, n - m0);
      for (int p = 0; p < np; ++p) {
        const int cols = std::min(P, n - p * P);
        for (int k0 = 0; k0 < n; k0 += KC) {
          const int kc = std::min(KC, n - k0);
          gemm(m, cols, kc, A.data() + static_cast<size_t>(m0) * n + k0, n, 1, Bp.data() + (static_cast<size_t>(p) * n + k0) * P, P,
               C.data() + static_cast<size_t>(m0) * n + p * P, n, k0 > 0);
        }
      }
    });
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double gf = 2.0 * n * static_cast<double>(n) * n / s * 1e-9;
    if (gf > best) best = gf;
  }
  return best;
}
