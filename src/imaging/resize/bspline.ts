import { gaussianKernel } from './gaussian';

/**
 * Cubic B-spline resize reproducing scikit-image's
 * `resize(order=3, mode='constant', cval=0, anti_aliasing=True, preserve_range=True, clip=True)`,
 * i.e. `scipy.ndimage.gaussian_filter` then `scipy.ndimage.zoom(grid_mode=True,
 * mode='grid-constant')`. Why each step looks the way it does:
 *
 * - scipy pads the input with 12 zeros (`_prepad_for_spline_filter`) and computes the spline
 *   coefficients with the mirror-boundary recursive prefilter (pole √3 − 2); we do the same so the
 *   coefficients near the image border match.
 * - grid_mode puts pixel centres at (i + 0.5): output pixel o samples input coordinate
 *   (o + 0.5) · in/out − 0.5.
 * - Every step is linear and acts along one axis, so steps along different axes commute. We run
 *   the x steps (blur, prefilter, sample) on each source row, then the y steps (blur, prefilter,
 *   sample) on whole rows of the already narrowed intermediate: the y blur then touches `outWidth`
 *   columns instead of `width`, and nothing is ever read with a stride.
 * - The prefilter gain (6 per axis) is folded into the sampling weights.
 * - Float64 throughout, as the reference: float32 would flip values that sit at an integer
 *   before truncation to uint8.
 */
export const SPLINE_PAD = 12;
const POLE = Math.sqrt(3) - 2;
const GAIN = (1 - POLE) * (1 - 1 / POLE);
/** z^i below this adds less than 1e-15 grey levels to the causal initial value. */
const INIT_CUTOFF = 1e-18;

/**
 * Scratch space reused between calls: the intermediates are tens of MB per image and allocating
 * (and zeroing, and collecting) them each time cost as much as the arithmetic. Safe because the
 * resize is synchronous.
 */
const scratch: Float64Array[] = [new Float64Array(0), new Float64Array(0)];
function scratchBuffer(slot: 0 | 1, length: number): Float64Array {
  if (scratch[slot].length < length) scratch[slot] = new Float64Array(length);
  return scratch[slot].subarray(0, length);
}

/** First of the 4 taps (in padded coordinates) and the 4 weights, per output coordinate. */
interface Taps {
  start: Int32Array;
  weights: Float64Array;
}

function makeTaps(nIn: number, nOut: number): Taps {
  const zoom = nIn / nOut;
  const start = new Int32Array(nOut);
  const weights = new Float64Array(nOut * 4);
  for (let o = 0; o < nOut; o++) {
    const cc = (o + 0.5) * zoom - 0.5 + SPLINE_PAD;
    const f = Math.floor(cc);
    // Same arithmetic as scipy's get_spline_interpolation_weights for order 3.
    const y = cc - f;
    const z = 1 - y;
    const w1 = (y * y * (y - 2) * 3 + 4) / 6;
    const w2 = (z * z * (z - 2) * 3 + 4) / 6;
    const w3 = (y * y * y) / 6;
    start[o] = f - 1;
    weights[o * 4] = (1 - w1 - w2 - w3) * GAIN;
    weights[o * 4 + 1] = w1 * GAIN;
    weights[o * 4 + 2] = w2 * GAIN;
    weights[o * 4 + 3] = w3 * GAIN;
  }
  return { start, weights };
}

/**
 * Cubic B-spline prefilter with mirror boundary (scipy's apply_filter for mode 'mirror'), without
 * the gain (see makeTaps), along the first axis of a rows×width row-major array: `width`
 * independent lines of length `rows`, processed side by side.
 */
function prefilterRows(c: Float64Array, rows: number, width: number): void {
  const z = POLE;
  const zn1 = Math.pow(z, rows - 1);
  const last = (rows - 1) * width;
  const c0 = new Float64Array(width);
  for (let x = 0; x < width; x++) c0[x] = c[x] + zn1 * c[last + x];
  let zi = z;
  for (let i = 1; i < rows - 1 && zi > INIT_CUTOFF; i++) {
    const a = i * width;
    const b = (rows - 1 - i) * width;
    for (let x = 0; x < width; x++) c0[x] += zi * (c[a + x] + zn1 * c[b + x]);
    zi *= z;
  }
  const denom = 1 - zn1 * zn1;
  for (let x = 0; x < width; x++) c[x] = c0[x] / denom;
  for (let i = 1; i < rows; i++) {
    const a = i * width;
    const p = a - width;
    for (let x = 0; x < width; x++) c[a + x] += z * c[p + x];
  }
  const prev = (rows - 2) * width;
  const k = z / (z * z - 1);
  for (let x = 0; x < width; x++) c[last + x] = (z * c[prev + x] + c[last + x]) * k;
  for (let i = rows - 2; i >= 0; i--) {
    const a = i * width;
    const nx = a + width;
    for (let x = 0; x < width; x++) c[a + x] = z * (c[nx + x] - c[a + x]);
  }
}

/**
 * Resizes one channel to outWidth×outHeight. The channel is read from `src` at
 * `src[(y * width + x) * stride + offset]`, so interleaved RGB needs no de-interleaving copy.
 * Returns float values before clipping (see `clipLikeSkimage`).
 */
export function resizeChannel(
  src: ArrayLike<number>,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  stride = 1,
  offset = 0,
  out: Float64Array = new Float64Array(outWidth * outHeight),
): Float64Array {
  if (out.length !== outWidth * outHeight) throw new Error('resize output buffer has the wrong size');
  // An axis that keeps its size is left alone: the interpolating spline sampled at its own knots
  // is the identity, and skipping it avoids round-off that truncation to uint8 would turn into
  // off-by-one errors (the reference itself lands one grey level low on ~1.5% of such values).
  if (height === outHeight) {
    if (width === outWidth) copyChannel(src, width, height, stride, offset, out);
    else resizeRows(src, width, height, outWidth, stride, offset, out);
    return out;
  }
  const rows = scratchBuffer(0, outWidth * height);
  if (width === outWidth) copyChannel(src, width, height, stride, offset, rows);
  else resizeRows(src, width, height, outWidth, stride, offset, rows);
  resizeColumns(rows, outWidth, height, outHeight, out);
  return out;
}

function copyChannel(
  src: ArrayLike<number>,
  width: number,
  height: number,
  stride: number,
  offset: number,
  out: Float64Array,
): void {
  const n = width * height;
  for (let i = 0; i < n; i++) out[i] = src[i * stride + offset];
}

/** Rows handled together in the x pass: independent recursions interleaved run several times faster. */
const ROW_BLOCK = 8;

/**
 * Along x: each row blurred (when shrinking), padded with zeros, prefiltered and sampled. Rows go
 * in blocks of ROW_BLOCK, interleaved in one buffer (value i of row k at i * block + k), so the
 * prefilter recursion of one row overlaps with the others' instead of waiting on its own latency.
 */
function resizeRows(
  src: ArrayLike<number>,
  width: number,
  height: number,
  outWidth: number,
  stride: number,
  offset: number,
  out: Float64Array,
): void {
  const sigma = Math.max(0, (width / outWidth - 1) / 2);
  // scipy skips the blur along an axis whose sigma is ~0.
  const kernel = sigma > 1e-15 ? gaussianKernel(sigma) : undefined;
  const radius = kernel ? (kernel.length - 1) >> 1 : 0;
  const tx = makeTaps(width, outWidth);
  const raw = new Float64Array(width + 2 * radius); // zeros around for the blur
  const n = width + 2 * SPLINE_PAD;
  const buf = new Float64Array(n * ROW_BLOCK);
  const starts = tx.start;
  const weights = tx.weights;
  for (let y0 = 0; y0 < height; y0 += ROW_BLOCK) {
    const block = Math.min(ROW_BLOCK, height - y0);
    buf.fill(0, 0, SPLINE_PAD * block);
    buf.fill(0, (SPLINE_PAD + width) * block, n * block);
    for (let k = 0; k < block; k++) {
      const base = (y0 + k) * width * stride + offset;
      if (kernel) {
        for (let x = 0; x < width; x++) raw[x + radius] = src[base + x * stride];
        const taps = kernel.length;
        for (let x = 0; x < width; x++) {
          let s = 0;
          for (let j = 0; j < taps; j++) s += kernel[j] * raw[x + j];
          buf[(x + SPLINE_PAD) * block + k] = s;
        }
      } else {
        for (let x = 0; x < width; x++) buf[(x + SPLINE_PAD) * block + k] = src[base + x * stride];
      }
    }
    prefilterRows(buf, n, block);
    for (let k = 0; k < block; k++) {
      const o0 = (y0 + k) * outWidth;
      for (let o = 0, w = 0; o < outWidth; o++, w += 4) {
        const s = starts[o] * block + k;
        out[o0 + o] =
          weights[w] * buf[s] +
          weights[w + 1] * buf[s + block] +
          weights[w + 2] * buf[s + 2 * block] +
          weights[w + 3] * buf[s + 3 * block];
      }
    }
  }
}

/** Along y, on whole rows at once: blurred (when shrinking), padded with 12 zero rows, prefiltered, sampled. */
function resizeColumns(
  input: Float64Array,
  width: number,
  height: number,
  outHeight: number,
  result: Float64Array,
): void {
  const sigma = Math.max(0, (height / outHeight - 1) / 2);
  const paddedRows = height + 2 * SPLINE_PAD;
  const c = scratchBuffer(1, paddedRows * width);
  c.fill(0, 0, SPLINE_PAD * width);
  c.fill(0, (SPLINE_PAD + height) * width);
  if (sigma > 1e-15) {
    c.fill(0, SPLINE_PAD * width, (SPLINE_PAD + height) * width);
    const kernel = gaussianKernel(sigma);
    const radius = (kernel.length - 1) >> 1;
    for (let y = 0; y < height; y++) {
      const dst = (y + SPLINE_PAD) * width;
      const lo = y < radius ? -y : -radius;
      const hi = y + radius >= height ? height - 1 - y : radius;
      for (let j = lo; j <= hi; j++) {
        const k = kernel[j + radius];
        const srcRow = (y + j) * width;
        for (let x = 0; x < width; x++) c[dst + x] += k * input[srcRow + x];
      }
    }
  } else {
    c.set(input, SPLINE_PAD * width);
  }
  prefilterRows(c, paddedRows, width);
  const ty = makeTaps(height, outHeight);
  for (let o = 0; o < outHeight; o++) {
    const r0 = ty.start[o] * width;
    const r1 = r0 + width;
    const r2 = r1 + width;
    const r3 = r2 + width;
    const w0 = ty.weights[o * 4];
    const w1 = ty.weights[o * 4 + 1];
    const w2 = ty.weights[o * 4 + 2];
    const w3 = ty.weights[o * 4 + 3];
    const out = o * width;
    for (let x = 0; x < width; x++) {
      result[out + x] = w0 * c[r0 + x] + w1 * c[r1 + x] + w2 * c[r2 + x] + w3 * c[r3 + x];
    }
  }
}

/**
 * scikit-image's `_clip_warp_output` range: the input's [min, max] (over all channels), widened
 * to include the constant 0 when the output reaches it and the input range did not contain it.
 * The output is only scanned in that last, rare case (unpadded images whose values stay above 0).
 */
export function clipRange(output: Float64Array[], inputMin: number, inputMax: number): [number, number] {
  let lo = inputMin;
  let hi = inputMax;
  if (!(lo <= 0 && 0 <= hi)) {
    let outMin = Infinity;
    let outMax = -Infinity;
    for (const channel of output) {
      for (let i = 0; i < channel.length; i++) {
        const v = channel[i];
        if (v < outMin) outMin = v;
        if (v > outMax) outMax = v;
      }
    }
    if (outMin <= 0 && 0 <= outMax) {
      lo = Math.min(lo, 0);
      hi = Math.max(hi, 0);
    }
  }
  return [lo, hi];
}
