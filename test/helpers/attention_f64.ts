/**
 * An independent attention implementation in plain TypeScript, float64, one
 * loop per definition, for checking `attentionReference` itself. It shares no
 * code with the library (not even the mask helpers): each rule is written out
 * again from docs/notation.md.
 */
export interface F64Case {
  B: number;
  H: number;
  Hkv: number;
  Tq: number;
  Tk: number;
  D: number;
  Dv: number;
  q: Float64Array; // [B,H,Tq,D]
  k: Float64Array; // [B,Hkv,Tk,D]
  v: Float64Array; // [B,Hkv,Tk,Dv]
  scale?: number;
  causal?: boolean;
  keyMask?: ArrayLike<number>; // [B,Tk]
  bias?: Float64Array; // full [B,H,Tq,Tk]
  alibiSlopes?: ArrayLike<number>; // [H]
  window?: [number, number];
  softcap?: number;
  segQ?: ArrayLike<number>; // [B,Tq]
  segK?: ArrayLike<number>; // [B,Tk]
}

/** Returns output [B,H,Tq,Dv] and lse [B,H,Tq] in float64. */
export function attentionF64(c: F64Case): { out: Float64Array; lse: Float64Array } {
  const { B, H, Hkv, Tq, Tk, D, Dv } = c;
  const G = H / Hkv;
  const scale = c.scale ?? 1 / Math.sqrt(D);
  const out = new Float64Array(B * H * Tq * Dv);
  const lse = new Float64Array(B * H * Tq);
  const s = new Float64Array(Tk);
  const ok = new Uint8Array(Tk);
  for (let b = 0; b < B; b++)
    for (let h = 0; h < H; h++) {
      const kh = Math.floor(h / G);
      for (let i = 0; i < Tq; i++) {
        const pos = i + Tk - Tq; // bottom-right alignment
        let max = -Infinity;
        for (let j = 0; j < Tk; j++) {
          let allowed = true;
          if (c.causal && j > pos) allowed = false;
          if (c.window) {
            const [l, r] = c.window;
            if (l >= 0 && j < pos - l) allowed = false;
            if (r >= 0 && j > pos + r) allowed = false;
          }
          if (c.keyMask && !c.keyMask[b * Tk + j]) allowed = false;
          if (c.segQ && c.segK && c.segQ[b * Tq + i] !== c.segK[b * Tk + j]) allowed = false;
          ok[j] = allowed ? 1 : 0;
          let dot = 0;
          for (let d = 0; d < D; d++) dot += c.q[((b * H + h) * Tq + i) * D + d] * c.k[((b * Hkv + kh) * Tk + j) * D + d];
          let x = dot * scale;
          if (c.softcap !== undefined) x = c.softcap * Math.tanh(x / c.softcap);
          if (c.alibiSlopes) x -= c.alibiSlopes[h] * Math.abs(j - pos);
          if (c.bias) x += c.bias[((b * H + h) * Tq + i) * Tk + j];
          s[j] = x;
          if (allowed && x > max) max = x;
        }
        const row = (b * H + h) * Tq + i;
        if (max === -Infinity) {
          lse[row] = -Infinity;
          continue; // output row stays 0
        }
        let sum = 0;
        for (let j = 0; j < Tk; j++) if (ok[j]) sum += Math.exp(s[j] - max);
        lse[row] = max + Math.log(sum);
        for (let j = 0; j < Tk; j++) {
          if (!ok[j]) continue;
          const p = Math.exp(s[j] - max) / sum;
          for (let e = 0; e < Dv; e++) out[row * Dv + e] += p * c.v[((b * Hkv + kh) * Tk + j) * Dv + e];
        }
      }
    }
  return { out, lse };
}
