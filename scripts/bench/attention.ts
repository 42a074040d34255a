/**
 * The attention suite of `npm run bench`: every variant family measured on the
 * same inputs (B=1, H=8, D=64 by default). Each family is one file under
 * variants/ exporting `variants: BenchVariant[]`; adding a family is ONE import
 * line below and one entry in FAMILIES.
 */
import type { BenchVariant } from './types';
import { variants as reference } from './variants/reference';
import { variants as flash } from './variants/flash';
import { variants as sparse } from './variants/sparse';
import { variants as linear } from './variants/linear';
import { variants as native } from './variants/native';
import { variants as onnx } from './variants/onnx';

export const FAMILIES: BenchVariant[][] = [reference, flash, sparse, linear, native, onnx];

export const attentionSuite = {
  name: 'attention',
  B: 1,
  H: 8,
  D: 64,
  ns: [512, 1024, 2048, 4096],
  quickNs: [256, 512],
  variants: (): BenchVariant[] => FAMILIES.flat(),
};
