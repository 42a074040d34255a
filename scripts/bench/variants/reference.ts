/**
 * The reference variant for `npm run bench -- attention`: attentionReference,
 * the dense oracle that materialises the [B, H, n, n] score matrix. It is the
 * baseline every other family's ratio is computed against.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionReference } from '@tessera/attention';
import type { BenchInputs, BenchVariant } from '../types';
import { gradsOfSum } from '../grads_of_sum';

/** Bytes of one [B, H, n, n] float32 score matrix. */
const scoreBytes = (x: { B: number; H: number; n: number }) => x.B * x.H * x.n * x.n * 4;

export const variants: BenchVariant[] = [
  {
    name: 'reference',
    family: 'reference',
    flops: (x: BenchInputs) => 4 * x.n * x.n * x.D * x.B * x.H,
    // wasm's heap tops out at 4 GB: at n = 8192 (B=1, H=8) one score matrix is 2 GB and the softmax needs several.
    supports: (backend: string, n: number) => scoreBytes({ B: 1, H: 8, n }) <= 2 ** 30 || backend !== 'wasm',
    forward: (x: BenchInputs) => attentionReference(x.q, x.k, x.v),
    forwardBackward: (x: BenchInputs) => gradsOfSum((q, k, v) => attentionReference(q, k, v), x),
  },
];
