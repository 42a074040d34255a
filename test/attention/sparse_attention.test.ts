/**
 * blockSparseAttention against attentionReference with the equivalent dense
 * mask (bias 0 / -Infinity from densify), forward (output, lse) and gradients
 * (dq, dk, dv through output and lse), on every backend: every builder,
 * combinations, GQA/MQA, Tq != Tk, sizes that are not multiples of the
 * block, rows that see nothing; score options; bad input; leaks.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  alibiSlopes,
  and,
  bigBird,
  BlockMask,
  blockSparseAttention,
  causal,
  dilatedWindow,
  documents,
  fromPredicate,
  globalTokens,
  liveBlockMasks,
  or,
  prefixLM,
  slidingWindow,
} from '@tessera/attention';
import { describeEachBackend } from '../helpers/backends';
import { describeSparseEngines } from '../webgpu/engines'; // one pass on webgpu (WGSL ignores the engine)
import { checkGradients } from '../helpers/gradcheck';
import { expectNoLeaks } from '../helpers/leaks';
import { Dims, expectMatchesReference, makeQkv } from './sparse_helpers';

const sq = (T: number, extra: Partial<Dims> = {}): Dims => ({ B: 1, H: 2, Hkv: 2, Tq: T, Tk: T, D: 8, Dv: 8, ...extra });

/** [label, mask factory, dims]; masks are built inside the test and disposed after. */
const CASES: Array<[string, () => BlockMask, Dims]> = [
  ['slidingWindow {4,1}, 37 (not a multiple of 8)', () => slidingWindow({ left: 4, right: 1 }, { Tq: 37, blockSize: 8 }), sq(37)],
  ['slidingWindow causal w=16, GQA', () => slidingWindow({ left: 16, right: 0 }, { Tq: 45, blockSize: 8 }), sq(45, { H: 4, Hkv: 2, D: 4, Dv: 6 })],
  ['slidingWindow Tq < Tk', () => slidingWindow({ left: 6, right: 3 }, { Tq: 11, Tk: 30, blockSize: 8 }), sq(11, { Tk: 30 })],
  ['causal, B=2, GQA', () => causal({ Tq: 29, blockSize: 8 }), sq(29, { B: 2, H: 4, Hkv: 2, D: 4, Dv: 6 })],
  ['causal Tq < Tk (decode-like)', () => causal({ Tq: 3, Tk: 29, blockSize: 4 }), sq(3, { Tk: 29 })],
  ['causal Tq > Tk (first rows see nothing)', () => causal({ Tq: 29, Tk: 12, blockSize: 8 }), sq(29, { Tk: 12 })],
  ['dilatedWindow {3, d=2}', () => dilatedWindow({ size: 3, dilation: 2 }, { Tq: 30, blockSize: 4 }), sq(30)],
  ['dilatedWindow causal {2, d=3}, MQA', () => dilatedWindow({ size: 2, dilation: 3, causal: true }, { Tq: 26, blockSize: 8 }), sq(26, { H: 3, Hkv: 1 })],
  ['Longformer: window OR global tokens', () => or(slidingWindow({ left: 2, right: 2 }, { Tq: 27, blockSize: 8 }), globalTokens([0, 13], { Tq: 27, blockSize: 8 })), sq(27)],
  ['globalTokens alone, Tq != Tk', () => globalTokens([2, 19], { Tq: 9, Tk: 21, blockSize: 4 }), sq(9, { Tk: 21 })],
  ['bigBird 3/1/1', () => bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 1, seed: 3 }, { Tq: 40, blockSize: 8 }), sq(40)],
  ['bigBird, Tq < Tk misaligned (partial blocks)', () => bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 2, seed: 5 }, { Tq: 21, Tk: 40, blockSize: 8 }), sq(21, { Tk: 40 })],
  ['documents AND causal, B=2 (per-batch layout)', () => and(documents([[0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], [7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 8]], { blockSize: 4 }), causal({ Tq: 19, blockSize: 4 })), sq(19, { B: 2 })],
  ['prefixLM 7', () => prefixLM(7, { Tq: 25, blockSize: 8 }), sq(25)],
  ['fromPredicate per batch and head, MQA', () => fromPredicate((b, h, i, j) => (i + 2 * j + b + h) % 3 !== 0 && j <= i + 2, { B: 2, H: 2, Tq: 14, blockSize: 4 }), sq(14, { B: 2, Hkv: 1 })],
  ['rows with nothing visible', () => fromPredicate((_b, _h, i, j) => i % 4 !== 1 && j <= i, { Tq: 18, blockSize: 4 }), sq(18)],
  ['nothing visible at all', () => fromPredicate(() => false, { Tq: 10, blockSize: 4 }), sq(10)],
  ['and(causal, window) with blockSize 1 and 16', () => and(causal({ Tq: 17, blockSize: 1 }), slidingWindow({ left: 3, right: 0 }, { Tq: 17, blockSize: 1 })), sq(17)],
  ['window, one block covers everything', () => slidingWindow({ left: 5, right: 5 }, { Tq: 12, Tk: 16, blockSize: 16 }), sq(12, { Tk: 16 })],
];

describeEachBackend('blockSparseAttention', (backend) => {
  describeSparseEngines(backend, () => {
    it.each(CASES)('%s: forward and gradients equal the reference', (_label, make, dims) => {
      const mask = make();
      try {
        expectMatchesReference(mask, dims, 7);
      } finally {
        mask.dispose();
      }
    });

    it('applies scale, softcap and ALiBi (tensor or array) like the reference', () => {
      const dims = sq(33, { H: 4, Hkv: 2 });
      const mask = and(causal({ Tq: 33, blockSize: 8 }), slidingWindow({ left: 9, right: 0 }, { Tq: 33, blockSize: 8 }));
      const slopes = tf.tensor1d(alibiSlopes(4));
      expectMatchesReference(mask, dims, 3, { scale: 0.3, softcap: 2.5, alibiSlopes: slopes });
      expectMatchesReference(mask, dims, 4, { alibiSlopes: alibiSlopes(4) });
      slopes.dispose();
      mask.dispose();
    });

    it('rows that see no key are exactly 0 with lse -Infinity, and get zero gradient', () => {
      const mask = fromPredicate((_b, _h, i, j) => i >= 5 && j <= i, { Tq: 12, blockSize: 4 });
      const { q, k, v, dispose } = makeQkv(sq(12, { H: 1, Hkv: 1 }), 2);
      const r = blockSparseAttention(q, k, v, mask, { returnLse: true });
      const out = r.output.dataSync();
      expect(Array.from(out.slice(0, 5 * 8)).every((x) => x === 0)).toBe(true);
      expect(Array.from(r.lse.dataSync().slice(0, 5))).toEqual([-Infinity, -Infinity, -Infinity, -Infinity, -Infinity]);
      expect(Array.from(out).every(Number.isFinite)).toBe(true);
      const [dq] = tf.grads((a: tf.Tensor) => tf.sum(blockSparseAttention(a, k, v, mask)))([q]);
      expect(Array.from(dq.dataSync().slice(0, 5 * 8)).every((x) => x === 0)).toBe(true);
      tf.dispose([r.output, r.lse, dq]);
      dispose();
      mask.dispose();
    });

    it('has gradients that agree with finite differences (through output and lse)', () => {
      const mask = or(slidingWindow({ left: 2, right: 1 }, { Tq: 9, blockSize: 4 }), globalTokens([4], { Tq: 9, blockSize: 4 }));
      const { q, k, v, dispose } = makeQkv({ B: 1, H: 2, Hkv: 1, Tq: 9, Tk: 9, D: 3, Dv: 2 }, 9);
      checkGradients((a, b, c) => blockSparseAttention(a, b, c, mask, { softcap: 3 }), [q, k, v], { samples: 10 });
      checkGradients((a, b) => blockSparseAttention(a, b, v, mask, { returnLse: true }).lse, [q, k], { samples: 10 });
      dispose();
      mask.dispose();
    });

    it('leaks neither tensors nor masks', async () => {
      const mask = bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 1, seed: 1 }, { Tq: 24, blockSize: 4 });
      const { q, k, v, dispose } = makeQkv(sq(24), 1);
      const masks = liveBlockMasks();
      await expectNoLeaks(() => blockSparseAttention(q, k, v, mask));
      await expectNoLeaks(() => blockSparseAttention(q, k, v, mask, { returnLse: true }));
      await expectNoLeaks(() => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(blockSparseAttention(a, b, c, mask)))([q, k, v]));
      await expectNoLeaks(() => tf.tidy(() => blockSparseAttention(q, k, v, mask)));
      expect(liveBlockMasks()).toBe(masks);
      dispose();
      mask.dispose();
    });
  });

  describe('bad input names the argument and quotes the value, without leaking', () => {
    const dims: Dims = { B: 2, H: 4, Hkv: 2, Tq: 12, Tk: 16, D: 4, Dv: 4 };
    let t: ReturnType<typeof makeQkv>;
    let mask: BlockMask;
    let tensor: tf.Tensor;
    beforeAll(() => {
      t = makeQkv(dims, 5);
      mask = causal({ Tq: 12, Tk: 16, blockSize: 4 });
      tensor = tf.ones([12, 16], 'bool');
    });
    afterAll(() => {
      t.dispose();
      mask.dispose();
      tensor.dispose();
    });
    const cases: Array<[string, () => unknown, string]> = [
      ['causal option', () => blockSparseAttention(t.q, t.k, t.v, mask, { causal: true } as never), 'blockSparseAttention: options.causal is not supported: the BlockMask decides what is visible; build it with causal(shape)'],
      ['window option', () => blockSparseAttention(t.q, t.k, t.v, mask, { window: [2, 0] } as never), 'options.window is not supported: the BlockMask decides what is visible; build it with slidingWindow({left, right}, shape)'],
      ['keyMask option', () => blockSparseAttention(t.q, t.k, t.v, mask, { keyMask: tensor } as never), 'options.keyMask is not supported'],
      ['segmentIds option', () => blockSparseAttention(t.q, t.k, t.v, mask, { segmentIds: { q: tensor, k: tensor } } as never), 'options.segmentIds is not supported: the BlockMask decides what is visible; build it with documents(segmentIds)'],
      ['bias option', () => blockSparseAttention(t.q, t.k, t.v, mask, { bias: tensor } as never), 'options.bias is not supported: a dense [B,H,Tq,Tk] bias'],
      ['misspelt option', () => blockSparseAttention(t.q, t.k, t.v, mask, { softCap: 2 } as never), 'blockSparseAttention: options has an unknown option "softCap"'],
      ['softcap', () => blockSparseAttention(t.q, t.k, t.v, mask, { softcap: -1 }), 'blockSparseAttention: options.softcap must be a finite number > 0, received -1'],
      ['q rank', () => blockSparseAttention(tensor, t.k, t.v, mask), 'blockSparseAttention: q must have rank 4 [B, H, Tq, D], received shape [12,16] (rank 2)'],
      ['not a mask', () => blockSparseAttention(t.q, t.k, t.v, tensor as never), 'blockSparseAttention: mask must be a BlockMask (from slidingWindow, causal, globalTokens, bigBird, documents, prefixLM, dilatedWindow, fromPredicate, and, or), received Tensor(bool, [12,16])'],
    ];
    it.each(cases)('%s', (_n, fn, msg) => {
      const before = tf.memory().numTensors;
      expect(fn).toThrow(msg);
      expect(tf.memory().numTensors).toBe(before);
    });
    it('a mask built for other shapes, batch or heads, or disposed', () => {
      const before = tf.memory().numTensors;
      const sq12 = causal({ Tq: 12, blockSize: 4 });
      expect(() => blockSparseAttention(t.q, t.k, t.v, sq12)).toThrow('blockSparseAttention: mask was built for Tq=12, Tk=12, received q [2,4,12,4] (Tq=12) and k [2,2,16,4] (Tk=16)');
      const b3 = fromPredicate(() => true, { B: 3, Tq: 12, Tk: 16, blockSize: 4 });
      expect(() => blockSparseAttention(t.q, t.k, t.v, b3)).toThrow('blockSparseAttention: mask was built for batch size B=3, received q [2,4,12,4] (B=2)');
      const h2 = fromPredicate(() => true, { H: 2, Tq: 12, Tk: 16, blockSize: 4 });
      expect(() => blockSparseAttention(t.q, t.k, t.v, h2)).toThrow('blockSparseAttention: mask was built for H=2 query heads, received q [2,4,12,4] (H=4)');
      h2.dispose();
      expect(() => blockSparseAttention(t.q, t.k, t.v, h2)).toThrow('blockSparseAttention: mask BlockMask(fromPredicate(anonymous); B=1, H=2, Tq=12, Tk=16, blockSize=4) has already been disposed');
      expect(tf.memory().numTensors).toBe(before);
      [sq12, b3].forEach((m) => m.dispose());
    });
    it('a gradient whose mask was disposed before the backward pass says so', () => {
      const m = causal({ Tq: 12, Tk: 16, blockSize: 4 });
      expect(() =>
        tf.grads((a: tf.Tensor) => {
          const y = tf.sum(blockSparseAttention(a, t.k, t.v, m));
          m.dispose();
          return y;
        })([t.q]),
      ).toThrow(/TesseraBlockSparseAttentionGrad: attrs.maskId \d+ names no live BlockMask \(was the mask disposed before the kernel or its gradient ran\?\)/);
    });
  });
});
