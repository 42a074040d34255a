/**
 * flashAttention against attentionReference: forward, lse and the gradients
 * of q, k and v, for every option alone and combined, GQA/MQA, Tq != Tk
 * (decode against a long cache), Dv != D, lengths that are not multiples of
 * the tile, fully masked rows, large logits and NaN inputs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { attentionReference, DEFAULT_TILES, flashAttention, info, resetEngine, setEngine, TesseraFlashAttention } from '@tessera/attention';
import { attentionF64 } from '../helpers/attention_f64';
import { describeEachBackend } from '../helpers/backends';
import { expectClose } from '../helpers/close';
import { compareWithReference, enginesFor, makeCase, Shape } from './flash_cases';
import { compareMaskDtypes, describeReferenceTable, expectNaNOnlyInMiddleRow, flashShapes, nanMiddleRow } from './flash_table';

const T = DEFAULT_TILES.br; // 64: lengths around it cross tile boundaries

const SHAPES = flashShapes(T, ['not a multiple of the tile', { B: 1, H: 2, Hkv: 1, Tq: T + 7, Tk: 2 * T + 3, D: 5, Dv: 6 }]);

describeEachBackend('flashAttention', (backend) => {
  // enginesFor runs at collection time, after registration; a backend with its own program gets one pass.
  describe.each(enginesFor(backend))('engine %s', (engineName, engine) => {
    beforeAll(() => (engine ? setEngine(engine) : resetEngine()));
    afterAll(() => resetEngine());

    it('is registered on this backend and runs on this engine', () => {
      expect(tf.getKernel(TesseraFlashAttention, backend)).toBeDefined();
      expect(info().backend).toBe(backend);
      if (engine) expect(info().engine).toBe(engineName);
      expect(info().kernels).toEqual(expect.arrayContaining(['TesseraFlashAttention', 'TesseraFlashAttentionGrad']));
    });

    describeReferenceTable(SHAPES);

    it('differentiates through the lse output exactly', () => {
      const fc = makeCase({ B: 1, H: 4, Hkv: 2, Tq: 6, Tk: 9, D: 4, Dv: 3 }, ['causal', 'alibi', 'softcap'], 5);
      compareWithReference(fc, undefined, { lseWeight: true });
      fc.dispose();
    });

    it('accepts int32 and float32 key masks and float32 segment ids, alibi slopes as an array', () => {
      compareMaskDtypes();
    });

    it('gives zeros and lse -Infinity for rows that see no key, and zero gradient through them', () => {
      // Causal with Tq > Tk: queries 0..2 sit before key 0. keyMask drops every key of batch 1.
      const s: Shape = { B: 2, H: 2, Hkv: 2, Tq: 6, Tk: 3, D: 2, Dv: 2 };
      const fc = makeCase(s, ['causal'], 3);
      const km = tf.tensor2d([[1, 1, 1], [0, 0, 0]], [2, 3], 'bool');
      const o = { ...fc.o, keyMask: km };
      const got = flashAttention(fc.q, fc.k, fc.v, { ...o, returnLse: true });
      const out = got.output.arraySync() as number[][][][];
      const lse = got.lse.arraySync() as number[][][];
      expect(out[0][0].slice(0, 3).flat()).toEqual([0, 0, 0, 0, 0, 0]);
      expect(lse[0][1].slice(0, 3)).toEqual([-Infinity, -Infinity, -Infinity]);
      expect(out[1].flat(2).every((x) => x === 0)).toBe(true);
      expect(lse[1].flat().every((x) => x === -Infinity)).toBe(true);
      expect(Array.from(got.output.dataSync()).every(Number.isFinite)).toBe(true);
      tf.dispose([got.output, got.lse]);
      compareWithReference({ ...fc, o });
      km.dispose();
      fc.dispose();
    });

    it('does not overflow with scores around 1e4 (float64 oracle, then the reference)', () => {
      const s: Shape = { B: 1, H: 2, Hkv: 2, Tq: 5, Tk: T + 6, D: 4, Dv: 3 };
      const fc = makeCase(s, ['causal'], 5, 70); // |q.k|/sqrt(D) ~ 1e4
      const got = flashAttention(fc.q, fc.k, fc.v, { ...fc.o, returnLse: true });
      const want = attentionF64(fc.c);
      expect(Array.from(got.output.dataSync()).every(Number.isFinite)).toBe(true);
      expectClose(got.output, want.out, { atol: 1e-4, rtol: 1e-4 }, 'output vs float64');
      expectClose(got.lse, want.lse, { atol: 1e-4, rtol: 1e-4 }, 'lse vs float64');
      // The reference rounds its scores to float32 (ulp ~1e-3 at 1e4), hence its looser match.
      const ref = attentionReference(fc.q, fc.k, fc.v, fc.o);
      expectClose(got.output, ref, { atol: 2e-2, rtol: 1e-3 }, 'output vs reference');
      tf.dispose([got.output, got.lse, ref]);
      fc.dispose();
    });

    it('propagates a NaN query only to its own row (output and dq)', () => {
      const s: Shape = { B: 1, H: 1, Hkv: 1, Tq: 3, Tk: 4, D: 2, Dv: 2 };
      const fc = makeCase(s, [], 8);
      const qn = nanMiddleRow(fc);
      const out = flashAttention(qn, fc.k, fc.v);
      expectNaNOnlyInMiddleRow(out);
      const dq = tf.grad((x: tf.Tensor) => tf.sum(flashAttention(x, fc.k, fc.v)))(qn).dataSync();
      expect(Array.from(dq.slice(0, 2)).every(Number.isFinite)).toBe(true);
      expect(Array.from(dq.slice(4, 6)).every(Number.isFinite)).toBe(true);
      tf.dispose([qn, out]);
      fc.dispose();
    });

    it('window variants: causal-window [w, 0], right-only, [0, 0] and windows wider than the sequence', () => {
      const s: Shape = { B: 1, H: 2, Hkv: 1, Tq: T + 5, Tk: T + 9, D: 3, Dv: 2 };
      for (const window of [[7, 0], [-1, 3], [0, 0], [500, 500], [3, -1]] as Array<[number, number]>) {
        const fc = makeCase(s, ['window'], 11, 1, { window });
        compareWithReference(fc, undefined, { grads: window[0] === 7 });
        fc.dispose();
      }
    });
  });
});
