import assert from 'node:assert/strict';
import { compareMasks, distancesTo, percentile, surface } from '../../../src/analysis/metrics';
import { findScipyPython, scipyMetrics } from '../../support/scipyMetrics';

/** A w×h mask from rows of '#' (inside) and '.' (outside). */
function mask(rows: string[]): { data: Uint8Array; dims: [number, number] } {
  const w = rows[0].length;
  return {
    data: Uint8Array.from(rows.join('').split(''), (c) => (c === '#' ? 1 : 0)),
    dims: [w, rows.length],
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A blobby mask: a few overlapping ellipses / ellipsoids at random places. */
function blobs(dims: readonly number[], random: () => number, count: number): Uint8Array {
  const [nx, ny, nz = 1] = dims;
  const out = new Uint8Array(nx * ny * nz);
  for (let b = 0; b < count; b++) {
    const c = [random() * nx, random() * ny, random() * nz];
    const r = [2 + random() * nx * 0.3, 2 + random() * ny * 0.3, 1 + random() * nz * 0.4];
    for (let z = 0, i = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++, i++) {
          const q =
            ((x - c[0]) / r[0]) ** 2 + ((y - c[1]) / r[1]) ** 2 + (nz > 1 ? ((z - c[2]) / r[2]) ** 2 : 0);
          if (q <= 1) out[i] = 1;
        }
  }
  return out;
}

describe('analysis: segmentation metrics', () => {
  it('computes overlap and surface distances of a hand-worked 2D case', () => {
    // Truth: a 3×3 square; prediction: the same square shifted one column right.
    const truth = mask(['......', '.###..', '.###..', '.###..', '......']);
    const pred = mask(['......', '..###.', '..###.', '..###.', '......']);
    const m = compareMasks(pred.data, truth.data, truth.dims);
    assert.equal(m.case, 'both-present');
    assert.deepEqual([m.tp, m.fp, m.fn], [6, 3, 3]);
    assert.equal(m.dice, 12 / 18);
    assert.equal(m.iou, 6 / 12);
    assert.equal(m.sensitivity, 6 / 9);
    assert.equal(m.precision, 6 / 9);
    // Each square's surface is its 8 border pixels. Prediction → truth: its 4 pixels in columns
    // 2–3 of rows 1 and 3 lie on the truth's surface (0); (2,2) is the truth's centre and the
    // three in column 4 are one column from the truth's, so 1. Truth → prediction is the mirror.
    const d = [0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1];
    assert.equal(m.assd, d.reduce((a, b) => a + b) / d.length);
    assert.equal(m.hd95, 1);
    assert.equal(m.hd, 1);
    assert.equal(m.distanceUnit, 'pixel');
    assert.equal(m.sizeDiff, 0);
    assert.equal(m.relativeSizeDiff, 0);
  });

  it('scales distances and sizes by anisotropic spacing', () => {
    // Single pixels 3 columns and 4 rows apart: distance √((3·2)² + (4·0.5)²) = √40 mm.
    const truth = mask(['#....', '.....', '.....', '.....', '.....']);
    const pred = mask(['.....', '.....', '.....', '.....', '...#.']);
    const m = compareMasks(pred.data, truth.data, truth.dims, [2, 0.5]);
    assert.equal(m.distanceUnit, 'mm');
    assert.ok(Math.abs(m.hd95! - Math.sqrt(40)) < 1e-12);
    assert.ok(Math.abs(m.assd! - Math.sqrt(40)) < 1e-12);
    assert.equal(m.dice, 0);
    assert.equal(m.predSize, 1);
    assert.equal(m.truthSize, 1);
  });

  it('defines the empty cases, never NaN', () => {
    const empty = mask(['....', '....']);
    const some = mask(['.##.', '....']);
    const both = compareMasks(empty.data, empty.data, empty.dims);
    assert.deepEqual(
      [both.case, both.dice, both.iou, both.sensitivity, both.precision, both.hd95, both.assd],
      ['both-empty', 1, 1, 1, 1, 0, 0],
    );
    const fp = compareMasks(some.data, empty.data, empty.dims);
    assert.deepEqual(
      [fp.case, fp.dice, fp.iou, fp.sensitivity, fp.precision, fp.hd95, fp.assd, fp.relativeSizeDiff],
      ['truth-empty', 0, 0, null, 0, null, null, null],
    );
    const fn = compareMasks(empty.data, some.data, empty.dims, [1, 1]);
    assert.deepEqual(
      [fn.case, fn.dice, fn.iou, fn.sensitivity, fn.precision, fn.hd95, fn.assd, fn.relativeSizeDiff],
      ['pred-empty', 0, 0, 0, null, null, null, -1],
    );
    for (const m of [both, fp, fn])
      for (const v of Object.values(m)) assert.ok(!(typeof v === 'number' && !Number.isFinite(v)), String(v));
  });

  it('compares probability maps from a threshold as their binary copies', () => {
    const random = rng(3);
    const dims = [40, 30] as const;
    const pred = Uint8Array.from({ length: 1200 }, (_, i) =>
      i % 40 > 10 && i % 40 < 25 ? 100 + random() * 155 : random() * 140,
    );
    const truth = blobs(dims, random, 2).map((v) => v * 255);
    const binary = compareMasks(
      pred.map((v) => (v >= 128 ? 1 : 0)),
      truth.map((v) => (v ? 1 : 0)),
      dims,
      [0.5, 2],
    );
    assert.deepEqual(compareMasks(pred, truth, dims, [0.5, 2], { pred: 128, truth: 128 }), binary);
    assert.notDeepEqual(
      compareMasks(pred, truth, dims, [0.5, 2]),
      binary,
      'any non-zero value is inside by default',
    );
  });

  it('refuses masks that do not fit the grid or a spacing that does not fit it', () => {
    assert.throws(() => compareMasks(new Uint8Array(6), new Uint8Array(8), [2, 4]), /6 and 8 values/);
    assert.throws(() => compareMasks(new Uint8Array(8), new Uint8Array(8), [2, 4], [1, 0]), /spacing/);
  });

  it('takes the surface as mask XOR erosion, image edges included', () => {
    const m = mask(['###', '###', '###']);
    assert.deepEqual([...surface(m.data, [3, 3, 1])], [0, 1, 2, 3, 5, 6, 7, 8]);
    const vol = new Uint8Array(27).fill(1);
    assert.equal(surface(vol, [3, 3, 3]).length, 26);
  });

  for (const dims of [
    [13, 9, 6],
    [17, 11, 1],
  ] as const) {
    it(`gives exact distances against brute force, anisotropic spacing, ${dims.join('×')}`, () => {
      const random = rng(7);
      const spacing = [0.7, 1.3, 2.5];
      const n = dims[0] * dims[1] * dims[2];
      const features = Int32Array.from({ length: 6 }, () => Math.floor(random() * n));
      const queries = Int32Array.from({ length: n }, (_, i) => i);
      const got = distancesTo(features, queries, dims, spacing);
      const at = (i: number) => [
        i % dims[0],
        Math.floor(i / dims[0]) % dims[1],
        Math.floor(i / (dims[0] * dims[1])),
      ];
      for (let i = 0; i < n; i++) {
        const p = at(i);
        let best = Infinity;
        for (const f of features) {
          const q = at(f);
          best = Math.min(
            best,
            p.reduce((s, v, k) => s + ((v - q[k]) * spacing[k]) ** 2, 0),
          );
        }
        assert.ok(Math.abs(got[i] - Math.sqrt(best)) < 1e-9, `voxel ${i}: ${got[i]} vs ${Math.sqrt(best)}`);
      }
    });
  }

  it('uses numpy’s linear interpolation for percentiles', () => {
    assert.ok(Math.abs(percentile([1, 2, 3, 4], 95) - 3.85) < 1e-12);
    assert.equal(percentile([5], 95), 5);
  });

  describe('against scipy.ndimage', function () {
    const python = findScipyPython();
    before(function () {
      if (!python) this.skip(); // scripts/vscode-server.mjs installs python3-scipy for `npm test`
    });

    it('agrees on random 2D and 3D masks with anisotropic spacing', () => {
      const random = rng(42);
      const cases: { pred: Uint8Array; truth: Uint8Array; dims: number[]; spacing: number[] }[] = [];
      for (let c = 0; c < 24; c++) {
        const is3d = c % 3 === 2;
        const dims = is3d
          ? [20 + Math.floor(random() * 30), 15 + Math.floor(random() * 30), 5 + Math.floor(random() * 10)]
          : [30 + Math.floor(random() * 100), 20 + Math.floor(random() * 100)];
        const spacing = dims.map(() => (c % 4 === 0 ? 1 : 0.3 + random() * 3));
        cases.push({ pred: blobs(dims, random, 3), truth: blobs(dims, random, 3), dims, spacing });
      }
      const usable = cases.filter((c) => c.pred.some((v) => v) && c.truth.some((v) => v));
      assert.ok(usable.length >= 20);
      const reference = scipyMetrics(python!, usable);
      usable.forEach((c, i) => {
        const m = compareMasks(c.pred, c.truth, c.dims as [number, number], c.spacing);
        const r = reference[i];
        assert.deepEqual([m.tp, m.fp, m.fn], [r.tp, r.fp, r.fn], `case ${i}`);
        for (const key of ['dice', 'iou', 'hd95', 'assd', 'hd'] as const)
          assert.ok(Math.abs((m[key] as number) - r[key]) < 1e-9, `case ${i} ${key}: ${m[key]} vs ${r[key]}`);
      });
    });
  });
});
