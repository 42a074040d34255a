// Block-sparse attention forward and backward over a block layout (CSR of
// visited key blocks per (b, h, query block)), on the flash tile routines of
// flash_impl.h (included after it inside an ISA namespace). Full blocks run
// unmasked; partial blocks read an explicit per-block element bitmap (the
// layout's predicate, evaluated once per layout on the JavaScript side).
// Only scale, softcap and ALiBi apply besides the layout (as in the
// TypeScript engine).

static int64_t layoutRow(const BlockLayout& L, int64_t b, int64_t h, int64_t qb) {
  return ((L.B == 1 ? 0 : b) * L.H + (L.H == 1 ? 0 : h)) * L.nQ + qb;
}

// Calls fn(j0, nj, mask-or-null) for every key chunk of layout row r, in key
// order: chunks of <= maxKeys contiguous keys made of at most two pieces, a
// piece being a run of fully visible blocks (a window's middle blocks) or
// one partial block with its bitmap. Longer chunks mean fewer micro-kernel
// calls and O / dQ loads and stores per FLOP in the forward's PV GEMM and
// the backward's dQ GEMM; a window of 256 over 64-key blocks runs as
// 128 + 128 + 64 keys instead of 64 + 128 + 64 + 64.
template <typename Fn>
static void forEachChunk(const BlockLayout& L, const AttnCommon& c, int64_t r, int64_t qb, int64_t maxKeys, Fn fn) {
  ChunkMask m{};
  int64_t j0 = 0, nj = 0;
  int parts = 0;
  bool masked = false, lastFull = false;
  auto flush = [&] {
    if (nj > 0) fn(j0, static_cast<int>(nj), masked ? &m : nullptr);
    nj = 0, parts = 0, masked = false;
  };
  for (int32_t e = L.rowPtr[r]; e < L.rowPtr[r + 1]; ++e) {
    const int64_t js = static_cast<int64_t>(L.colIdx[e]) * L.bs, je = std::min<int64_t>(c.Tk, js + L.bs);
    const bool full = L.bitsOff[e] < 0;
    const Bitmap bm{full ? nullptr : L.bits + L.bitsOff[e], L.bs, qb * L.bs, js};
    for (int64_t p0 = js; p0 < je; p0 += maxKeys) {
      const int64_t pn = std::min<int64_t>(maxKeys, je - p0);
      const bool extend = nj > 0 && full && lastFull;  // grows the last full piece
      if (nj > 0 && (p0 != j0 + nj || nj + pn > maxKeys || (!extend && parts == 2))) flush();
      if (nj == 0) j0 = p0, m.split = std::numeric_limits<int64_t>::max();
      if (!(extend && nj > 0)) {  // a new piece (after a flush nothing is extended)
        m.part[parts] = bm;
        if (parts == 1) m.split = p0;
        ++parts;
      }
      masked |= !full;
      lastFull = full;
      nj += pn;
    }
  }
  flush();
}

// Tasks over (b, h, run of SPARSE_TG consecutive query tiles of BR rows, a
// query block being ceil(bs / BR) tiles); each owns its output rows. A run
// keeps neighbouring tiles, which share key blocks in most layouts, on one
// core, and lets it hint what the next tile needs from DRAM while the current
// tile computes (inside its products: see Prefetch): its Q rows and the K/V
// rows of key blocks the current tile does not use (a tile sees only a few key
// blocks, so waiting for those misses was ~12% of the time at n = 64k against
// n = 2k, where everything fits in cache).
constexpr int SPARSE_TG = 8;

static void blockSparseForward(const BlockSparseFwdArgs& a) {
  const AttnCommon& c = a.f.c;
  const BlockLayout& L = a.layout;
  const int64_t nsub = (L.bs + BR - 1) / BR, nt = L.nQ * nsub, ng = (nt + SPARSE_TG - 1) / SPARSE_TG;
  // Rows [i0, iEnd) of query tile ti (empty past Tq).
  auto rows = [&](int64_t ti, int64_t& i0, int64_t& iEnd) {
    const int64_t qb = ti / nsub;
    i0 = qb * L.bs + (ti % nsub) * BR;
    iEnd = std::min<int64_t>(std::min<int64_t>(c.Tq, (qb + 1) * L.bs), i0 + BR);
  };
  parallelFor(c.B * c.H * ng, [&](int64_t t) {
    const int64_t g = t % ng, bh = t / ng;
    const int64_t b = bh / c.H, h = bh % c.H;
    const float* qbh = a.f.q + bh * c.Tq * c.D;
    const int64_t kvh = h / (c.H / c.Hkv);
    const float* kbh = a.f.k + (b * c.Hkv + kvh) * c.Tk * c.D;
    const float* vbh = a.f.v + (b * c.Hkv + kvh) * c.Tk * c.Dv;
    thread_local std::vector<float> qtBuf, oBuf;
    float* qt = scratch(qtBuf, c.D * BR);
    float* ob = scratch(oBuf, BR * c.Dv);
    const int64_t tEnd = std::min(nt, (g + 1) * SPARSE_TG);
    for (int64_t ti = g * SPARSE_TG; ti < tEnd; ++ti) {
      int64_t i0, iEnd;
      rows(ti, i0, iEnd);
      if (i0 >= iEnd) continue;
      ForwardTile tile(a.f, b, h, i0, static_cast<int>(iEnd - i0), qt, ob);
      const int64_t qb = i0 / L.bs, r = layoutRow(L, b, h, qb);
      Prefetch pf;
      if (ti + 1 < tEnd) {
        int64_t n0, n1;
        rows(ti + 1, n0, n1);
        if (n0 < n1) {
          pf.add(qbh + n0 * c.D, (n1 - n0) * c.D);
          const int64_t nqb = n0 / L.bs, rn = layoutRow(L, b, h, nqb);
          if (nqb != qb)
            for (int32_t e = L.rowPtr[rn]; e < L.rowPtr[rn + 1]; ++e) {
              const int32_t kb = L.colIdx[e];
              bool seen = false;  // already in cache from this tile?
              for (int32_t f = L.rowPtr[r]; f < L.rowPtr[r + 1] && !seen; ++f) seen = L.colIdx[f] == kb;
              if (seen) continue;
              const int64_t js = kb * L.bs, nk = std::min<int64_t>(c.Tk, js + L.bs) - js;
              pf.add(kbh + js * c.D, nk * c.D);
              pf.add(vbh + js * c.Dv, nk * c.Dv);
            }
        }
      }
      forEachChunk(L, c, r, qb, BCF, [&](int64_t j0, int nj, const ChunkMask* m) { tile.chunk(j0, nj, true, m, &pf); });
      tile.finish();
    }
  });
}

// One task per (b, kv head): its dK/dV rows and its query heads' dQ rows are
// its own, accumulated in a fixed order (deterministic, no races).
static void blockSparseBackward(const BlockSparseBwdArgs& a) {
  const AttnCommon& c = a.f.c;
  const BlockLayout& L = a.layout;
  const int64_t G = c.H / c.Hkv;
  parallelFor(c.B * c.Hkv, [&](int64_t t) {
    const int64_t b = t / c.Hkv, kvh = t % c.Hkv;
    thread_local std::vector<float> qtBuf, dotBuf, rowBuf;
    float* qt = scratch(qtBuf, c.D * BR);
    float* dot = scratch(dotBuf, c.Dv * BR);
    float* rows = scratch(rowBuf, 2 * BR);
    alignas(64) int32_t segBuf[BR];
    float* dkb = a.f.dk + (b * c.Hkv + kvh) * c.Tk * c.D;
    float* dvb = a.f.dv + (b * c.Hkv + kvh) * c.Tk * c.Dv;
    for (int64_t x = 0; x < c.Tk * c.D; ++x) dkb[x] = 0.0f;
    for (int64_t x = 0; x < c.Tk * c.Dv; ++x) dvb[x] = 0.0f;
    for (int64_t g = 0; g < G; ++g) {
      const int64_t h = kvh * G + g;
      for (int64_t qb = 0; qb < L.nQ; ++qb)
        for (int64_t i0 = qb * L.bs; i0 < std::min<int64_t>(c.Tq, (qb + 1) * L.bs); i0 += BR) {
          const int mi = static_cast<int>(std::min<int64_t>(BR, std::min<int64_t>(c.Tq, (qb + 1) * L.bs) - i0));
          float* dqRows = a.f.dq + ((b * c.H + h) * c.Tq + i0) * c.D;
          BackwardTile::pack(a.f, b, h, i0, mi, qt, dot, rows, dqRows);
          BackwardTile tile(a.f, b, h, i0, mi, qt, dot, rows, dqRows, segBuf);
          forEachChunk(L, c, layoutRow(L, b, h, qb), qb, BCF, [&](int64_t j0, int nj, const ChunkMask* m) { tile.chunk(j0, nj, true, m); });
        }
    }
  });
}
