/**
 * The objects (8-connected components) of each mask at the threshold on screen, so the legend's
 * "N instances" and the bounding boxes follow the threshold slider as the area does. Same
 * definition and order as the host's analysis (src/analysis/components.ts: 8-connectivity,
 * largest first, ties in raster order), so at the default 0.5 the viewer counts exactly what
 * the result and the exported report say; a unit test holds the two together. That module needs
 * Node's Buffer, so the webview labels here, over the shown pixels only: each layer's pixels are
 * already sorted by value (layers.ts), so the pixels at a threshold are a prefix of that order
 * and the work is O(shown area), not O(image). Pure: no DOM.
 */
import type { DetectedComponent } from '../src/shared/protocol';
import type { MaskLayer } from './layers';

/** Scratch buffers for one image size, reused across layers and thresholds. */
export class Labeller {
  private readonly marks: Int32Array;
  private stack = new Int32Array(1024);

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.marks = new Int32Array(width * height);
  }

  /** Components of the layer's pixels with value ≥ minByte (256: none), largest first. */
  components(layer: MaskLayer, minByte: number): DetectedComponent[] {
    if (minByte > 255) return [];
    const { order, atLeast } = layer;
    const n = atLeast[minByte];
    const { width, height, marks } = this;
    if (this.stack.length < n) this.stack = new Int32Array(n);
    const stack = this.stack;
    // -1: shown and not yet labelled; 0: not shown (the buffer is all 0 between calls).
    for (let k = 0; k < n; k++) marks[order[k]] = -1;
    const found: (DetectedComponent & { first: number })[] = [];
    for (let k = 0; k < n; k++) {
      const seed = order[k];
      if (marks[seed] !== -1) continue;
      let top = 0;
      stack[top++] = seed;
      marks[seed] = 1;
      let area = 0;
      let sx = 0;
      let sy = 0;
      let first = seed;
      let x0 = width;
      let y0 = height;
      let x1 = -1;
      let y1 = -1;
      while (top > 0) {
        const p = stack[--top];
        const y = (p / width) | 0;
        const x = p - y * width;
        area++;
        sx += x;
        sy += y;
        if (p < first) first = p;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        for (let dy = -1; dy <= 1; dy++) {
          const yy = y + dy;
          if (yy < 0 || yy >= height) continue;
          for (let dx = -1; dx <= 1; dx++) {
            const xx = x + dx;
            if (xx < 0 || xx >= width) continue;
            const q = yy * width + xx;
            if (marks[q] === -1) {
              marks[q] = 1;
              stack[top++] = q;
            }
          }
        }
      }
      found.push({
        bbox: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 },
        area,
        centroid: { x: sx / area, y: sy / area },
        first,
      });
    }
    for (let k = 0; k < n; k++) marks[order[k]] = 0;
    found.sort((a, b) => b.area - a.area || a.first - b.first);
    return found.map(({ first: _first, ...c }) => c);
  }
}

/** Per-layer components, computed once per threshold while the slider moves back and forth. */
export class InstanceCache {
  private readonly cache = new Map<string, DetectedComponent[]>();
  private readonly labeller: Labeller;

  constructor(
    private readonly layers: readonly MaskLayer[],
    width: number,
    height: number,
  ) {
    this.labeller = new Labeller(width, height);
  }

  at(layer: number, minByte: number): DetectedComponent[] {
    const key = `${layer}:${minByte}`;
    let hit = this.cache.get(key);
    if (!hit) {
      // Bounded: a slider sweep visits at most 256 thresholds per layer.
      if (this.cache.size > 2048) this.cache.clear();
      hit = this.labeller.components(this.layers[layer], minByte);
      this.cache.set(key, hit);
    }
    return hit;
  }
}
