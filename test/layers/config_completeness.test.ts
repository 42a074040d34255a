/**
 * getConfig() lists every constructor argument: each layer is built with a
 * non-default value for every argument it accepts, its config must carry each
 * of those values, and fromConfig(getConfig()) must give the same config. A
 * layer rejects arguments it does not know, so the lists below are all the
 * arguments there are (checked against the layers' own lists where exported).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '@tessera/tensor';
import {
  MultiHeadAttention,
  PositionEmbedding,
  RotaryEmbedding,
  SinusoidalPositionEncoding,
  TokenAndPositionEmbedding,
  TransformerDecoder,
  TransformerEncoder,
} from '@tessera/layers';
import { MHA_ARG_NAMES } from '../../packages/layers/src/attention/mha_args';
import { TRANSFORMER_ARG_NAMES } from '../../packages/layers/src/layers/transformer_args';

type Ctor = new (args: never) => tf.layers.Layer;

/** The serialized form getConfig() should hold for an initializer/regularizer/constraint instance. */
const ser = (o: { getClassName(): string; getConfig(): tf.serialization.ConfigDict }) => ({ className: o.getClassName(), config: o.getConfig() });

const kInit = tf.initializers.truncatedNormal({ stddev: 0.3, seed: 5 });
const bInit = tf.initializers.constant({ value: 0.25 });
const kReg = tf.regularizers.l1l2({ l1: 0.01, l2: 0.02 });
const bReg = tf.regularizers.l2({ l2: 0.03 });
const kCon = tf.constraints.maxNorm({ maxValue: 2, axis: 0 });
const bCon = tf.constraints.nonNeg();

/** [class, every argument with a non-default value, the value getConfig() should hold where it differs]. */
const cases: Array<[Ctor, Record<string, unknown>, Record<string, unknown>]> = [
  [
    MultiHeadAttention as unknown as Ctor,
    {
      numHeads: 4, keyDim: 6, valueDim: 5, dropout: 0.25, useBias: false, outputShape: 7, kernelInitializer: kInit, biasInitializer: bInit,
      kernelRegularizer: kReg, biasRegularizer: bReg, kernelConstraint: kCon, biasConstraint: bCon, seed: 9, numKeyValueHeads: 2,
      attention: 'sparse', attentionOptions: { window: [3, 0], scale: 0.5, softcap: 30, sparse: { blockSize: 16, globalTokens: [0, 1] } },
      positional: 'rope', ropeMaxWavelength: 500, ropeScalingFactor: 2, useCausalMask: true,
    },
    { kernelInitializer: ser(kInit), biasInitializer: ser(bInit), kernelRegularizer: ser(kReg), biasRegularizer: ser(bReg), kernelConstraint: ser(kCon), biasConstraint: ser(bCon) },
  ],
  ...([TransformerEncoder, TransformerDecoder] as unknown as Ctor[]).map((cls): [Ctor, Record<string, unknown>, Record<string, unknown>] => [
    cls,
    {
      intermediateDim: 24, numHeads: 4, dropout: 0.1, activation: 'gelu_approximate', layerNormEpsilon: 1e-3, kernelInitializer: kInit, biasInitializer: bInit,
      normalizeFirst: true, numKeyValueHeads: 2, attention: 'linear', attentionOptions: { featureMap: 'favor+', linear: { numFeatures: 8, seed: 3 } }, positional: 'rope',
    },
    { activation: 'geluApproximate', kernelInitializer: ser(kInit), biasInitializer: ser(bInit) },
  ]),
  [RotaryEmbedding as unknown as Ctor, { maxWavelength: 100, scalingFactor: 4, sequenceAxis: 2, featureAxis: 3 }, {}],
  [SinusoidalPositionEncoding as unknown as Ctor, { maxWavelength: 77 }, {}],
  [PositionEmbedding as unknown as Ctor, { sequenceLength: 12, initializer: kInit }, { initializer: ser(kInit) }],
  [
    TokenAndPositionEmbedding as unknown as Ctor,
    { vocabularySize: 50, sequenceLength: 12, embeddingDim: 6, embeddingsInitializer: kInit, positional: false },
    { embeddingsInitializer: ser(kInit) },
  ],
];

/** Base Layer arguments, non-default too (tfjs keeps dtype only with an input shape). */
const base = { name: 'custom_name', trainable: false, batchInputShape: [null, 5, 24], dtype: 'float32' };

describe('getConfig lists every constructor argument', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('the MultiHeadAttention and transformer cases pass every argument the layers accept', () => {
    expect(Object.keys(cases[0][1]).sort()).toEqual([...MHA_ARG_NAMES].sort());
    expect(Object.keys(cases[1][1]).sort()).toEqual([...TRANSFORMER_ARG_NAMES].sort());
  });

  for (const [cls, args, expected] of cases) {
    const className = (cls as unknown as { className: string }).className;
    it(`${className}: every argument in the config, and fromConfig(getConfig()) round trips`, () => {
      const layer = new cls({ ...args, ...base } as never);
      const config = layer.getConfig();
      const want = { ...args, ...expected, ...base };
      for (const key of Object.keys(want)) expect({ key, value: config[key] }).toEqual({ key, value: want[key as keyof typeof want] });
      const [c, fromConfig] = tf.serialization.SerializationMap.getMap().classNameMap[className];
      const again = fromConfig(c, JSON.parse(JSON.stringify(config))) as tf.layers.Layer;
      expect(again.getConfig()).toEqual(config);
    });

    it(`${className}: an argument it does not know is refused, quoting its name`, () => {
      expect(() => new cls({ ...args, kernelRegulariser: 'l2' } as never)).toThrow(/args has an unknown option "kernelRegulariser"; valid options are/);
    });
  }
});
