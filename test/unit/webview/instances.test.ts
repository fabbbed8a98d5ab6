import assert from 'node:assert/strict';
import { findComponents } from '../../../src/analysis/components';
import { InstanceCache, Labeller } from '../../../webview/instances';
import { minByteFor, prepareLayer } from '../../../webview/layers';

/** A probability map of a few soft blobs on a noise floor, some touching only diagonally. */
function blobs(width: number, height: number, seed: number): Uint8Array {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const m = new Uint8Array(width * height);
  for (let i = 0; i < m.length; i++) m[i] = rnd() < 0.2 ? Math.floor(rnd() * 200) : 0;
  for (let b = 0; b < 5; b++) {
    const cx = rnd() * width;
    const cy = rnd() * height;
    const r = 3 + rnd() * 12;
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const d = Math.hypot(x - cx, y - cy) / r;
        if (d < 1) m[y * width + x] = Math.max(m[y * width + x], Math.round(255 * (1 - d * 0.8)));
      }
  }
  return m;
}

describe('webview instances at the threshold on screen', () => {
  it('are exactly the analysis components (boxes, areas, centroids, order) at every threshold', () => {
    for (const seed of [1, 2, 3]) {
      const [w, h] = [67, 41];
      const mask = blobs(w, h, seed);
      const layer = prepareLayer(mask);
      const labeller = new Labeller(w, h);
      for (const t of [0, 0.1, 0.3, 0.5, 0.62, 0.9, 0.99]) {
        const minByte = minByteFor(t);
        const ours = labeller.components(layer, minByte);
        const theirs = findComponents(mask, w, h, { threshold: minByte - 0.5 }).components;
        assert.deepEqual(ours, theirs, `seed ${seed}, threshold ${t}`);
      }
    }
  });

  it('at threshold 1.00 there is nothing: 0 instances, not the count at 0.5', () => {
    const mask = new Uint8Array(16 * 16);
    for (let i = 0; i < 40; i++) mask[i] = 255; // a full-probability object
    const cache = new InstanceCache([prepareLayer(mask)], 16, 16);
    assert.equal(cache.at(0, minByteFor(0.5)).length, 1);
    assert.equal(cache.at(0, minByteFor(1)).length, 0);
  });

  it('counts follow the threshold: one object at 0.5 splits in two at 0.8', () => {
    const [w, h] = [9, 3];
    // Two strong ends joined by a weaker bridge.
    const mask = new Uint8Array([
      250, 250, 250, 150, 150, 150, 250, 250, 250, 250, 250, 250, 150, 150, 150, 250, 250, 250, 0, 0, 0, 0, 0,
      0, 0, 0, 0,
    ]);
    const cache = new InstanceCache([prepareLayer(mask)], w, h);
    assert.equal(cache.at(0, minByteFor(0.5)).length, 1);
    const split = cache.at(0, minByteFor(0.8));
    assert.deepEqual(
      split.map((c) => c.bbox),
      [
        { x: 0, y: 0, width: 3, height: 2 },
        { x: 6, y: 0, width: 3, height: 2 },
      ],
    );
  });
});
