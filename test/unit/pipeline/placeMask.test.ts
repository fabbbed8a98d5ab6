import * as assert from 'node:assert/strict';
import { placeMask } from '../../../src/pipeline/parseVolume';

/** The rule placeMask implements, one voxel at a time: above 127.5 → marked, labelled if most probable. */
function plainPlace(
  onGrid: Uint8Array,
  base: number,
  label: number,
  mask: Uint8Array,
  best: Uint8Array,
  labels: Uint8Array,
): boolean {
  let found = false;
  for (let p = 0; p < onGrid.length; p++) {
    const v = onGrid[p];
    if (v > 127.5) {
      found = true;
      mask[base + p] = 1;
      if (v > best[base + p]) {
        best[base + p] = v;
        labels[base + p] = label;
      }
    }
  }
  return found;
}

/** Deterministic masks with background, solid targets (runs of one value) and noisy edges. */
function patchyMask(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0 || 1;
  const next = () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  for (let p = 0; p < length;) {
    const run = 1 + (next() % 23);
    const kind = next() % 4;
    const level = next() & 255;
    for (let k = 0; k < run && p < length; k++, p++)
      out[p] = kind === 0 ? 0 : kind === 1 ? 255 : kind === 2 ? level : next() & 255;
  }
  return out;
}

describe('placeMask (slice masks onto the volume grid)', () => {
  for (const [length, base] of [
    [512 * 512, 3 * 512 * 512],
    [37 * 11, 2 * 37 * 11], // odd plane: unaligned slices, the per-value path
    [64, 0],
  ]) {
    it(`equals the per-voxel rule for overlapping targets on a ${length}-voxel plane at ${base}`, () => {
      const size = base + length + 5;
      const fast = {
        mask: [new Uint8Array(size), new Uint8Array(size), new Uint8Array(size)],
        best: new Uint8Array(length), // the slice's plane
        labels: new Uint8Array(size),
      };
      const plain = {
        mask: [new Uint8Array(size), new Uint8Array(size), new Uint8Array(size)],
        best: new Uint8Array(size),
        labels: new Uint8Array(size),
      };
      // Labels beyond 255 wrap as the byte store does; an empty mask finds nothing.
      for (const [t, label] of [
        [0, 1],
        [1, 2],
        [2, 258],
      ]) {
        const onGrid = t === 2 ? new Uint8Array(length) : patchyMask(length, length * 7 + t);
        if (t === 2) onGrid.set(patchyMask(length >> 1, 99));
        const a = placeMask(onGrid, base, label, fast.mask[t], fast.best, fast.labels);
        const b = plainPlace(onGrid, base, label, plain.mask[t], plain.best, plain.labels);
        assert.equal(a, b);
      }
      for (let t = 0; t < 3; t++)
        assert.ok(Buffer.from(fast.mask[t]).equals(Buffer.from(plain.mask[t])), `mask ${t}`);
      assert.ok(Buffer.from(fast.best).equals(Buffer.from(plain.best.subarray(base, base + length))), 'best');
      assert.ok(Buffer.from(fast.labels).equals(Buffer.from(plain.labels)), 'labels');
      assert.ok(fast.labels.includes(2) && fast.labels.includes(258 & 255));
    });
  }

  it('finds nothing in an all-background mask and leaves the grid untouched', () => {
    const grid = { mask: new Uint8Array(1024), best: new Uint8Array(1024), labels: new Uint8Array(1024) };
    assert.equal(placeMask(new Uint8Array(1024).fill(127), 0, 1, grid.mask, grid.best, grid.labels), false);
    assert.ok(grid.mask.every((v) => v === 0) && grid.labels.every((v) => v === 0));
  });
});
