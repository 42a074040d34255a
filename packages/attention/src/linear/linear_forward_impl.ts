/**
 * Linear attention forward on mapped features, written once on typed arrays
 * (Katharopoulos et al. 2020, eqs. 4-6 and 9-12):
 *
 *   out_i = q_i^T S / (q_i^T z + eps),  S = sum_j k_j v_j^T,  z = sum_j k_j
 *
 * over every key, or in causal mode over j <= i + Tk - Tq (bottom-right). Causal
 * mode is chunked: keys are taken `chunkSize` at a time; a query whose aligned
 * position falls in chunk [c0, c1) reads the running state of keys < c0 and
 * adds its own chunk's keys j <= p directly (the quadratic form). Memory is the
 * F x Dv state, never Tq x Tk. The state is accumulated in float64, so 64k-token
 * prefix sums keep float32 accuracy.
 */
import { addKeys, chunkQueries, dotRows, LinearForwardArgs, readState } from './linear_dims';

/**
 * Writes args.out [B, H, Tq, Dv] and args.den [B, H, Tq] (layout in linear_dims.ts).
 * Query head h reads key/value head floor(h / (H / Hkv)) (GQA/MQA).
 */
export function linearForwardImpl(args: LinearForwardArgs): void {
  const { q, k, v, out, den, causal, eps } = args;
  const { B, H, Hkv, Tq, Tk, F, Dv } = args.dims;
  const G = H / Hkv;
  const C = causal ? args.chunkSize : Tk;
  const S = new Float64Array(F * Dv);
  const z = new Float64Array(F);
  const num = new Float64Array(Dv);
  const shift = Tk - Tq;

  const write = (row: number, d: number): void => {
    const dn = d + eps;
    den[row] = dn;
    const oo = row * Dv;
    for (let e = 0; e < Dv; e++) out[oo + e] = num[e] / dn;
  };

  for (let b = 0; b < B; b++) {
    for (let kh = 0; kh < Hkv; kh++) {
      S.fill(0);
      z.fill(0);
      const kBase = (b * Hkv + kh) * Tk;
      if (!causal) {
        addKeys(k, v, kBase, 0, Tk, F, Dv, S, z);
        for (let g = 0; g < G; g++) {
          const qBase = (b * H + kh * G + g) * Tq;
          for (let i = 0; i < Tq; i++) write(qBase + i, readState(q, (qBase + i) * F, F, Dv, S, z, num));
        }
        continue;
      }
      // Queries aligned before key 0 see nothing: output 0 (never NaN), den = eps.
      num.fill(0);
      for (let g = 0; g < G; g++) {
        const qBase = (b * H + kh * G + g) * Tq;
        for (let i = 0; i < Math.min(Tq, -shift); i++) write(qBase + i, 0);
      }
      for (let c0 = 0; c0 < Tk; c0 += C) {
        const c1 = Math.min(c0 + C, Tk);
        const [i0, i1] = chunkQueries(c0, c1, Tq, Tk);
        for (let g = 0; g < G; g++) {
          const qBase = (b * H + kh * G + g) * Tq;
          for (let i = i0; i < i1; i++) {
            const qo = (qBase + i) * F;
            let d = readState(q, qo, F, Dv, S, z, num); // keys < c0
            for (let j = c0; j <= i + shift; j++) {
              // Keys of this chunk up to the query's aligned position.
              const a = dotRows(q, qo, k, (kBase + j) * F, F);
              d += a;
              const vo = (kBase + j) * Dv;
              for (let e = 0; e < Dv; e++) num[e] += a * v[vo + e];
            }
            write(qBase + i, d);
          }
        }
        addKeys(k, v, kBase, c0, c1, F, Dv, S, z);
      }
    }
  }
}
