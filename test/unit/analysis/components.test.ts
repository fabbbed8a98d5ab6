import assert from 'node:assert/strict';
import { findComponents } from '../../../src/analysis/components';

/** Draws a mask from rows of characters: '#' = 255, '+' = 128, '-' = 127, '.' = 0. */
function draw(rows: string[]): { mask: Uint8Array; width: number; height: number } {
  const width = rows[0].length;
  const height = rows.length;
  const value: Record<string, number> = { '#': 255, '+': 128, '-': 127, '.': 0 };
  const mask = new Uint8Array(width * height);
  rows.forEach((r, y) => [...r].forEach((ch, x) => (mask[y * width + x] = value[ch])));
  return { mask, width, height };
}

/** Straightforward flood fill, the independent reference for random masks. */
function floodFill(mask: Uint8Array, width: number, height: number, threshold: number) {
  const seen = new Uint8Array(mask.length);
  const comps: {
    area: number;
    minX: number;
    minY: number;
    maxX: number;
    maxY: number;
    sx: number;
    sy: number;
  }[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (seen[start] || !(mask[start] > threshold)) continue;
    const c = { area: 0, minX: width, minY: height, maxX: -1, maxY: -1, sx: 0, sy: 0 };
    const stack = [start];
    seen[start] = 1;
    while (stack.length) {
      const i = stack.pop()!;
      const x = i % width;
      const y = (i - x) / width;
      c.area++;
      c.sx += x;
      c.sy += y;
      c.minX = Math.min(c.minX, x);
      c.maxX = Math.max(c.maxX, x);
      c.minY = Math.min(c.minY, y);
      c.maxY = Math.max(c.maxY, y);
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          const j = ny * width + nx;
          if (!seen[j] && mask[j] > threshold) {
            seen[j] = 1;
            stack.push(j);
          }
        }
      }
    }
    comps.push(c);
  }
  return comps;
}

describe('analysis: connected components', () => {
  it('finds 8-connected objects with box, area, centroid (diagonal contact joins)', () => {
    const { mask, width, height } = draw([
      '##......',
      '##......',
      '..#...#.',
      '.....###',
      '........',
      '#.......',
    ]);
    const r = findComponents(mask, width, height);
    assert.equal(r.count, 3);
    assert.equal(r.totalArea, 10);
    // Largest first: the 2×2 block joined diagonally to (2,2) is 5 pixels, the L shape 4, the dot 1.
    assert.deepEqual(r.components[0].bbox, { x: 0, y: 0, width: 3, height: 3 });
    assert.equal(r.components[0].area, 5);
    assert.deepEqual(r.components[0].centroid, { x: 4 / 5, y: 4 / 5 });
    assert.deepEqual(r.components[1].bbox, { x: 5, y: 2, width: 3, height: 2 });
    assert.equal(r.components[1].area, 4);
    assert.deepEqual(r.components[2], {
      bbox: { x: 0, y: 5, width: 1, height: 1 },
      area: 1,
      centroid: { x: 0, y: 5 },
    });
    assert.equal(r.components[0].areaMm2, undefined);
  });

  it('joins shapes that only meet through the NE neighbour (a U opening upwards)', () => {
    const { mask, width, height } = draw(['#...#', '.#.#.', '..#..']);
    assert.equal(findComponents(mask, width, height).count, 1);
  });

  it('thresholds at 127.5 by default (≥ 128 is in) and takes a parameter', () => {
    const { mask, width, height } = draw(['+-+', '---', '+..']);
    assert.equal(findComponents(mask, width, height).totalArea, 3);
    assert.equal(findComponents(mask, width, height).count, 3);
    assert.equal(findComponents(mask, width, height, { threshold: 126 }).count, 1);
    assert.equal(findComponents(mask, width, height, { threshold: 200 }).count, 0);
  });

  it('reports mm² from [row, column] pixel spacing', () => {
    const { mask, width, height } = draw(['##.', '##.', '...']);
    const r = findComponents(mask, width, height, { pixelSpacing: [0.5, 0.25] });
    assert.equal(r.components[0].areaMm2, 4 * 0.125);
    assert.equal(r.totalAreaMm2, 0.5);
  });

  it('agrees with a flood fill on random masks', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let trial = 0; trial < 30; trial++) {
      const width = 1 + Math.floor(rand() * 60);
      const height = 1 + Math.floor(rand() * 60);
      const density = rand();
      const mask = new Uint8Array(width * height).map(() => (rand() < density ? 200 : 10));
      const got = findComponents(mask, width, height);
      const want = floodFill(mask, width, height, 127.5);
      assert.equal(got.count, want.length, `trial ${trial}`);
      const key = (c: { area: number; x: number; y: number; w: number; h: number; cx: number; cy: number }) =>
        `${c.area}:${c.x},${c.y},${c.w},${c.h}:${c.cx.toFixed(9)},${c.cy.toFixed(9)}`;
      const a = got.components
        .map((c) =>
          key({
            area: c.area,
            x: c.bbox.x,
            y: c.bbox.y,
            w: c.bbox.width,
            h: c.bbox.height,
            cx: c.centroid.x,
            cy: c.centroid.y,
          }),
        )
        .sort();
      const b = want
        .map((c) =>
          key({
            area: c.area,
            x: c.minX,
            y: c.minY,
            w: c.maxX - c.minX + 1,
            h: c.maxY - c.minY + 1,
            cx: c.sx / c.area,
            cy: c.sy / c.area,
          }),
        )
        .sort();
      assert.deepEqual(a, b, `trial ${trial}`);
    }
  });

  it('handles a full 1024² mask and a worst-case checkerboard of isolated pixels', () => {
    const n = 1024;
    const full = new Uint8Array(n * n).fill(255);
    const r = findComponents(full, n, n);
    assert.equal(r.count, 1);
    assert.equal(r.components[0].area, n * n);
    const dots = new Uint8Array(n * n);
    for (let y = 0; y < n; y += 2) for (let x = 0; x < n; x += 2) dots[y * n + x] = 255;
    assert.equal(findComponents(dots, n, n).count, (n / 2) * (n / 2));
  });

  it('rejects a mask whose size does not match', () => {
    assert.throws(() => findComponents(new Uint8Array(10), 4, 4), /10 values, expected 4×4/);
    assert.throws(() => findComponents(new Uint8Array(0), 0, 0), /invalid mask size/);
  });
});
