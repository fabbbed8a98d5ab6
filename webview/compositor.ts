/**
 * Incremental mask compositing on the CPU: keeps the label buffer (which target owns each pixel)
 * and the fill/outline pixel buffers in step with the threshold and visibility, touching only the
 * pixels whose owner changes. A threshold step visits just the pixels whose probability lies
 * between the old and the new threshold (each layer's pixels are already sorted by value, see
 * `prepareLayer`); showing a target visits its shown pixels, hiding one re-decides the pixels it
 * owned. Outlines are repainted only in the rows and columns around changed pixels. The result is
 * always identical to a full `composeLabels` + `paintLayers`, which is still used for the first
 * paint and when colours (dimming) or the outline width change. Pure typed-array code, no DOM.
 */
import { composeLabels, paintLayers, paintRow, type MaskLayer, type RowSpan } from './layers';

/** A pixel rectangle, inclusive; empty when x1 < x0. */
export interface DirtyRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const EMPTY_RECT: Readonly<DirtyRect> = Object.freeze({ x0: 0, y0: 0, x1: -1, y1: -1 });

export interface CompositorParams {
  minByte: number;
  visible: readonly boolean[];
  /** Per-label colours (see `labelColors`); compared by content. */
  lut: Uint32Array;
  outlineWidth: number;
}

/** How the last update ran, for the benchmark. */
export type UpdateKind = 'none' | 'full' | 'incremental';

export class LabelCompositor {
  /** 1 + index of the layer drawn at each pixel, 0 where none. */
  readonly labels: Uint8Array;
  /** The owner's mask value at each pixel (0 where none). */
  readonly best: Uint8Array;
  /** Pixels relabelled by the last update. */
  changedPixels = 0;
  lastKind: UpdateKind = 'none';
  private minByte = -1;
  private visible: boolean[] = [];
  private readonly lut = new Uint32Array(256);
  private outlineWidth = 0;
  /** Rows that may hold painted pixels, so a full repaint clears only those. */
  private painted: RowSpan = { from: 1, to: 0 };
  /** Per row: leftmost and rightmost relabelled column (width / -1 between updates). */
  private readonly rowLo: Int32Array;
  private readonly rowHi: Int32Array;
  /** Per row: the columns to repaint (scratch). */
  private readonly bandLo: Int32Array;
  private readonly bandHi: Int32Array;
  /** Relabelled pixels of the current update, `changedPixels` of them (a pixel may repeat). */
  private changed: Int32Array;
  /** Milliseconds of the last update: relabelling, repainting. */
  times = { labels: 0, paint: 0 };

  constructor(
    readonly layers: readonly MaskLayer[],
    readonly width: number,
    readonly height: number,
    /** Output buffers (ImageData-packed RGBA), written in place. */
    readonly fill: Uint32Array,
    readonly line: Uint32Array,
  ) {
    this.labels = new Uint8Array(width * height);
    this.best = new Uint8Array(width * height);
    this.rowLo = new Int32Array(height).fill(width);
    this.rowHi = new Int32Array(height).fill(-1);
    this.bandLo = new Int32Array(height);
    this.bandHi = new Int32Array(height);
    this.changed = new Int32Array(Math.max(1024, (width * height) >> 4));
  }

  /** Brings labels and pixels up to `p`; returns the rectangle whose pixels changed. */
  update(p: CompositorParams): DirtyRect {
    const count = Math.min(this.layers.length, 255);
    const width = Math.max(1, Math.min(4, Math.round(p.outlineWidth)));
    const minByte = Math.min(256, Math.max(1, p.minByte));
    if (this.minByte < 0 || width !== this.outlineWidth || !sameLut(this.lut, p.lut)) {
      return this.full(p.visible, minByte, p.lut, width);
    }
    const t0 = performance.now();
    // Past a point relabelling pixel by pixel costs more than composing from scratch (a jump
    // across the whole threshold range relabels most of the shown area).
    if (this.incrementalWork(p.visible, minByte) > this.fullWork(p.visible, minByte) / 2) {
      return this.full(p.visible, minByte, p.lut, width);
    }
    let n = 0;
    // Visibility first, at the old threshold; then the threshold for the new visible set.
    for (let i = 0; i < count; i++) {
      const v = !!p.visible[i];
      if (v === this.visible[i]) continue;
      this.visible[i] = v;
      n = v ? this.addRange(i, this.minByte, 256, n) : this.hide(i, n);
    }
    const from = this.minByte;
    if (minByte < from) {
      for (let i = 0; i < count; i++) if (this.visible[i]) n = this.addRange(i, minByte, from, n);
    } else if (minByte > from) {
      for (let i = 0; i < count; i++) if (this.visible[i]) n = this.dropRange(i, from, minByte, n);
    }
    this.minByte = minByte;
    this.changedPixels = n;
    this.lastKind = n > 0 ? 'incremental' : 'none';
    const t1 = performance.now();
    const rect = this.repaintChanged(n);
    this.times = { labels: t1 - t0, paint: performance.now() - t1 };
    return rect;
  }

  /** Mask entries an incremental update would visit. */
  private incrementalWork(visible: readonly boolean[], minByte: number): number {
    let work = 0;
    const lo = Math.min(minByte, this.minByte);
    const hi = Math.max(minByte, this.minByte);
    for (let i = 0; i < this.visible.length; i++) {
      const { atLeast } = this.layers[i];
      const v = !!visible[i];
      if (v !== this.visible[i]) work += atLeast[this.minByte] * (v ? 1 : 4);
      if (v || this.visible[i]) work += atLeast[lo] - atLeast[hi];
    }
    return work;
  }

  /** Mask entries a full compose would visit. */
  private fullWork(visible: readonly boolean[], minByte: number): number {
    let work = 0;
    for (let i = 0; i < this.visible.length; i++) if (visible[i]) work += this.layers[i].atLeast[minByte];
    return work + (this.width * this.height) / 4;
  }

  private full(
    visible: readonly boolean[],
    minByte: number,
    lut: Uint32Array,
    outlineWidth: number,
  ): DirtyRect {
    const t0 = performance.now();
    const count = Math.min(this.layers.length, 255);
    this.visible = Array.from({ length: count }, (_, i) => !!visible[i]);
    this.minByte = minByte;
    this.outlineWidth = outlineWidth;
    this.lut.set(lut);
    const span = composeLabels(this.layers, this.visible, minByte, this.labels, this.best, this.width);
    const t1 = performance.now();
    const old = this.painted;
    paintLayers(
      this.labels,
      this.width,
      this.height,
      this.lut,
      outlineWidth,
      span,
      old,
      this.fill,
      this.line,
    );
    this.painted = span;
    this.changedPixels = this.width * this.height;
    this.lastKind = 'full';
    this.times = { labels: t1 - t0, paint: performance.now() - t1 };
    const from =
      old.to < old.from ? span.from : span.to < span.from ? old.from : Math.min(old.from, span.from);
    const to = old.to < old.from ? span.to : span.to < span.from ? old.to : Math.max(old.to, span.to);
    return to < from ? { ...EMPTY_RECT } : { x0: 0, y0: from, x1: this.width - 1, y1: to };
  }

  /** Room for `more` entries after the first `n` of the change list. */
  private reserve(n: number, more: number): Int32Array {
    if (n + more > this.changed.length) {
      const grown = new Int32Array(Math.max(n + more, this.changed.length * 2));
      grown.set(this.changed.subarray(0, n));
      this.changed = grown;
    }
    return this.changed;
  }

  /** Offers layer i's pixels with values in [from, to) to the pixels they fall on. */
  private addRange(i: number, from: number, to: number, n: number): number {
    if (from > 255) return n;
    const { order, atLeast } = this.layers[i];
    const { labels, best } = this;
    const changed = this.reserve(n, atLeast[from] - atLeast[Math.min(256, to)]);
    const label = i + 1;
    for (let v = Math.min(255, to - 1); v >= from; v--) {
      const end = atLeast[v];
      for (let k = atLeast[v + 1]; k < end; k++) {
        const q = order[k];
        const b = best[q];
        // Highest value wins; ties go to the earlier layer (as in composeLabels).
        if (v > b || (v === b && labels[q] > label)) {
          best[q] = v;
          labels[q] = label;
          changed[n++] = q;
        }
      }
    }
    return n;
  }

  /**
   * Threshold raised from `from` to `to`: pixels owned by layer i with a value below `to` go
   * empty, since the owner holds the highest value there, no other layer can still show.
   */
  private dropRange(i: number, from: number, to: number, n: number): number {
    const { order, atLeast } = this.layers[i];
    const { labels, best } = this;
    const label = i + 1;
    const start = atLeast[Math.min(256, to)];
    const end = atLeast[from];
    const changed = this.reserve(n, end - start);
    for (let k = start; k < end; k++) {
      const q = order[k];
      if (labels[q] === label) {
        labels[q] = 0;
        best[q] = 0;
        changed[n++] = q;
      }
    }
    return n;
  }

  /** Layer i was hidden: its pixels go to the best other visible layer, or to none. */
  private hide(i: number, n: number): number {
    if (this.minByte > 255) return n;
    const { order, atLeast } = this.layers[i];
    const { labels, best, layers, visible, minByte } = this;
    const label = i + 1;
    const end = atLeast[minByte];
    const changed = this.reserve(n, end);
    for (let k = 0; k < end; k++) {
      const q = order[k];
      if (labels[q] !== label) continue;
      let bv = 0;
      let bl = 0;
      for (let j = 0; j < visible.length; j++) {
        if (!visible[j]) continue;
        const v = layers[j].mask[q];
        if (v >= minByte && v > bv) {
          bv = v;
          bl = j + 1;
        }
      }
      labels[q] = bl;
      best[q] = bv;
      changed[n++] = q;
    }
    return n;
  }

  /**
   * Repaints what the `n` relabelled pixels can affect: an outline depends on labels at most the
   * outline width away along the row and the column. Either per changed pixel (its row segment
   * and its column neighbours; cheap for the thin rings a threshold step moves) or, when changes
   * crowd together, by rows: in every row within the outline width of a changed row, the columns
   * within the outline width of that row band's changes.
   */
  private repaintChanged(n: number): DirtyRect {
    if (n === 0) return { ...EMPTY_RECT };
    const { width, height, labels, lut, fill, line, changed, outlineWidth: w } = this;
    const lo = this.rowLo;
    const hi = this.rowHi;
    let yMin = height;
    let yMax = -1;
    for (let k = 0; k < n; k++) {
      const q = changed[k];
      const y = (q / width) | 0;
      const x = q - y * width;
      if (x < lo[y]) lo[y] = x;
      if (x > hi[y]) hi[y] = x;
      if (y < yMin) yMin = y;
      if (y > yMax) yMax = y;
    }
    const yFrom = Math.max(0, yMin - w);
    const yTo = Math.min(height - 1, yMax + w);
    const a = this.bandLo;
    const b = this.bandHi;
    let area = 0;
    for (let y = yFrom; y <= yTo; y++) {
      let l = width;
      let h = -1;
      for (let d = Math.max(yMin, y - w); d <= Math.min(yMax, y + w); d++) {
        if (lo[d] < l) l = lo[d];
        if (hi[d] > h) h = hi[d];
      }
      a[y] = h < 0 ? 0 : Math.max(0, l - w);
      b[y] = h < 0 ? -1 : Math.min(width - 1, h + w);
      area += b[y] - a[y] + 1;
    }
    lo.fill(width, yMin, yMax + 1);
    hi.fill(-1, yMin, yMax + 1);
    const p = this.painted;
    this.painted =
      p.to < p.from ? { from: yFrom, to: yTo } : { from: Math.min(p.from, yFrom), to: Math.max(p.to, yTo) };
    let xLo = width;
    let xHi = -1;
    for (let y = yFrom; y <= yTo; y++) {
      if (b[y] < a[y]) continue;
      if (a[y] < xLo) xLo = a[y];
      if (b[y] > xHi) xHi = b[y];
    }
    const rect = { x0: xLo, y0: yFrom, x1: xHi, y1: yTo };
    // Per pixel: 4w+1 pixel visits through 2w+1 calls; by rows: the band area.
    if (n * (6 * w + 3) >= area) {
      for (let y = yFrom; y <= yTo; y++)
        if (b[y] >= a[y]) paintRow(labels, width, height, lut, w, y, a[y], b[y], fill, line);
      return rect;
    }
    for (let k = 0; k < n; k++) {
      const q = changed[k];
      const y = (q / width) | 0;
      const x = q - y * width;
      paintRow(labels, width, height, lut, w, y, Math.max(0, x - w), Math.min(width - 1, x + w), fill, line);
      for (let d = 1; d <= w; d++) {
        if (y - d >= 0) paintRow(labels, width, height, lut, w, y - d, x, x, fill, line);
        if (y + d < height) paintRow(labels, width, height, lut, w, y + d, x, x, fill, line);
      }
    }
    return rect;
  }
}

function sameLut(a: Uint32Array, b: Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
