import * as assert from 'node:assert/strict';
import { countComponents, volumeFigures } from '../../../src/analysis/volume';

/** Components by union-find over face neighbours: a different algorithm than the code under test. */
function unionFindComponents(mask: Uint8Array, [nx, ny, nz]: [number, number, number]): number {
  const parent = Array.from(mask, (_, i) => i);
  const find = (i: number): number => (parent[i] === i ? i : (parent[i] = find(parent[i])));
  const at = (x: number, y: number, z: number) => x + nx * (y + ny * z);
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++)
      for (let x = 0; x < nx; x++) {
        const i = at(x, y, z);
        if (!mask[i]) continue;
        for (const [dx, dy, dz] of [
          [1, 0, 0],
          [0, 1, 0],
          [0, 0, 1],
        ]) {
          const [a, b, c] = [x + dx, y + dy, z + dz];
          if (a < nx && b < ny && c < nz && mask[at(a, b, c)]) parent[find(i)] = find(at(a, b, c));
        }
      }
  return new Set([...mask.keys()].filter((i) => mask[i]).map(find)).size;
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

describe('volume figures', () => {
  it('counts voxels, mL, slice range and the largest slice of a known shape', () => {
    const dims: [number, number, number] = [5, 4, 6];
    const mask = new Uint8Array(5 * 4 * 6);
    const set = (x: number, y: number, z: number) => (mask[x + 5 * (y + 4 * z)] = 1);
    // A 2×2 column on slices 1–3 plus a third voxel on slice 2; a lone voxel on slice 5.
    for (let z = 1; z <= 3; z++)
      for (const [x, y] of [
        [0, 0],
        [1, 0],
        [0, 1],
        [1, 1],
      ])
        set(x, y, z);
    set(2, 0, 2);
    set(4, 3, 5);
    const f = volumeFigures(mask, { dims, spacing: [0.5, 2, 3] });
    assert.equal(f.voxels, 14);
    assert.equal(f.volumeMl, (14 * 0.5 * 2 * 3) / 1000);
    assert.deepEqual(f.slices, [1, 5]);
    assert.equal(f.components, 2);
    assert.deepEqual(f.largestSlice, { index: 2, voxels: 5, areaMm2: 5 });
  });

  it('joins components across slices only through faces (diagonals stay apart)', () => {
    const dims: [number, number, number] = [3, 3, 2];
    const mask = new Uint8Array(18);
    mask[0] = 1; // (0,0,0)
    mask[9] = 1; // (0,0,1): face neighbour across slices
    mask[4 + 9] = 1; // (1,1,1): diagonal to both
    assert.equal(countComponents(mask, dims), 2);
  });

  it('agrees with union-find on random volumes', () => {
    const random = seeded(7);
    for (let trial = 0; trial < 20; trial++) {
      const dims: [number, number, number] = [
        2 + Math.floor(random() * 9),
        2 + Math.floor(random() * 9),
        1 + Math.floor(random() * 7),
      ];
      const mask = Uint8Array.from({ length: dims[0] * dims[1] * dims[2] }, () =>
        random() < 0.35 ? 255 : 0,
      );
      assert.equal(countComponents(mask, dims), unionFindComponents(mask, dims), `dims ${dims.join('×')}`);
    }
  });

  it('agrees with voxel-by-voxel counting on blob-shaped volumes of any row length and value', () => {
    // Long runs (blobs of a smoothed noise field) in rows of 4k and odd lengths, inside values
    // anywhere in 1…255: the runs are read word by word where rows allow.
    const random = seeded(11);
    for (const dims of [
      [64, 48, 10],
      [37, 23, 9],
      [128, 16, 3],
      [5, 40, 1],
    ] as [number, number, number][]) {
      const [nx, ny, nz] = dims;
      const centres = Array.from({ length: 12 }, () => [
        random() * nx,
        random() * ny,
        random() * nz,
        2 + random() * 9,
      ]);
      const mask = new Uint8Array(nx * ny * nz);
      for (let z = 0; z < nz; z++)
        for (let y = 0; y < ny; y++)
          for (let x = 0; x < nx; x++) {
            const inside = centres.some(
              ([cx, cy, cz, r]) => (x - cx) ** 2 + (y - cy) ** 2 + (2 * (z - cz)) ** 2 < r * r,
            );
            if (inside || random() < 0.02) mask[x + nx * (y + ny * z)] = 1 + Math.floor(random() * 255);
          }
      const f = volumeFigures(mask, { dims, spacing: [1, 1, 1] });
      assert.equal(f.components, unionFindComponents(mask, dims), `components, dims ${dims.join('×')}`);
      const perSlice = Array.from({ length: nz }, (_, z) =>
        mask.subarray(z * nx * ny, (z + 1) * nx * ny).reduce((n, v) => n + (v ? 1 : 0), 0),
      );
      assert.equal(
        f.voxels,
        perSlice.reduce((a, b) => a + b, 0),
      );
      const used = perSlice.flatMap((n, z) => (n ? [z] : []));
      assert.deepEqual(f.slices, [used[0], used[used.length - 1]]);
      const most = Math.max(...perSlice);
      assert.deepEqual(f.largestSlice, { index: perSlice.indexOf(most), voxels: most, areaMm2: most });
    }
  });

  it('reports an empty mask as empty and refuses a mask of the wrong size', () => {
    const empty = volumeFigures(new Uint8Array(8), { dims: [2, 2, 2], spacing: [1, 1, 1] });
    assert.deepEqual(empty, { voxels: 0, volumeMl: 0, slices: null, components: 0, largestSlice: null });
    assert.throws(
      () => volumeFigures(new Uint8Array(7), { dims: [2, 2, 2], spacing: [1, 1, 1] }),
      /7 voxels, expected 2×2×2/,
    );
  });
});
