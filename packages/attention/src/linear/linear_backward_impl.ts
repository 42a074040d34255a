/**
 * Exact backward of linearForwardImpl. With g_i = dy_i / den_i and
 * dd_i = -(dy_i . out_i) / den_i (the gradient reaching the denominator):
 *
 *   dq_i = S_i g_i + z_i dd_i                       (S_i, z_i: the keys query i sees)
 *   dk_j = R_j v_j + r_j,  dv_j = R_j^T k_j          (R_j = sum_i q_i g_i^T, r_j = sum_i q_i dd_i
 *                                                    over the queries that see key j)
 *
 * Non-causal: one S, z and one R, r per key/value head. Causal: chunked like the
 * forward, dq in a forward sweep with the running (S, z), dk and dv in a reverse
 * sweep with the reverse-running (R, r); inside a chunk the quadratic form.
 * GQA: R, r sum over the G query heads that share a key/value head.
 */
import { addKeys, chunkQueries, dotRows, LinearBackwardArgs, LinearDims } from './linear_dims';

/** Fills g (length Dv) with dy_i / den_i and returns dd_i = -(dy_i . out_i) / den_i. */
function upstream(dy: Float32Array, out: Float32Array, den: Float32Array, row: number, Dv: number, g: Float64Array, go: number): number {
  const inv = 1 / den[row];
  let s = 0;
  for (let e = 0; e < Dv; e++) {
    const d = dy[row * Dv + e];
    g[go + e] = d * inv;
    s += d * out[row * Dv + e];
  }
  return -s * inv;
}

/** R += x g^T, r += x dd for row `xo` of `a`. */
function addQuery(a: Float32Array, xo: number, g: Float64Array, go: number, dd: number, F: number, Dv: number, R: Float64Array, r: Float64Array): void {
  for (let f = 0; f < F; f++) {
    const xf = a[xo + f];
    if (xf === 0) continue;
    r[f] += xf * dd;
    const ro = f * Dv;
    for (let e = 0; e < Dv; e++) R[ro + e] += xf * g[go + e];
  }
}

/** dk_j = R v_j + r and dv_j = R^T k_j, into scratch dkj (F) and dvj (Dv). */
function readReverse(k: Float32Array, v: Float32Array, row: number, F: number, Dv: number, R: Float64Array, r: Float64Array, dkj: Float64Array, dvj: Float64Array): void {
  dvj.fill(0);
  for (let f = 0; f < F; f++) {
    const ro = f * Dv;
    const kf = k[row * F + f];
    let s = r[f];
    for (let e = 0; e < Dv; e++) {
      s += R[ro + e] * v[row * Dv + e];
      dvj[e] += R[ro + e] * kf;
    }
    dkj[f] = s;
  }
}

function store(dst: Float32Array, row: number, n: number, src: Float64Array): void {
  for (let t = 0; t < n; t++) dst[row * n + t] = src[t];
}

/** Scratch buffers shared by the sweeps of one call. */
interface Scratch {
  S: Float64Array; z: Float64Array; R: Float64Array; r: Float64Array;
  acc: Float64Array; dvj: Float64Array; gBuf: Float64Array; ddBuf: Float64Array;
}

interface Io {
  dy: Float32Array; q: Float32Array; k: Float32Array; v: Float32Array; out: Float32Array; den: Float32Array;
  dq: Float32Array; dk: Float32Array; dv: Float32Array;
}

/** acc = S g + z dd (the state part of dq_i), g at gBuf[go..]. */
function readForward(x: Scratch, F: number, Dv: number, go: number, dd: number): void {
  for (let f = 0; f < F; f++) {
    let s = x.z[f] * dd;
    for (let e = 0; e < Dv; e++) s += x.S[f * Dv + e] * x.gBuf[go + e];
    x.acc[f] = s;
  }
}

/** Non-causal: every query sees every key of its key/value head. */
function nonCausal(io: Io, x: Scratch, d: LinearDims, b: number, kh: number): void {
  const { H, Hkv, Tq, Tk, F, Dv } = d;
  const G = H / Hkv;
  const kBase = (b * Hkv + kh) * Tk;
  addKeys(io.k, io.v, kBase, 0, Tk, F, Dv, x.S, x.z);
  for (let g = 0; g < G; g++) {
    for (let i = 0; i < Tq; i++) {
      const row = (b * H + kh * G + g) * Tq + i;
      const dd = upstream(io.dy, io.out, io.den, row, Dv, x.gBuf, 0);
      readForward(x, F, Dv, 0, dd);
      store(io.dq, row, F, x.acc);
      addQuery(io.q, row * F, x.gBuf, 0, dd, F, Dv, x.R, x.r);
    }
  }
  for (let j = 0; j < Tk; j++) {
    readReverse(io.k, io.v, kBase + j, F, Dv, x.R, x.r, x.acc, x.dvj);
    store(io.dk, kBase + j, F, x.acc);
    store(io.dv, kBase + j, Dv, x.dvj);
  }
}

/** Causal, chunked: dq in a forward sweep over key chunks, dk and dv in a reverse sweep. */
function causalChunked(io: Io, x: Scratch, d: LinearDims, C: number, b: number, kh: number): void {
  const { H, Hkv, Tq, Tk, F, Dv } = d;
  const G = H / Hkv;
  const shift = Tk - Tq;
  const kBase = (b * Hkv + kh) * Tk;
  const qBase = (g: number): number => (b * H + kh * G + g) * Tq;
  const { q, k, v, dq } = io;
  // Queries aligned before key 0 see no key: zero gradient.
  for (let g = 0; g < G; g++) dq.fill(0, qBase(g) * F, (qBase(g) + Math.max(0, Math.min(Tq, -shift))) * F);

  // Forward sweep: dq_i = S g_i + z dd_i + sum over this chunk's keys j <= p of k_j (v_j . g_i + dd_i).
  for (let c0 = 0; c0 < Tk; c0 += C) {
    const c1 = Math.min(c0 + C, Tk);
    const [i0, i1] = chunkQueries(c0, c1, Tq, Tk);
    for (let g = 0; g < G; g++) {
      for (let i = i0; i < i1; i++) {
        const row = qBase(g) + i;
        const dd = upstream(io.dy, io.out, io.den, row, Dv, x.gBuf, 0);
        readForward(x, F, Dv, 0, dd);
        for (let j = c0; j <= i + shift; j++) {
          let w = dd;
          for (let e = 0; e < Dv; e++) w += v[(kBase + j) * Dv + e] * x.gBuf[e];
          for (let f = 0; f < F; f++) x.acc[f] += w * k[(kBase + j) * F + f];
        }
        store(dq, row, F, x.acc);
      }
    }
    addKeys(k, v, kBase, c0, c1, F, Dv, x.S, x.z);
  }

  // Reverse sweep: key j of chunk [c0, c1) gets R, r of the queries of later chunks
  // plus, directly, this chunk's queries with aligned position >= j.
  const last = Math.floor((Tk - 1) / C) * C;
  for (let c0 = last; c0 >= 0; c0 -= C) {
    const c1 = Math.min(c0 + C, Tk);
    const [i0, i1] = chunkQueries(c0, c1, Tq, Tk);
    const nq = Math.max(0, i1 - i0);
    for (let g = 0; g < G; g++) {
      for (let t = 0; t < nq; t++) x.ddBuf[g * nq + t] = upstream(io.dy, io.out, io.den, qBase(g) + i0 + t, Dv, x.gBuf, (g * nq + t) * Dv);
    }
    for (let j = c0; j < c1; j++) {
      const row = kBase + j;
      readReverse(k, v, row, F, Dv, x.R, x.r, x.acc, x.dvj);
      for (let g = 0; g < G; g++) {
        for (let i = Math.max(i0, j - shift); i < i1; i++) {
          const t = g * nq + i - i0;
          const qo = (qBase(g) + i) * F;
          let w = x.ddBuf[t];
          for (let e = 0; e < Dv; e++) w += v[row * Dv + e] * x.gBuf[t * Dv + e];
          for (let f = 0; f < F; f++) x.acc[f] += w * q[qo + f];
          const a = dotRows(q, qo, k, row * F, F);
          for (let e = 0; e < Dv; e++) x.dvj[e] += a * x.gBuf[t * Dv + e];
        }
      }
      store(io.dk, row, F, x.acc);
      store(io.dv, row, Dv, x.dvj);
    }
    for (let g = 0; g < G; g++) {
      for (let t = 0; t < nq; t++) addQuery(q, (qBase(g) + i0 + t) * F, x.gBuf, (g * nq + t) * Dv, x.ddBuf[g * nq + t], F, Dv, x.R, x.r);
    }
  }
}

/** Writes args.dq, args.dk, args.dv (layout in linear_dims.ts). */
export function linearBackwardImpl(args: LinearBackwardArgs): void {
  const { dims, q, k, v, out, den, dq, dk, dv } = args;
  const dy = args.dOut;
  const attrs = args;
  const { B, H, Hkv, Tq, F, Dv } = dims;
  const G = H / Hkv;
  // Causal: one buffered query per aligned position of a chunk, per head of the group.
  const nBuf = attrs.causal ? G * Math.min(attrs.chunkSize, Tq) : 1;
  const x: Scratch = {
    S: new Float64Array(F * Dv), z: new Float64Array(F), R: new Float64Array(F * Dv), r: new Float64Array(F),
    acc: new Float64Array(F), dvj: new Float64Array(Dv), gBuf: new Float64Array(nBuf * Dv), ddBuf: new Float64Array(nBuf),
  };
  const io: Io = { dy, q, k, v, out, den, dq, dk, dv };
  for (let b = 0; b < B; b++) {
    for (let kh = 0; kh < Hkv; kh++) {
      for (const a of [x.S, x.z, x.R, x.r]) a.fill(0);
      if (attrs.causal) causalChunked(io, x, dims, attrs.chunkSize, b, kh);
      else nonCausal(io, x, dims, b, kh);
    }
  }
}
