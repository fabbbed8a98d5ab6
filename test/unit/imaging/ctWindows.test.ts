import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { ctWindowForSite } from '../../../src/shared/targets';
import { syntheticCtDicom } from '../../fixtures/generate-imaging-fixtures';
import { decodePngRgb } from './helpers';

/**
 * The model card's CT windows [lower, upper] in HU per anatomic site (BiomedParse's CT_WINDOWS),
 * restated here from the card, not imported: a swapped or mistyped window must show.
 */
const MODEL_CARD_WINDOWS: Record<string, [number, number]> = {
  abdomen: [-150, 250],
  lung: [-1000, 1000],
  pelvis: [-55, 200],
  liver: [-25, 230],
  colon: [-68, 187],
  pancreas: [-100, 200],
};

// Probe values: just inside and just outside every site's bounds (so each window is told apart
// from every other), some values in between, and values beyond the widest window so that every
// image reaches both ends of any window (the reference stretches the clipped values' own range).
// Stored in steps of 1/8 HU (RescaleSlope 0.125), off whole HU by 3/8, so that few probes land
// on a whole grey level (the colon window is 255 HU wide: whole HU are whole levels there).
const SLOPE = 0.125;
const PROBES = [
  ...new Set([
    -1500,
    1500,
    ...[-300, -80, -40, 0, 13, 77, 120, 160].map((v) => v + 0.375),
    ...Object.values(MODEL_CARD_WINDOWS).flatMap(([lo, hi]) => [
      lo - 0.625,
      lo + 0.375,
      hi - 0.625,
      hi + 0.375,
    ]),
  ]),
].sort((a, b) => a - b);

/** The model card: clip to the window, scale linearly to 0–255 (the resize keeps flat areas). */
function scaled(hu: number, [lower, upper]: [number, number]): number {
  const clipped = Math.min(upper, Math.max(lower, hu));
  return ((clipped - lower) / (upper - lower)) * 255;
}

// Each probe fills a BLOCK×BLOCK square of a COLS-wide grid. The image is enlarged ~8× to the
// model input, where a square's centre is far enough from its edges (8 source pixels) that the
// cubic spline's ringing there stays below 0.01 grey levels.
const BLOCK = 16;
const COLS = 8;

describe('imaging: CT windows of every site, through medparse preprocess --intensity ct:<site>', function () {
  this.timeout(60_000);
  let dir: string;
  let dicom: string;
  const rows = Math.ceil(PROBES.length / COLS);
  const width = COLS * BLOCK;
  const height = rows * BLOCK;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-ct-windows-'));
    const stored = new Int16Array(width * height).fill(PROBES[0] / SLOPE);
    PROBES.forEach((hu, i) => {
      const bx = (i % COLS) * BLOCK;
      const by = Math.floor(i / COLS) * BLOCK;
      for (let y = by; y < by + BLOCK; y++) stored.fill(hu / SLOPE, y * width + bx, y * width + bx + BLOCK);
    });
    dicom = path.join(dir, 'probes.dcm');
    await fs.writeFile(dicom, await syntheticCtDicom(stored, width, height, SLOPE));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const [site, window] of Object.entries(MODEL_CARD_WINDOWS)) {
    it(`${site}: [${window[0]}, ${window[1]}] HU`, async () => {
      const outDir = path.join(dir, site);
      const lines: string[] = [];
      const errors: string[] = [];
      const code = await main(['preprocess', dicom, '--out-dir', outDir, '--intensity', `ct:${site}`], {
        out: (l) => lines.push(l),
        err: (l) => errors.push(l),
      });
      assert.equal(code, 0, errors.join('\n'));
      const written = await decodePngRgb(JSON.parse(lines[0]).output);
      assert.deepEqual([written.width, written.height], [1024, 1024]);

      // Where a block's centre lands in the model input (the padding goes above and below).
      const scale = 1024 / width;
      const padTop = Math.floor((width - height) / 2);
      const pixelOf = (i: number): number => {
        const cx = (i % COLS) * BLOCK + BLOCK / 2;
        const cy = Math.floor(i / COLS) * BLOCK + BLOCK / 2 + padTop;
        return (Math.round(cy * scale) * 1024 + Math.round(cx * scale)) * 3;
      };
      let skipped = 0;
      const wrong: string[] = [];
      PROBES.forEach((hu, i) => {
        const expected = scaled(hu, window);
        const got = written.data[pixelOf(i)];
        // A flat 255 comes out of the resize as 254.99…, truncated to 254 (as in the reference);
        // values a hair from another whole number could truncate either way: skip those.
        if (expected === 255) {
          if (got < 254) wrong.push(`${hu} HU → ${got}, expected 254 or 255`);
        } else if (expected !== 0 && Math.abs(expected - Math.round(expected)) < 0.05) {
          skipped++;
        } else if (got !== Math.floor(expected)) {
          wrong.push(`${hu} HU → ${got}, expected ${Math.floor(expected)}`);
        }
      });
      assert.deepEqual(wrong, []);
      assert.ok(skipped <= 3, `${skipped} of ${PROBES.length} probes too close to call`);
    });
  }

  it('the viewer’s site names pick the window of the same name (chest CT reads with the lung window)', () => {
    for (const site of Object.keys(MODEL_CARD_WINDOWS)) assert.equal(ctWindowForSite(site), site);
    assert.equal(ctWindowForSite('chest'), 'lung');
  });
});
