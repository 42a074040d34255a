/**
 * The outputs every attention kernel on the host path allocates, written once:
 * a forward gives [B, H, Tq, Dv] (output) and [B, H, Tq] (its per-row
 * statistic: lse, or linear attention's denominator); a backward gives one
 * gradient shaped like each of q, k and v. All float32.
 */
import type { HostOutputSpec } from './host_path';

/** [B, H, Tq, Dv] output and [B, H, Tq] row statistic. */
export function forwardOutputSpecs(B: number, H: number, Tq: number, Dv: number): HostOutputSpec[] {
  return [
    { shape: [B, H, Tq, Dv], dtype: 'float32' },
    { shape: [B, H, Tq], dtype: 'float32' },
  ];
}

/** dq, dk, dv: float32, shaped like q, k, v. */
export function gradOutputSpecs(qShape: number[], kShape: number[], vShape: number[]): HostOutputSpec[] {
  return [qShape, kShape, vShape].map((s) => ({ shape: s.slice(), dtype: 'float32' }));
}
