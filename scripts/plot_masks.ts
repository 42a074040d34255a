/**
 * Renders the block layout of every BlockMask builder to docs/img/sparse-*.svg
 * for docs/sparse-attention.md, straight from the densify helpers (what the
 * kernels compute with): each cell is one (query, key) pair, dark where
 * visible; blocks are shaded by class (full / partial / skipped).
 *
 *   npx tsc -b && npx ts-node --transpile-only scripts/plot_masks.ts [outDir]
 *
 * Plain SVG strings: no plotting dependency.
 */
import * as fs from 'fs';
import * as path from 'path';
import {
  and,
  bigBird,
  BlockMask,
  blockClasses,
  BLOCK_FULL,
  BLOCK_PARTIAL,
  causal,
  densifyArray,
  dilatedWindow,
  documents,
  fromPredicate,
  globalTokens,
  or,
  prefixLM,
  slidingWindow,
} from '@tessera/attention';

const CELL = 6;
const MARGIN = { left: 34, top: 40, right: 12, bottom: 44 };
const COLORS = { full: '#cfe3f7', partial: '#fde9b0', none: '#ffffff', on: '#1f4e8c', onPartial: '#b0660a', grid: '#8a8a8a', text: '#222222' };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One SVG: title, block shading, visible cells, block grid, axes, legend with counts. */
export function maskSvg(mask: BlockMask, title: string): string {
  const { Tq, Tk, blockSize: bs } = mask;
  const dense = densifyArray(mask);
  const cls = blockClasses(mask);
  const nK = mask.numKeyBlocks;
  const w = MARGIN.left + Tk * CELL + MARGIN.right;
  const h = MARGIN.top + Tq * CELL + MARGIN.bottom;
  const x0 = MARGIN.left;
  const y0 = MARGIN.top;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="Helvetica, Arial, sans-serif">`);
  out.push(`<rect width="${w}" height="${h}" fill="#ffffff"/>`);
  out.push(`<text x="${x0}" y="16" font-size="12" font-weight="bold" fill="${COLORS.text}">${esc(title)}</text>`);
  out.push(`<text x="${x0}" y="30" font-size="10" fill="${COLORS.text}">Tq=${Tq}, Tk=${Tk}, blockSize=${bs}; rows: queries, columns: keys</text>`);
  for (let qb = 0; qb < mask.numQueryBlocks; qb++)
    for (let kb = 0; kb < nK; kb++) {
      const c = cls[qb * nK + kb];
      if (c === 0) continue;
      const bw = Math.min(bs, Tk - kb * bs) * CELL;
      const bh = Math.min(bs, Tq - qb * bs) * CELL;
      out.push(`<rect x="${x0 + kb * bs * CELL}" y="${y0 + qb * bs * CELL}" width="${bw}" height="${bh}" fill="${c === BLOCK_FULL ? COLORS.full : COLORS.partial}"/>`);
    }
  // Visible cells, one rect per horizontal run inside a block (keeps the files small);
  // blue in full blocks (no masking work), amber where the predicate decided (partial blocks).
  for (let i = 0; i < Tq; i++)
    for (let j = 0; j < Tk; j++) {
      if (!dense[i * Tk + j]) continue;
      let e = j;
      while (e + 1 < Tk && (e + 1) % bs !== 0 && dense[i * Tk + e + 1]) e++;
      const c = cls[Math.floor(i / bs) * nK + Math.floor(j / bs)] === BLOCK_PARTIAL ? COLORS.onPartial : COLORS.on;
      out.push(`<rect x="${x0 + j * CELL + 1}" y="${y0 + i * CELL + 1}" width="${(e - j + 1) * CELL - 2}" height="${CELL - 2}" fill="${c}"/>`);
      j = e;
    }
  for (let kb = 0; kb <= nK; kb++) {
    const x = x0 + Math.min(kb * bs, Tk) * CELL;
    out.push(`<line x1="${x}" y1="${y0}" x2="${x}" y2="${y0 + Tq * CELL}" stroke="${COLORS.grid}" stroke-width="0.6"/>`);
  }
  for (let qb = 0; qb <= mask.numQueryBlocks; qb++) {
    const y = y0 + Math.min(qb * bs, Tq) * CELL;
    out.push(`<line x1="${x0}" y1="${y}" x2="${x0 + Tk * CELL}" y2="${y}" stroke="${COLORS.grid}" stroke-width="0.6"/>`);
  }
  out.push(`<text x="${x0 - 4}" y="${y0 + 8}" font-size="9" text-anchor="end" fill="${COLORS.text}">0</text>`);
  out.push(`<text x="${x0 - 4}" y="${y0 + Tq * CELL}" font-size="9" text-anchor="end" fill="${COLORS.text}">${Tq - 1}</text>`);
  out.push(`<text x="${x0 + Tk * CELL}" y="${y0 + Tq * CELL + 11}" font-size="9" text-anchor="end" fill="${COLORS.text}">${Tk - 1}</text>`);
  const st = mask.stats();
  const ly = y0 + Tq * CELL + 26;
  const legend: Array<[string, string]> = [
    [COLORS.full, `full block (${st.full})`],
    [COLORS.partial, `partial block (${st.partial})`],
    [COLORS.on, 'visible'],
    [COLORS.onPartial, 'visible (by predicate)'],
  ];
  let lx = x0;
  for (const [color, label] of legend) {
    out.push(`<rect x="${lx}" y="${ly}" width="10" height="10" fill="${color}" stroke="${COLORS.grid}" stroke-width="0.5"/>`);
    out.push(`<text x="${lx + 14}" y="${ly + 9}" font-size="10" fill="${COLORS.text}">${esc(label)}</text>`);
    lx += 14 + label.length * 5.6 + 12;
  }
  out.push(`<text x="${x0}" y="${ly + 24}" font-size="10" fill="${COLORS.text}">visits ${(st.density * 100).toFixed(1)}% of the ${mask.numQueryBlocks}x${nK} blocks</text>`);
  out.push('</svg>');
  return out.join('\n') + '\n';
}

/** The pictures docs/sparse-attention.md embeds: [file stem, title, mask]. */
function figures(): Array<[string, string, BlockMask]> {
  const n = 64;
  const s = { Tq: n, blockSize: 8 };
  const docIds = [Array.from({ length: n }, (_, t) => (t < 20 ? 0 : t < 32 ? 1 : t < 56 ? 2 : 3))];
  return [
    ['causal', 'causal()', causal(s)],
    ['causal-decode', 'causal(), Tq=16 < Tk=64 (bottom-right aligned)', causal({ Tq: 16, Tk: n, blockSize: 8 })],
    ['sliding-window', 'slidingWindow({left: 10, right: 10}) - Longformer local', slidingWindow({ left: 10, right: 10 }, s)],
    ['sliding-window-causal', 'slidingWindow({left: 15, right: 0}) - Mistral', slidingWindow({ left: 15, right: 0 }, s)],
    ['dilated-window', 'dilatedWindow({size: 5, dilation: 3})', dilatedWindow({ size: 5, dilation: 3 }, s)],
    ['global-tokens', 'globalTokens([0, 37])', globalTokens([0, 37], s)],
    ['longformer', 'or(slidingWindow({left: 8, right: 8}), globalTokens([0, 1]))', or(slidingWindow({ left: 8, right: 8 }, s), globalTokens([0, 1], s))],
    ['bigbird', 'bigBird({windowBlocks: 3, globalBlocks: 1, randomBlocks: 1, seed: 0})', bigBird({ windowBlocks: 3, globalBlocks: 1, randomBlocks: 1, seed: 0 }, s)],
    ['documents', 'and(documents(4 packed documents), causal())', and(documents(docIds, { blockSize: 8 }), causal(s))],
    ['prefix-lm', 'prefixLM(20)', prefixLM(20, s)],
    ['predicate', 'fromPredicate(k <= q && (q >> 4) - (k >> 4) <= 1) - chunked', fromPredicate((_b, _h, q, k) => k <= q && (q >> 4) - (k >> 4) <= 1, s)],
  ];
}

if (require.main === module) {
  const outDir = process.argv[2] ?? path.join(__dirname, '..', 'docs', 'img');
  fs.mkdirSync(outDir, { recursive: true });
  for (const [stem, title, mask] of figures()) {
    const file = path.join(outDir, `sparse-${stem}.svg`);
    fs.writeFileSync(file, maskSvg(mask, title));
    console.log(`${file}: ${mask.toString()} ${JSON.stringify(mask.stats())}`);
    mask.dispose();
  }
}
