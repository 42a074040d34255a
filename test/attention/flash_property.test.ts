/**
 * Property-based check of flashAttention against attentionReference:
 * fast-check draws shapes (GQA/MQA, Tq != Tk, Dv != D), option combinations
 * with random settings, and tile sizes (installed through an engine wrapping
 * the TypeScript one, so tiny inputs still cross many tile boundaries).
 * Output, lse and dq/dk/dv must agree within 1e-4 on every case.
 * 200 cases per backend (50 on webgpu, whose software adapter in CI, lavapipe,
 * takes ~1.5 s a case; its WGSL programs have their own suite), seeded
 * (FLASH_PROPERTY_SEED / FLASH_PROPERTY_RUNS override).
 */
import fc from 'fast-check';
import { flashBackwardImpl, flashForwardImpl, resetEngine, setEngine } from '@tessera/attention';
import { describeEachBackend } from '../helpers/backends';
import { ALL_OPTS, compareWithReference, enginesFor, makeCase, Opt } from './flash_cases';

const runsFor = (backend: string) => Number(process.env.FLASH_PROPERTY_RUNS ?? (backend === 'webgpu' ? 50 : 200));
const SEED = Number(process.env.FLASH_PROPERTY_SEED ?? 20260601);

const caseArb = fc.record({
  B: fc.integer({ min: 1, max: 2 }),
  Hkv: fc.integer({ min: 1, max: 2 }),
  G: fc.integer({ min: 1, max: 3 }),
  Tq: fc.integer({ min: 1, max: 13 }),
  Tk: fc.integer({ min: 1, max: 13 }),
  D: fc.integer({ min: 1, max: 6 }),
  Dv: fc.integer({ min: 1, max: 6 }),
  opts: fc.subarray(ALL_OPTS),
  window: fc.tuple(fc.integer({ min: -1, max: 5 }), fc.integer({ min: -1, max: 5 })),
  softcap: fc.double({ min: 0.3, max: 5, noNaN: true }),
  scale: fc.double({ min: -2, max: 2, noNaN: true }),
  keep: fc.double({ min: 0, max: 1, noNaN: true }),
  segments: fc.integer({ min: 1, max: 4 }),
  maskDtype: fc.constantFrom('bool' as const, 'int32' as const, 'float32' as const),
  segDtype: fc.constantFrom('int32' as const, 'float32' as const),
  tiles: fc.option(fc.record({ br: fc.integer({ min: 1, max: 6 }), bc: fc.integer({ min: 1, max: 6 }) }), { nil: undefined }),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describeEachBackend('flashAttention property suite', (backend) => {
  afterEach(() => resetEngine());

  const RUNS = runsFor(backend);
  it.each(enginesFor(backend))(`matches the reference on ${RUNS} random shapes, options and tile sizes (engine %s)`, (_name, engine) => {
    let ran = 0;
    fc.assert(
      fc.property(caseArb, (p) => {
        const shape = { B: p.B, H: p.Hkv * p.G, Hkv: p.Hkv, Tq: p.Tq, Tk: p.Tk, D: p.D, Dv: p.Dv };
        const tiles = p.tiles;
        // Tile sizes are a TypeScript-engine knob: drawn tiles wrap it; other engines run as they are.
        if (engine === null) resetEngine();
        else if (tiles && engine.flashForward === flashForwardImpl) {
          setEngine({ name: `typescript br=${tiles.br} bc=${tiles.bc}`, flashForward: (a) => flashForwardImpl({ ...a, tiles }), flashBackward: (a) => flashBackwardImpl({ ...a, tiles }) });
        } else setEngine(engine);
        const c = makeCase(shape, p.opts as Opt[], p.seed, 1, { window: p.window, softcap: p.softcap, scale: p.scale, keep: p.keep, segments: p.segments, maskDtype: p.maskDtype, segDtype: p.segDtype });
        try {
          compareWithReference(c, undefined, { seed: p.seed });
        } finally {
          c.dispose();
        }
        ran++;
      }),
      { numRuns: RUNS, seed: SEED },
    );
    expect(ran).toBe(RUNS);
  });
});
