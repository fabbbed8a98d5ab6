import assert from 'node:assert/strict';
import { LabelCompositor, type DirtyRect } from '../../../webview/compositor';
import { composeLabels, labelColors, paintLayers, prepareLayer } from '../../../webview/layers';
import { colorFor } from '../../../webview/palette';

/** Deterministic pseudo-random numbers in [0, 1). */
function rng(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

/** Probability maps like the model's: a sparse low noise floor plus smooth blobs (some overlapping). */
function masks(count: number, W: number, H: number, rnd: () => number): Uint8Array[] {
  return Array.from({ length: count }, () => {
    const m = new Uint8Array(W * H);
    for (let i = 0; i < m.length; i++) m[i] = rnd() < 0.2 ? 1 + Math.floor(rnd() * 4) : 0;
    for (let b = 0; b < 2; b++) {
      const cx = rnd() * W;
      const cy = rnd() * H;
      const rx = 4 + rnd() * W * 0.3;
      const ry = 4 + rnd() * H * 0.3;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++) {
          const d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2;
          // Quantised a little, so equal values (ties between layers) occur.
          if (d < 1) m[y * W + x] = Math.max(m[y * W + x], 8 * Math.round(31 * (1 - d)) + 7);
        }
    }
    return m;
  });
}

interface Params {
  minByte: number;
  visible: boolean[];
  dimmed: boolean[];
  outlineWidth: number;
}

/** The full, from-scratch repaint the incremental one must always equal. */
function reference(ms: Uint8Array[], W: number, H: number, p: Params) {
  const layers = ms.map(prepareLayer);
  const labels = new Uint8Array(W * H);
  const best = new Uint8Array(W * H);
  const fill = new Uint32Array(W * H);
  const line = new Uint32Array(W * H);
  const span = composeLabels(layers, p.visible, p.minByte, labels, best, W);
  const lut = labelColors(
    ms.map((_, i) => colorFor(i)),
    p.dimmed,
  );
  paintLayers(labels, W, H, lut, p.outlineWidth, span, { from: 0, to: H - 1 }, fill, line);
  return { labels, fill, line };
}

function inside(r: DirtyRect, x: number, y: number): boolean {
  return x >= r.x0 && x <= r.x1 && y >= r.y0 && y <= r.y1;
}

function drive(
  W: number,
  H: number,
  count: number,
  seed: number,
  steps: (rnd: () => number, p: Params) => void,
) {
  const rnd = rng(seed);
  const ms = masks(count, W, H, rnd);
  const fill = new Uint32Array(W * H);
  const line = new Uint32Array(W * H);
  const c = new LabelCompositor(ms.map(prepareLayer), W, H, fill, line);
  const colors = ms.map((_, i) => colorFor(i));
  const p: Params = {
    minByte: 128,
    visible: ms.map(() => true),
    dimmed: ms.map(() => false),
    outlineWidth: 1,
  };
  const kinds = new Set<string>();
  for (let step = 0; step < 120; step++) {
    const beforeFill = fill.slice();
    const beforeLine = line.slice();
    const rect = c.update({ ...p, lut: labelColors(colors, p.dimmed) });
    kinds.add(c.lastKind);
    const ref = reference(ms, W, H, p);
    const where = `step ${step} (minByte ${p.minByte}, visible ${p.visible.map(Number).join('')}, width ${p.outlineWidth})`;
    assert.deepEqual(c.labels, ref.labels, `labels at ${where}`);
    for (let q = 0; q < W * H; q++) {
      if (fill[q] !== ref.fill[q] || line[q] !== ref.line[q])
        assert.fail(`pixel ${q % W},${Math.floor(q / W)} differs from a full repaint at ${where}`);
      if ((fill[q] !== beforeFill[q] || line[q] !== beforeLine[q]) && !inside(rect, q % W, Math.floor(q / W)))
        assert.fail(`pixel ${q % W},${Math.floor(q / W)} changed outside the dirty rectangle at ${where}`);
    }
    steps(rnd, p);
  }
  return kinds;
}

describe('webview incremental mask compositor', () => {
  it('matches a full repaint after every threshold step, toggle, dimming and outline-width change', () => {
    const kinds = drive(61, 47, 6, 11, (rnd, p) => {
      const r = rnd();
      if (r < 0.45) p.minByte = Math.max(1, Math.min(256, p.minByte + Math.round((rnd() - 0.5) * 40)));
      else if (r < 0.6) p.minByte = 1 + Math.floor(rnd() * 256);
      else if (r < 0.85) {
        const i = Math.floor(rnd() * p.visible.length);
        p.visible[i] = !p.visible[i];
        if (rnd() < 0.3) p.visible[(i + 1) % p.visible.length] = rnd() < 0.5;
      } else if (r < 0.93) p.outlineWidth = 1 + Math.floor(rnd() * 4);
      else p.dimmed[Math.floor(rnd() * p.dimmed.length)] = rnd() < 0.5;
    });
    assert.ok(kinds.has('incremental') && kinds.has('full'), [...kinds].join());
  });

  it('matches a full repaint while a slider drags one byte at a time over a larger image', () => {
    let dir = 1;
    drive(160, 120, 4, 5, (rnd, p) => {
      if (p.minByte >= 250 || p.minByte <= 3) dir = -dir;
      p.minByte += dir * (1 + Math.floor(rnd() * 3));
      if (rnd() < 0.05) p.outlineWidth = p.outlineWidth === 1 ? 2 : 1;
    });
  });

  it('repaints only around the pixels a small threshold step moves', () => {
    const W = 200;
    const H = 200;
    // One cone: value falls off with distance from (100, 100).
    const mask = new Uint8Array(W * H);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++)
        mask[y * W + x] = Math.max(0, 255 - Math.round(2 * Math.hypot(x - 100, y - 100)));
    const fill = new Uint32Array(W * H);
    const line = new Uint32Array(W * H);
    const c = new LabelCompositor([prepareLayer(mask)], W, H, fill, line);
    const lut = labelColors([colorFor(0)], [false]);
    c.update({ minByte: 128, visible: [true], lut, outlineWidth: 1 });
    assert.equal(c.lastKind, 'full');
    const rect = c.update({ minByte: 130, visible: [true], lut, outlineWidth: 1 });
    assert.equal(c.lastKind, 'incremental');
    assert.ok(c.changedPixels > 0 && c.changedPixels < 2000, `${c.changedPixels} pixels relabelled`);
    // The ring at radius ≈ 63 px; the rectangle is its bounding box plus the outline.
    assert.ok(rect.x0 >= 100 - 66 && rect.x1 <= 100 + 66 && rect.y0 >= 100 - 66 && rect.y1 <= 100 + 66);
    assert.deepEqual(
      c.update({ minByte: 130, visible: [true], lut, outlineWidth: 1 }).x1,
      -1,
      'no change, no paint',
    );
    assert.equal(c.lastKind, 'none');
  });
});
