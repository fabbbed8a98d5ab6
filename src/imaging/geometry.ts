import type { ModelInputGeometry } from './types';

export const MODEL_INPUT_SIZE = 1024;

/**
 * Where the source sits in the model input, as the reference pads: floor((long − short) / 2)
 * zero pixels on each side of the short axis (so an odd difference leaves the padded image one
 * pixel short of square; the resize then scales the two axes slightly differently).
 */
export function modelInputGeometry(sourceWidth: number, sourceHeight: number): ModelInputGeometry {
  let padTop = 0;
  let padLeft = 0;
  if (sourceHeight > sourceWidth) padLeft = Math.floor((sourceHeight - sourceWidth) / 2);
  else if (sourceWidth > sourceHeight) padTop = Math.floor((sourceWidth - sourceHeight) / 2);
  return {
    sourceWidth,
    sourceHeight,
    padTop,
    padLeft,
    paddedWidth: sourceWidth + 2 * padLeft,
    paddedHeight: sourceHeight + 2 * padTop,
    size: MODEL_INPUT_SIZE,
  };
}

/**
 * Continuous pixel coordinates (pixel centres at integers, as array indices) from source to
 * model input. The resize maps model pixel centre u to padded coordinate (u + 0.5)·padded/size − 0.5,
 * so the inverse is u = (x + pad + 0.5)·size/padded − 0.5.
 */
export function sourceToModel(geometry: ModelInputGeometry, x: number, y: number): { x: number; y: number } {
  return {
    x: ((x + geometry.padLeft + 0.5) * geometry.size) / geometry.paddedWidth - 0.5,
    y: ((y + geometry.padTop + 0.5) * geometry.size) / geometry.paddedHeight - 0.5,
  };
}

/** The inverse of sourceToModel: model-input pixel coordinates to source pixel coordinates. */
export function modelToSource(geometry: ModelInputGeometry, x: number, y: number): { x: number; y: number } {
  return {
    x: ((x + 0.5) * geometry.paddedWidth) / geometry.size - 0.5 - geometry.padLeft,
    y: ((y + 0.5) * geometry.paddedHeight) / geometry.size - 0.5 - geometry.padTop,
  };
}

/**
 * Maps a size×size uint8 probability map from the model back onto the source pixels: each source
 * pixel takes the bilinear interpolation of the map at its centre's position in the model grid
 * (sourceToModel), clamped to the grid's edge, rounded to the nearest integer. Bilinear because
 * it is exact where the map is locally linear, never overshoots 0–255, and keeps the 127.5
 * threshold contour where a smooth probability map puts it; the padding is simply never sampled.
 */
export function maskToSource(mask: Uint8Array, geometry: ModelInputGeometry): Uint8Array {
  const size = geometry.size;
  if (mask.length !== size * size) {
    throw new Error(`mask has ${mask.length} values, expected ${size}×${size}`);
  }
  const { sourceWidth: w, sourceHeight: h } = geometry;
  const out = new Uint8Array(w * h);
  const x0 = new Int32Array(w);
  const x1 = new Int32Array(w);
  const fx = new Float64Array(w);
  for (let x = 0; x < w; x++) {
    const u = clamp(sourceToModel(geometry, x, 0).x, 0, size - 1);
    x0[x] = Math.floor(u);
    x1[x] = Math.min(x0[x] + 1, size - 1);
    fx[x] = u - x0[x];
  }
  // Most of a mask is exactly 0, and a pixel whose four neighbours are 0 interpolates to exactly
  // 0 (what `out` already holds): only the source pixels whose taps reach a non-zero value of
  // their two model rows are computed (nonZeroSpans). Same arithmetic, so the same bytes.
  const spans = nonZeroSpans(mask, size);
  // A padded plane of half the model size (a 512² CT, or 512 × less): every source pixel centre
  // lands exactly halfway between four model pixels (fx = fy = 0.5), see halfRow.
  const half = 2 * geometry.paddedWidth === size && 2 * geometry.paddedHeight === size;
  for (let y = 0; y < h; y++) {
    const v = clamp(sourceToModel(geometry, 0, y).y, 0, size - 1);
    const y0 = Math.floor(v);
    const y1 = Math.min(y0 + 1, size - 1);
    const lo = Math.min(spans[2 * y0], spans[2 * y1]);
    const hi = Math.max(spans[2 * y0 + 1], spans[2 * y1 + 1]);
    if (hi < lo) continue; // both rows all zero
    // x0 and x1 grow with x: the pixels whose taps [x0, x1] meet [lo, hi] are one run.
    let from = 0;
    while (from < w && x1[from] < lo) from++;
    let to = w;
    while (to > from && x0[to - 1] > hi) to--;
    const fy = v - y0;
    const r0 = y0 * size;
    const r1 = y1 * size;
    const o = y * w;
    if (half) {
      halfRow(mask, r0, r1, x0, out, o, from, to);
      continue;
    }
    for (let x = from; x < to; x++) {
      const m00 = mask[r0 + x0[x]];
      const m01 = mask[r0 + x1[x]];
      const m10 = mask[r1 + x0[x]];
      const m11 = mask[r1 + x1[x]];
      // Four equal taps (inside a target, most of a mask's non-zero span) interpolate to exactly
      // that value: every difference below is +0.
      if (m00 === m01 && m10 === m11 && m00 === m10) {
        out[o + x] = m00;
        continue;
      }
      const a = m00 + (m01 - m00) * fx[x];
      const b = m10 + (m11 - m10) * fx[x];
      out[o + x] = Math.round(a + (b - a) * fy);
    }
  }
  return out;
}

/**
 * maskToSource's row for a plane of half the model size, in integers: with fx = fy = 0.5 the
 * bilinear value a + (b − a)·0.5, a = m00 + (m01 − m00)·0.5, b = m10 + (m11 − m10)·0.5, is computed
 * exactly in doubles (every step is a multiple of 1/4 far below 2^53) and equals s/4, s the sum of
 * the four taps; Math.round(s/4) = floor((s + 2)/4) for s ≥ 0. The same bytes as the general
 * path (test/unit/imaging/geometry.test.ts checks both against the reference), four times fewer
 * operations. x1 is x0 + 1 here: x0 = 2·(x + padLeft) ≤ size − 2.
 */
function halfRow(
  mask: Uint8Array,
  r0: number,
  r1: number,
  x0: Int32Array,
  out: Uint8Array,
  o: number,
  from: number,
  to: number,
): void {
  let x = from;
  if (mask.byteOffset % 4 === 0) {
    // Two pixels at a time where their four model columns are one aligned 32-bit word per row:
    // the pairwise sums go in the two 16-bit halves (each at most 4 · 255, no carry between them).
    const words = new Uint32Array(mask.buffer, mask.byteOffset, mask.length >> 2);
    if (x < to && x0[x] % 4 !== 0) {
      out[o + x] = halfPixel(mask, r0 + x0[x], r1 + x0[x]);
      x++;
    }
    for (; x + 1 < to; x += 2) {
      const a = words[(r0 + x0[x]) >> 2];
      const b = words[(r1 + x0[x]) >> 2];
      const sums = (a & 0x00ff00ff) + ((a >>> 8) & 0x00ff00ff) + (b & 0x00ff00ff) + ((b >>> 8) & 0x00ff00ff);
      const values = ((sums + 0x00020002) >>> 2) & 0x00ff00ff;
      out[o + x] = values & 255;
      out[o + x + 1] = values >>> 16;
    }
  }
  for (; x < to; x++) out[o + x] = halfPixel(mask, r0 + x0[x], r1 + x0[x]);
}

/** round((m00 + m01 + m10 + m11) / 4) of the taps at a, a + 1 (row above) and b, b + 1 (below). */
function halfPixel(mask: Uint8Array, a: number, b: number): number {
  return (mask[a] + mask[a + 1] + mask[b] + mask[b + 1] + 2) >> 2;
}

/**
 * Per row of a size×size mask, the first and last column holding a non-zero value
 * ([first, last] at 2r, 2r + 1; first > last for an all-zero row), four bytes at a time.
 */
function nonZeroSpans(mask: Uint8Array, size: number): Int32Array {
  const spans = new Int32Array(2 * size);
  const words =
    mask.byteOffset % 4 === 0 && size % 4 === 0
      ? new Int32Array(mask.buffer, mask.byteOffset, mask.length >> 2)
      : undefined;
  for (let r = 0; r < size; r++) {
    const row = r * size;
    let first = size;
    let last = -1;
    if (words) {
      const w0 = row >> 2;
      const w1 = (row + size) >> 2;
      let a = w0;
      while (a < w1 && words[a] === 0) a++;
      if (a < w1) {
        let b = w1 - 1;
        while (words[b] === 0) b--;
        first = (a << 2) - row;
        while (mask[row + first] === 0) first++;
        last = (b << 2) + 3 - row;
        while (mask[row + last] === 0) last--;
      }
    } else {
      for (let x = 0; x < size; x++) {
        if (mask[row + x] !== 0) {
          if (first === size) first = x;
          last = x;
        }
      }
    }
    spans[2 * r] = first;
    spans[2 * r + 1] = last;
  }
  return spans;
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
