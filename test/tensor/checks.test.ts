import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import {
  assertBroadcastable,
  assertDtype,
  assertInteger,
  assertKnownOptions,
  assertOneOf,
  assertPositive,
  assertRank,
  assertShape,
  assertShapesMatch,
  assertTensor,
  formatValue,
} from '@tessera/tensor';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('formatValue', () => {
  it('quotes numbers, NaN, strings, arrays and tensors', () => {
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(-Infinity)).toBe('-Infinity');
    expect(formatValue('x')).toBe('"x"');
    expect(formatValue([1, NaN])).toBe('[1,"NaN"]');
    const t = tf.zeros([2, 3]);
    expect(formatValue(t)).toBe('Tensor(float32, [2,3])');
    t.dispose();
    expect(formatValue('a'.repeat(500)).length).toBeLessThanOrEqual(120);
  });
});

describe('assertions name the argument and quote the value', () => {
  const x = tf.zeros([2, 3]);
  afterAll(() => x.dispose());

  it('assertRank', () => {
    expect(() => assertRank(x, 4, 'q', 'op', '[B, H, Tq, D]')).toThrow('op: q must have rank 4 [B, H, Tq, D], received shape [2,3] (rank 2)');
    expect(() => assertRank(x, [2, 3], 'q')).not.toThrow();
  });
  it('assertTensor', () => {
    expect(() => assertTensor([1, 2], 'q', 'op')).toThrow('op: q must be a tf.Tensor, received [1,2]');
    const d = tf.zeros([1]);
    d.dispose();
    expect(() => assertTensor(d, 'q', 'op')).toThrow('q has already been disposed');
  });
  it('assertDtype', () => {
    expect(() => assertDtype(x, ['int32'], 'ids', 'op')).toThrow('op: ids must have dtype int32, received float32 (shape [2,3])');
  });
  it('assertShapesMatch and assertShape', () => {
    expect(() => assertShapesMatch([1, 2], [1, 3], 'a', 'b')).toThrow('a and b must have matching shapes, received a [1,2] and b [1,3]');
    expect(() => assertShapesMatch([1, 2, 5], [1, 2, 6], 'a', 'b', '', [0, 1])).not.toThrow();
    expect(() => assertShape(x, [2, -1], 'x')).not.toThrow();
    expect(() => assertShape(x, [3, -1], 'x', 'op')).toThrow('op: x must have shape [3,*], received [2,3]');
  });
  it('assertBroadcastable', () => {
    expect(() => assertBroadcastable(x, [4, 2, 3], 'bias')).not.toThrow();
    expect(() => assertBroadcastable(x, [4, 3, 3], 'bias', 'op')).toThrow('op: bias must broadcast to [4,3,3], received shape [2,3]');
  });
  it('numbers, integers, enums and options', () => {
    expect(() => assertPositive(0, 'softcap', 'op')).toThrow('op: softcap must be a finite number > 0, received 0');
    expect(() => assertPositive(NaN, 'softcap')).toThrow('received NaN');
    expect(() => assertInteger(1.5, 'numHeads')).toThrow('numHeads must be an integer >= 1, received 1.5');
    expect(() => assertOneOf('x', ['a', 'b'], 'mode')).toThrow('mode must be one of "a", "b", received "x"');
    expect(() => assertKnownOptions({ casual: true }, ['causal'], 'options', 'op')).toThrow('op: options has an unknown option "casual"; valid options are causal');
    expect(() => assertKnownOptions(5, ['causal'], 'options')).toThrow('options must be an object, received 5');
  });
});
