import assert from 'node:assert/strict';
import { maskRuns, overlapOfRuns, surfaceOfRuns } from '../../../src/analysis/maskRuns';
import { prng as rng } from '../../support/fuzz';
import {
  compareMasks,
  distancesInPlane,
  distancesTo,
  percentile,
  surface,
} from '../../../src/analysis/metrics';

/**
 * The run-based metrics (what `evaluate` runs on thousands of mask pairs) against the voxel-by-
 * voxel definitions they replace: the same surface voxels in the same order, the same distance
 * values bit for bit, so metrics.csv is unchanged by the speed-up.
 */

/** Ellipses (ellipsoids) with values from `value()`, some touching the grid's edges, plus noise. */
function mask(dims: readonly number[], random: () => number, value: () => number): Uint8Array {
  const [nx, ny, nz = 1] = dims;
  const out = new Uint8Array(nx * ny * nz);
  const count = 1 + Math.floor(random() * 4);
  for (let b = 0; b < count; b++) {
    const c = [random() * nx, random() * ny, random() * nz];
    const r = [1 + random() * nx * 0.4, 1 + random() * ny * 0.4, 1 + random() * nz * 0.5];
    for (let z = 0, i = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++, i++)
          if (((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + ((z - c[2]) / r[2]) ** 2 <= 1)
            out[i] = value();
  }
  for (let k = 0; k < out.length / 50; k++) out[Math.floor(random() * out.length)] = value();
  return out;
}

/** The metrics' distances as the voxel-by-voxel definition gives them, over the whole grid. */
function referenceDistances(
  pred: Uint8Array,
  truth: Uint8Array,
  grid: [number, number, number],
  spacing: number[],
  pMin: number,
  tMin: number,
): Float64Array {
  const sa = surface(pred, grid, undefined, pMin);
  const sb = surface(truth, grid, undefined, tMin);
  const out = new Float64Array(sa.length + sb.length);
  out.set(distancesTo(sb, sa, grid, spacing), 0);
  out.set(distancesTo(sa, sb, grid, spacing), sa.length);
  return out.sort();
}

const thresholds: { name: string; min: number; value: (r: () => number) => number }[] = [
  { name: '0/1 masks', min: 1, value: () => 1 },
  { name: '0/255 masks from 128', min: 128, value: () => 255 },
  { name: 'probability maps from 128', min: 128, value: (r) => Math.floor(r() * 256) },
  { name: 'labels from 1', min: 1, value: (r) => 1 + Math.floor(r() * 5) },
  { name: 'values from 77', min: 77, value: (r) => Math.floor(r() * 256) },
];

describe('analysis: masks as runs (the metrics’ fast path)', () => {
  for (const t of thresholds)
    it(`finds the same overlap, box and surface voxels as voxel by voxel: ${t.name}`, () => {
      const random = rng(11 + t.min);
      for (let c = 0; c < 60; c++) {
        const is3d = c % 4 === 3;
        const dims: [number, number, number] = [
          1 + Math.floor(random() * 41),
          1 + Math.floor(random() * 30),
          is3d ? 1 + Math.floor(random() * 7) : 1,
        ];
        if (c % 5 === 0) dims[0] = 4 * (1 + Math.floor(random() * 10)); // whole words per row
        const n = dims[0] * dims[1] * dims[2];
        const a = mask(dims, random, () => t.value(random));
        const b = mask(dims, random, () => t.value(random));
        const ra = maskRuns(a, dims[0], dims[1] * dims[2], t.min);
        const rb = maskRuns(b, dims[0], dims[1] * dims[2], t.min);
        const o = overlapOfRuns(ra, rb, dims);
        let tp = 0;
        let fp = 0;
        let fn = 0;
        const lo = [Infinity, Infinity, Infinity];
        const hi = [-1, -1, -1];
        for (let i = 0; i < n; i++) {
          const p = a[i] >= t.min;
          const q = b[i] >= t.min;
          if (p && q) tp++;
          else if (p) fp++;
          else if (q) fn++;
          if (p || q) {
            const at = [i % dims[0], Math.floor(i / dims[0]) % dims[1], Math.floor(i / dims[0] / dims[1])];
            at.forEach((v, k) => ((lo[k] = Math.min(lo[k], v)), (hi[k] = Math.max(hi[k], v))));
          }
        }
        assert.deepEqual([o.tp, o.fp, o.fn], [tp, fp, fn], `case ${c}`);
        assert.equal(ra.count, tp + fp);
        if (tp + fp + fn === 0) continue;
        assert.deepEqual(o.box, [lo[0], hi[0], lo[1], hi[1], lo[2], hi[2]], `case ${c} box`);
        for (const [m, runs] of [
          [a, ra],
          [b, rb],
        ] as const)
          assert.deepEqual(
            [...surfaceOfRuns(runs, dims, o.box)],
            [...surface(m, dims, o.box, t.min)],
            `case ${c} ${dims.join('×')} surface`,
          );
      }
    });

  it('searches distances in a plane exactly as the distance transform computes them', () => {
    const random = rng(5);
    for (let c = 0; c < 80; c++) {
      const nx = 1 + Math.floor(random() * 60);
      const ny = 1 + Math.floor(random() * 60);
      const n = nx * ny;
      const pick = (count: number) =>
        Int32Array.from(new Set(Array.from({ length: count }, () => Math.floor(random() * n)))).sort();
      // Few features far from most queries (the search gives up on its row budget and hands the
      // rest to the transform) as well as many close ones.
      const features = pick(c % 3 === 0 ? 1 + Math.floor(random() * 3) : 1 + Math.floor(random() * n));
      const queries = pick(1 + Math.floor(random() * n));
      const [sx, sy] = c % 4 === 0 ? [1, 1] : [0.2 + random() * 3, 0.2 + random() * 3];
      assert.deepEqual(
        distancesInPlane(features, queries, nx, ny, sx, sy),
        distancesTo(features, queries, [nx, ny, 1], [sx, sy, 1]),
        `case ${c}: ${nx}×${ny}`,
      );
    }
  });

  it('gives HD95, ASSD and HD bit for bit as the voxel-by-voxel definition, 2D and 3D', () => {
    const random = rng(99);
    let compared = 0;
    for (let c = 0; c < 60; c++) {
      const t = thresholds[c % thresholds.length];
      const is3d = c % 3 === 2;
      const dims: [number, number, number] = [
        2 + Math.floor(random() * 50),
        2 + Math.floor(random() * 40),
        is3d ? 2 + Math.floor(random() * 6) : 1,
      ];
      const spacing = [0.3 + random() * 2, 0.3 + random() * 2, 0.5 + random() * 3];
      const a = mask(dims, random, () => t.value(random));
      // Every fourth case compares a mask with itself (the shortcut), others two masks.
      const b = c % 4 === 1 ? a.slice() : mask(dims, random, () => t.value(random));
      const m = compareMasks(a, b, is3d ? dims : [dims[0], dims[1]], is3d ? spacing : spacing.slice(0, 2), {
        pred: t.min,
        truth: t.min,
      });
      if (m.case !== 'both-present') continue;
      compared++;
      const d = referenceDistances(a, b, dims, is3d ? spacing : [spacing[0], spacing[1], 1], t.min, t.min);
      let sum = 0;
      for (const v of d) sum += v;
      assert.equal(m.hd95, percentile(d, 95), `case ${c} hd95`);
      assert.equal(m.assd, sum / d.length, `case ${c} assd`);
      assert.equal(m.hd, d[d.length - 1], `case ${c} hd`);
    }
    assert.ok(compared >= 40, `${compared} cases with both masks present`);
  });
});
