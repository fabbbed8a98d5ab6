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

/**
 * Fills `labels` with 1 + the index of the visible layer with the highest probability at each
 * pixel above the threshold (0 where none); `best` is scratch of the same size. Ties go to the
 * earlier layer.
 */
export function composeLabels(
  layers: readonly MaskLayer[],
  visible: readonly boolean[],
  minByte: number,
  labels: Uint8Array,
  best: Uint8Array,
): void {
  labels.fill(0);
  best.fill(0);
  if (minByte > 255) return;
  for (let i = 0; i < layers.length && i < 255; i++) {
    if (!visible[i]) continue;
    const { mask, order, atLeast } = layers[i];
    const n = atLeast[minByte];
    const label = i + 1;
    for (let k = 0; k < n; k++) {
      const idx = order[k];
      const v = mask[idx];
      if (v > best[idx]) {
        best[idx] = v;
        labels[idx] = label;
      }
    }
  }
}

/** Packs RGBA into the little-endian uint32 layout of ImageData. */
export function packRgba(r: number, g: number, b: number, a: number): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

export interface PaintOptions {
  style: MaskStyle;
  opacity: number;
  /** Outline half-width in source pixels (grows when zoomed out so outlines stay visible). */
  outlineWidth: number;
}

/** Per-label colours for `paintOverlay`; index 0 unused. `dim` lowers a label's alpha. */
export function labelColors(colors: readonly Rgb[], dimmed: readonly boolean[], opacity: number): { fill: Uint32Array; line: Uint32Array } {
  const fill = new Uint32Array(colors.length + 1);
  const line = new Uint32Array(colors.length + 1);
  const op = Math.min(1, Math.max(0, opacity));
  // Outlines stay more opaque than fills so shapes read at low opacity; zero still hides all.
  const lineOp = op === 0 ? 0 : Math.min(1, op + 0.45);
  for (let i = 0; i < colors.length; i++) {
    const [r, g, b] = colors[i];
    const k = dimmed[i] ? 0.35 : 1;
    fill[i + 1] = packRgba(r, g, b, Math.round(255 * op * k));
    line[i + 1] = packRgba(r, g, b, Math.round(255 * lineOp * k));
  }
  return { fill, line };
}

/**
 * Writes the overlay (straight-alpha RGBA as uint32) from a label buffer: fill colour inside,
 * line colour on the boundary of each label region.
 */
export function paintOverlay(
  labels: Uint8Array,
  width: number,
  height: number,
  fill: Uint32Array,
  line: Uint32Array,
  opts: PaintOptions,
  out: Uint32Array,
): void {
  const doFill = opts.style !== 'outline';
  const doLine = opts.style !== 'fill';
  const w = Math.max(1, Math.min(4, Math.round(opts.outlineWidth)));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const p = row + x;
      const l = labels[p];
      if (l === 0) {
        out[p] = 0;
        continue;
      }
      if (doLine && isBoundary(labels, width, height, x, y, l, w)) out[p] = line[l];
      else out[p] = doFill ? fill[l] : 0;
    }
  }
}

function isBoundary(labels: Uint8Array, width: number, height: number, x: number, y: number, l: number, w: number): boolean {
  for (let d = 1; d <= w; d++) {
    if (x - d < 0 || x + d >= width || y - d < 0 || y + d >= height) return true;
    const p = y * width + x;
    if (labels[p - d] !== l || labels[p + d] !== l || labels[p - d * width] !== l || labels[p + d * width] !== l) return true;
  }
  return false;
}

/** `over` (straight-alpha RGBA uint32) composited over an opaque base pixel, like canvas source-over. */
export function compositeOver(base: readonly [number, number, number], over: number): [number, number, number, number] {
  const r = over & 255;
  const g = (over >>> 8) & 255;
  const b = (over >>> 16) & 255;
  const a = (over >>> 24) / 255;
  return [Math.round(r * a + base[0] * (1 - a)), Math.round(g * a + base[1] * (1 - a)), Math.round(b * a + base[2] * (1 - a)), 255];
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
