/**
 * Mask layers, precomputed so that repainting after a threshold, visibility or opacity change
 * touches only what it must. Each mask's non-zero pixels are counting-sorted by probability
 * (descending) once; the pixels above any threshold are then a prefix of that order, so
 * composing costs O(shown area) instead of O(targets × image). Pure typed-array code: no DOM,
 * unit-tested under Node.
 */
import type { Rgb } from './palette';

export interface MaskLayer {
  mask: Uint8Array;
  /** Indices of non-zero pixels, highest probability first. */
  order: Uint32Array;
  /** atLeast[v] = number of pixels with value ≥ v, for v in 1..256 (atLeast[256] = 0). */
  atLeast: Uint32Array;
}

export type MaskStyle = 'fill' | 'outline' | 'both';

/** How many source pixels deep outlines are at a zoom, so they stay visible when shrunk. */
export function outlineWidthFor(scale: number): number {
  return scale >= 1 ? 1 : Math.min(4, Math.ceil(1 / scale - 1e-9));
}

export function prepareLayer(mask: Uint8Array): MaskLayer {
  const hist = new Uint32Array(256);
  for (let i = 0; i < mask.length; i++) hist[mask[i]]++;
  const atLeast = new Uint32Array(257);
  for (let v = 255; v >= 1; v--) atLeast[v] = atLeast[v + 1] + hist[v];
  // Write position for value v: all pixels of higher values come first.
  const next = new Uint32Array(257);
  for (let v = 255; v >= 1; v--) next[v] = atLeast[v + 1];
  const order = new Uint32Array(atLeast[1]);
  for (let i = 0; i < mask.length; i++) {
    const v = mask[i];
    if (v !== 0) order[next[v]++] = i;
  }
  return { mask, order, atLeast };
}

/**
 * Smallest mask byte shown at a probability threshold: a pixel is in the mask when
 * value/255 > threshold, so 0.5 (127.5/255) shows values ≥ 128, as the reference does.
 * Returns 256 (nothing) for threshold ≥ 1.
 */
export function minByteFor(threshold: number): number {
  if (!(threshold >= 0)) return 1;
  return Math.min(256, Math.max(1, Math.floor(threshold * 255 + 1e-9) + 1));
}

/** Pixels shown for a layer at a threshold. */
export function shownArea(layer: MaskLayer, minByte: number): number {
  return minByte > 255 ? 0 : layer.atLeast[minByte];
}

/** Rows that hold any label after `composeLabels` (inclusive); from > to when none. */
export interface RowSpan {
  from: number;
  to: number;
}

/**
 * Fills `labels` with 1 + the index of the visible layer with the highest probability at each
 * pixel above the threshold (0 where none); `best` is scratch of the same size. Ties go to the
 * earlier layer. Walks each layer's value buckets from 255 down, so no mask reads are needed.
 * Returns the span of rows touched, so painting can skip empty rows.
 */
export function composeLabels(
  layers: readonly MaskLayer[],
  visible: readonly boolean[],
  minByte: number,
  labels: Uint8Array,
  best: Uint8Array,
  width = labels.length,
): RowSpan {
  labels.fill(0);
  best.fill(0);
  let lo = labels.length;
  let hi = -1;
  if (minByte > 255) return { from: 1, to: 0 };
  for (let i = 0; i < layers.length && i < 255; i++) {
    if (!visible[i]) continue;
    const { order, atLeast } = layers[i];
    const label = i + 1;
    for (let v = 255; v >= minByte; v--) {
      const end = atLeast[v];
      for (let k = atLeast[v + 1]; k < end; k++) {
        const idx = order[k];
        if (v > best[idx]) {
          best[idx] = v;
          labels[idx] = label;
        }
      }
    }
    // Each bucket is in ascending pixel order (the counting sort is stable): ends are extremes.
    const n = atLeast[minByte];
    if (n > 0) {
      for (let v = 255; v >= minByte; v--) {
        if (atLeast[v] > atLeast[v + 1]) {
          const a = order[atLeast[v + 1]];
          const b = order[atLeast[v] - 1];
          if (a < lo) lo = a;
          if (b > hi) hi = b;
        }
      }
    }
  }
  return hi < 0 ? { from: 1, to: 0 } : { from: Math.floor(lo / width), to: Math.floor(hi / width) };
}

/** Packs RGBA into the little-endian uint32 layout of ImageData. */
export function packRgba(r: number, g: number, b: number, a: number): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/**
 * Fill alpha of a likely-absent ("dimmed") target, and the tag paintRow knows it by: such a
 * target is drawn lighter but still plainly there (at the default opacity about 0.28 against
 * 0.45: the main pathology result may be the likely-absent one, and must not vanish), with a
 * dashed full-strength outline, so it reads as "shown, with a caveat". Only labelColors makes
 * this alpha, so it marks dimmed labels without a second table.
 */
export const DIMMED_ALPHA = 160;

/**
 * Per-label colours (index 0 = transparent) at full strength; dimmed labels get DIMMED_ALPHA.
 * Global opacity is not baked in: the fill and outline layers carry it as CSS opacity, so moving
 * the opacity slider repaints nothing.
 */
export function labelColors(colors: readonly Rgb[], dimmed: readonly boolean[]): Uint32Array {
  const lut = new Uint32Array(256);
  for (let i = 0; i < colors.length && i < 255; i++) {
    const [r, g, b] = colors[i];
    lut[i + 1] = packRgba(r, g, b, dimmed[i] ? DIMMED_ALPHA : 255);
  }
  return lut;
}

/** Whether an outline pixel of a dashed (dimmed) label is drawn: 4-pixel dashes and gaps. */
export function onDash(x: number, y: number): boolean {
  return (((x >> 2) + (y >> 2)) & 1) === 0;
}

/** Outline opacity for a fill opacity: outlines stay stronger so shapes read at low opacity. */
export function lineOpacity(opacity: number): number {
  const op = Math.min(1, Math.max(0, opacity));
  return op === 0 ? 0 : Math.min(1, op + 0.45);
}

/**
 * Paints the fill layer (label colour everywhere inside) and the outline layer (label colour on
 * region boundaries, `outlineWidth` pixels deep) from a label buffer, for rows in `span` and
 * clearing rows in `clear` outside it.
 */
export function paintLayers(
  labels: Uint8Array,
  width: number,
  height: number,
  lut: Uint32Array,
  outlineWidth: number,
  span: RowSpan,
  clear: RowSpan,
  fillOut: Uint32Array,
  lineOut: Uint32Array,
): void {
  const from = Math.max(0, span.from);
  const to = Math.min(height - 1, span.to);
  const clearRows = (a: number, b: number) => {
    if (b < a) return;
    fillOut.fill(0, a * width, (b + 1) * width);
    lineOut.fill(0, a * width, (b + 1) * width);
  };
  const cFrom = Math.max(0, clear.from);
  const cTo = Math.min(height - 1, clear.to);
  if (to < from) {
    clearRows(cFrom, cTo);
    return;
  }
  // paintRow writes every pixel of the span rows; only rows outside it need clearing.
  clearRows(cFrom, Math.min(cTo, from - 1));
  clearRows(Math.max(cFrom, to + 1), cTo);
  for (let y = from; y <= to; y++)
    paintRow(labels, width, height, lut, outlineWidth, y, 0, width - 1, fillOut, lineOut);
}

/**
 * Paints pixels x0..x1 (inclusive) of row y of both layers from the labels: the fill gets the
 * label colour, the outline gets it where a pixel is within `outlineWidth` of another label (or
 * of the image edge), both get 0 where there is no label. The one definition of what is drawn:
 * full and incremental repaints both call it.
 */
export function paintRow(
  labels: Uint8Array,
  width: number,
  height: number,
  lut: Uint32Array,
  outlineWidth: number,
  y: number,
  x0: number,
  x1: number,
  fillOut: Uint32Array,
  lineOut: Uint32Array,
): void {
  const w = Math.max(1, Math.min(4, Math.round(outlineWidth)));
  const last = width - 1;
  const row = y * width;
  const edgeRow = y < w || y > height - 1 - w;
  for (let x = x0; x <= x1; x++) {
    const p = row + x;
    const l = labels[p];
    if (l === 0) {
      fillOut[p] = 0;
      lineOut[p] = 0;
      continue;
    }
    const c = lut[l];
    fillOut[p] = c;
    let boundary: boolean;
    if (edgeRow || x < w || x > last - w) boundary = true;
    else if (w === 1)
      boundary =
        labels[p - 1] !== l || labels[p + 1] !== l || labels[p - width] !== l || labels[p + width] !== l;
    else if (w === 2)
      boundary =
        labels[p - 1] !== l ||
        labels[p + 1] !== l ||
        labels[p - width] !== l ||
        labels[p + width] !== l ||
        labels[p - 2] !== l ||
        labels[p + 2] !== l ||
        labels[p - 2 * width] !== l ||
        labels[p + 2 * width] !== l;
    else {
      boundary = false;
      for (let d = 1; d <= w && !boundary; d++) {
        const dw = d * width;
        boundary = labels[p - d] !== l || labels[p + d] !== l || labels[p - dw] !== l || labels[p + dw] !== l;
      }
    }
    if (!boundary) lineOut[p] = 0;
    else if (c >>> 24 === DIMMED_ALPHA) lineOut[p] = onDash(x, y) ? (c | 0xff000000) >>> 0 : 0;
    else lineOut[p] = c;
  }
}

/** `over` (straight-alpha RGBA uint32, times `opacity`) composited over an opaque base pixel, like canvas source-over. */
export function compositeOver(
  base: readonly [number, number, number],
  over: number,
  opacity = 1,
): [number, number, number, number] {
  const r = over & 255;
  const g = (over >>> 8) & 255;
  const b = (over >>> 16) & 255;
  const a = ((over >>> 24) / 255) * opacity;
  return [
    Math.round(r * a + base[0] * (1 - a)),
    Math.round(g * a + base[1] * (1 - a)),
    Math.round(b * a + base[2] * (1 - a)),
    255,
  ];
}

/** Turns a recognition label map (label i + 1 ↔ labels[i]) into binary layers. */
export function labelMapMasks(labelMap: Uint8Array, count: number): Uint8Array[] {
  const masks = Array.from({ length: count }, () => new Uint8Array(labelMap.length));
  for (let p = 0; p < labelMap.length; p++) {
    const l = labelMap[p];
    if (l !== 0 && l <= count) masks[l - 1][p] = 255;
  }
  return masks;
}
