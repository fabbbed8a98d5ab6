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
 *
 * Speed without changing a single result bit: every value is computed by the same floating-point
 * operations in the same order as the straightforward formulation (terms that are exactly zero,
 * i.e. the zero padding under the blur, are left out: adding +0 changes nothing). What changes is
 * the memory order: four rows are prefiltered side by side with their running values in locals
 * (independent recursions overlap instead of waiting on each other's latency), the y blur and the
 * y recursion's forward sweep are one pass, and padding rows of a non-square image are known to
 * resize to zeros.
 */
export const SPLINE_PAD = 12;
const POLE = Math.sqrt(3) - 2;
const GAIN = (1 - POLE) * (1 - 1 / POLE);
/**
 * Meant as: z^i below this adds less than 1e-15 grey levels to the causal initial value. Note that
 * the pole is negative, so `zi > INIT_CUTOFF` fails at once and the sum over i never runs: the
 * initial value is c[0] + z^(n−1)·c[n−1]. The first and last 12 values are the zero padding, so
 * what is left out is below |z|^12 ≈ 1.4e-7 of the edge values. Kept as it is because the golden
 * files are matched byte for byte this way; changing it changes result bits (see initDepth).
 */
const INIT_CUTOFF = 1e-18;

/**
 * Scratch space reused between calls: the intermediates are tens of MB per image and allocating
 * (and zeroing, and collecting) them each time cost as much as the arithmetic. Safe because the
 * resize is synchronous.
 */
const scratch: Float64Array[] = [new Float64Array(0), new Float64Array(0), new Float64Array(0)];
function scratchBuffer(slot: 0 | 1 | 2, length: number): Float64Array {
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

/** Where one channel of the source is read and how it sits in the (zero-)padded plane. */
export interface PlaneSource {
  /** Channel value of source pixel (x, y) at `data[(y * width + x) * stride + offset]`. */
  data: Float32Array | Float64Array | Uint8Array;
  width: number;
  height: number;
  stride: number;
  offset: number;
  /** The padded plane: the source placed at (padLeft, padTop) in paddedWidth × paddedHeight zeros. */
  padLeft: number;
  padTop: number;
  paddedWidth: number;
  paddedHeight: number;
}

/**
 * Resizes one channel to outWidth×outHeight. The channel is read from `src` at
 * `src[(y * width + x) * stride + offset]`, so interleaved RGB needs no de-interleaving copy.
 * Returns float values before clipping (see `clipRange`).
 */
export function resizeChannel(
  src: Float32Array | Float64Array | Uint8Array,
  width: number,
  height: number,
  outWidth: number,
  outHeight: number,
  stride = 1,
  offset = 0,
  out: Float64Array = new Float64Array(outWidth * outHeight),
): Float64Array {
  return resizePlane(
    {
      data: src,
      width,
      height,
      stride,
      offset,
      padLeft: 0,
      padTop: 0,
      paddedWidth: width,
      paddedHeight: height,
    },
    outWidth,
    outHeight,
    out,
  );
}

/** resizeChannel of a source placed in a zero-padded plane, without building the padded plane. */
export function resizePlane(
  source: PlaneSource,
  outWidth: number,
  outHeight: number,
  out: Float64Array = new Float64Array(outWidth * outHeight),
): Float64Array {
  if (out.length !== outWidth * outHeight) throw new Error('resize output buffer has the wrong size');
  const plan = planResize(source, outWidth, outHeight);
  const rows = scratchBuffer(0, plan.rowsLength);
  const c = scratchBuffer(1, plan.coefficientsLength);
  startResize(plan, c);
  resizeRows(plan, out, rows, c, 0, source.paddedHeight);
  resizeColumns(plan, out, rows, c, 0, outWidth);
  return out;
}

/**
 * How a plane is resized, in two phases that can each be split between threads with the same
 * result bits: the x pass is independent per row (resizeRows: any range of rows of the padded
 * plane), the y pass independent per column (resizeColumns: any range of output columns). The
 * x pass writes the intermediate (`rows` when the y axis is blurred, else straight into the
 * coefficients `c`); the y pass reads it and writes `out`.
 */
export interface ResizePlan {
  source: PlaneSource;
  outWidth: number;
  outHeight: number;
  /** 'x': the y axis keeps its size (x pass straight into out); 'blur': y blurred; 'direct': not. */
  mode: 'x' | 'blur' | 'direct';
  rowsLength: number;
  coefficientsLength: number;
}

export function planResize(source: PlaneSource, outWidth: number, outHeight: number): ResizePlan {
  const ph = source.paddedHeight;
  // An axis that keeps its size is left alone: the interpolating spline sampled at its own knots
  // is the identity, and skipping it avoids round-off that truncation to uint8 would turn into
  // off-by-one errors (the reference itself lands one grey level low on ~1.5% of such values).
  if (ph === outHeight)
    return { source, outWidth, outHeight, mode: 'x', rowsLength: 0, coefficientsLength: 0 };
  const sigma = Math.max(0, (ph / outHeight - 1) / 2);
  const coefficientsLength = (ph + 2 * SPLINE_PAD) * outWidth;
  if (sigma > 1e-15)
    return { source, outWidth, outHeight, mode: 'blur', rowsLength: outWidth * ph, coefficientsLength };
  return { source, outWidth, outHeight, mode: 'direct', rowsLength: 0, coefficientsLength };
}

/** Zeros the spline padding rows of the coefficients (whole rows): once, before both phases. */
export function startResize(plan: ResizePlan, c: Float64Array): void {
  if (plan.mode === 'x') return;
  const w = plan.outWidth;
  c.fill(0, 0, SPLINE_PAD * w);
  c.fill(0, (SPLINE_PAD + plan.source.paddedHeight) * w, plan.coefficientsLength);
}

/** The x pass of padded-plane rows [from, to). */
export function resizeRows(
  plan: ResizePlan,
  out: Float64Array,
  rows: Float64Array,
  c: Float64Array,
  from: number,
  to: number,
): void {
  if (plan.mode === 'x') xPass(plan.source, plan.outWidth, out, 0, from, to);
  else if (plan.mode === 'blur') xPass(plan.source, plan.outWidth, rows, 0, from, to);
  else xPass(plan.source, plan.outWidth, c, SPLINE_PAD * plan.outWidth, from, to);
}

/** The y pass of output columns [x0, x1), once every row of the x pass is done. */
export function resizeColumns(
  plan: ResizePlan,
  out: Float64Array,
  rows: Float64Array,
  c: Float64Array,
  x0: number,
  x1: number,
): void {
  if (plan.mode === 'x' || x1 <= x0) return;
  const { outWidth, outHeight } = plan;
  const ph = plan.source.paddedHeight;
  const paddedRows = ph + 2 * SPLINE_PAD;
  const taps = makeTaps(ph, outHeight);
  if (plan.mode === 'blur') {
    const sigma = Math.max(0, (ph / outHeight - 1) / 2);
    const kernel = gaussianKernel(sigma);
    const base = SPLINE_PAD * outWidth;
    // The rows the prefilter's initial value reads (near both ends) are blurred first; every other
    // row is blurred just before the forward sweep reaches it, while it is in cache.
    const depth = initDepth(paddedRows);
    const head = Math.min(ph, Math.max(0, depth + 1 - SPLINE_PAD));
    const tail = Math.min(ph, Math.max(head, paddedRows - 1 - depth - SPLINE_PAD));
    blurColumns(rows, outWidth, ph, kernel, c, base, 0, head, x0, x1);
    blurColumns(rows, outWidth, ph, kernel, c, base, tail, ph, x0, x1);
    prefilterAndSampleColumns(c, paddedRows, outWidth, taps, out, x0, x1, (i) => {
      const y = i - SPLINE_PAD;
      if (y >= head && y < tail) blurColumns(rows, outWidth, ph, kernel, c, base, y, y + 1, x0, x1);
    });
  } else {
    prefilterAndSampleColumns(c, paddedRows, outWidth, taps, out, x0, x1);
  }
}

/** Lines prefiltered side by side in the x pass. */
const LINES = 4;

/**
 * Along x, for rows [from, to) of the padded plane: blur (when shrinking), pad with 12 zeros, prefilter
 * and sample; the resized row y goes to `out[base + y * outWidth ...]`. Rows of the padding are
 * zeros in, so zeros out.
 */
function xPass(
  source: PlaneSource,
  outWidth: number,
  out: Float64Array,
  base: number,
  from: number,
  to: number,
): void {
  const { data, width, height, stride, offset, padLeft, padTop, paddedWidth: pw } = source;
  // Padding rows in [from, to): zeros. Source rows in it: [yFrom, yTo).
  const padEnd = Math.min(to, padTop);
  if (from < padEnd) out.fill(0, base + from * outWidth, base + padEnd * outWidth);
  const padStart = Math.max(from, padTop + height);
  if (padStart < to) out.fill(0, base + padStart * outWidth, base + to * outWidth);
  const yFrom = Math.max(0, from - padTop);
  const yTo = Math.min(height, to - padTop);
  if (pw === outWidth) {
    for (let y = yFrom; y < yTo; y++) {
      const o = base + (y + padTop) * outWidth;
      out.fill(0, o, o + padLeft);
      out.fill(0, o + padLeft + width, o + outWidth);
      const s = y * width * stride + offset;
      for (let x = 0; x < width; x++) out[o + padLeft + x] = data[s + x * stride];
    }
    return;
  }
  const sigma = Math.max(0, (pw / outWidth - 1) / 2);
  // scipy skips the blur along an axis whose sigma is ~0.
  const kernel = sigma > 1e-15 ? gaussianKernel(sigma) : undefined;
  const radius = kernel ? (kernel.length - 1) >> 1 : 0;
  const n = pw + 2 * SPLINE_PAD;
  const lines = scratchBuffer(2, n * LINES);
  const raw = kernel ? new Float64Array(pw + 2 * radius) : undefined; // zeros around for the blur
  const taps = makeTaps(pw, outWidth);
  for (let y0 = yFrom; y0 < yTo; y0 += LINES) {
    const count = Math.min(LINES, yTo - y0);
    for (let k = 0; k < LINES; k++) {
      const line = k * n;
      if (k >= count) {
        lines.fill(0, line, line + n); // a spare line in the last group: zeros, never stored
        continue;
      }
      const s = (y0 + k) * width * stride + offset;
      lines.fill(0, line, line + SPLINE_PAD + padLeft);
      lines.fill(0, line + SPLINE_PAD + padLeft + width, line + n);
      if (kernel && kernel.length === 3) {
        blurRow3(
          data,
          s,
          stride,
          width,
          kernel,
          lines,
          line + SPLINE_PAD + padLeft,
          padLeft > 0,
          padLeft + width < pw,
        );
      } else if (raw && kernel) {
        for (let x = 0; x < width; x++) raw[radius + padLeft + x] = data[s + x * stride];
        blurLine(raw, pw, kernel, lines, line + SPLINE_PAD);
      } else {
        const d = line + SPLINE_PAD + padLeft;
        for (let x = 0; x < width; x++) lines[d + x] = data[s + x * stride];
      }
    }
    prefilterLines(lines, n);
    const o0 = base + (y0 + padTop) * outWidth;
    if (count === LINES) sampleLines(lines, n, taps, outWidth, out, o0);
    else for (let k = 0; k < count; k++) sampleLine(lines, k * n, taps, outWidth, out, o0 + k * outWidth);
  }
}

/**
 * The 3-tap blur of one source row read in place (the common case: shrinking by less than ~1.9×),
 * written to out[o ... o + width − 1], and to the neighbours o − 1 and o + width when they are
 * padding of the plane (the blur runs over the padded plane, not over the 12 spline zeros).
 * Zero terms are left out as in blurLine.
 */
function blurRow3(
  data: Float32Array | Float64Array | Uint8Array,
  s: number,
  stride: number,
  width: number,
  kernel: Float64Array,
  out: Float64Array,
  o: number,
  left: boolean,
  right: boolean,
): void {
  const k0 = kernel[0];
  const k1 = kernel[1];
  const k2 = kernel[2];
  let prev = 0;
  let cur = data[s];
  if (left) out[o - 1] = k2 * cur;
  for (let x = 0; x < width - 1; x++) {
    const next = data[s + (x + 1) * stride];
    out[o + x] = k0 * prev + k1 * cur + k2 * next;
    prev = cur;
    cur = next;
  }
  out[o + width - 1] = k0 * prev + k1 * cur;
  if (right) out[o + width] = k0 * cur;
}

/**
 * out[o + x] = Σ_j kernel[j] · raw[x + j], summed in j order from 0 like scipy's correlate1d
 * (raw holds the row with `radius` zeros on each side).
 */
function blurLine(
  raw: Float64Array,
  count: number,
  kernel: Float64Array,
  out: Float64Array,
  o: number,
): void {
  const taps = kernel.length;
  if (taps === 3) {
    const k0 = kernel[0];
    const k1 = kernel[1];
    const k2 = kernel[2];
    for (let x = 0; x < count; x++) out[o + x] = k0 * raw[x] + k1 * raw[x + 1] + k2 * raw[x + 2];
  } else if (taps === 5) {
    const k0 = kernel[0];
    const k1 = kernel[1];
    const k2 = kernel[2];
    const k3 = kernel[3];
    const k4 = kernel[4];
    for (let x = 0; x < count; x++)
      out[o + x] = k0 * raw[x] + k1 * raw[x + 1] + k2 * raw[x + 2] + k3 * raw[x + 3] + k4 * raw[x + 4];
  } else {
    for (let x = 0; x < count; x++) {
      let s = kernel[0] * raw[x];
      for (let j = 1; j < taps; j++) s += kernel[j] * raw[x + j];
      out[o + x] = s;
    }
  }
}

/**
 * Cubic B-spline prefilter with mirror boundary (scipy's apply_filter for mode 'mirror'), without
 * the gain (see makeTaps), on LINES lines of length n stored one after the other. The four
 * recursions are independent and run interleaved, each carrying its last value in a local.
 */
function prefilterLines(c: Float64Array, n: number): void {
  const z = POLE;
  const zn1 = Math.pow(z, n - 1);
  const denom = 1 - zn1 * zn1;
  const l1 = n;
  const l2 = 2 * n;
  const l3 = 3 * n;
  const last = n - 1;
  let a0 = c[0] + zn1 * c[last];
  let a1 = c[l1] + zn1 * c[l1 + last];
  let a2 = c[l2] + zn1 * c[l2 + last];
  let a3 = c[l3] + zn1 * c[l3 + last];
  let zi = z;
  for (let i = 1; i < n - 1 && zi > INIT_CUTOFF; i++) {
    const b = last - i;
    a0 += zi * (c[i] + zn1 * c[b]);
    a1 += zi * (c[l1 + i] + zn1 * c[l1 + b]);
    a2 += zi * (c[l2 + i] + zn1 * c[l2 + b]);
    a3 += zi * (c[l3 + i] + zn1 * c[l3 + b]);
    zi *= z;
  }
  a0 /= denom;
  a1 /= denom;
  a2 /= denom;
  a3 /= denom;
  c[0] = a0;
  c[l1] = a1;
  c[l2] = a2;
  c[l3] = a3;
  for (let i = 1; i < n; i++) {
    a0 = c[i] + z * a0;
    c[i] = a0;
    a1 = c[l1 + i] + z * a1;
    c[l1 + i] = a1;
    a2 = c[l2 + i] + z * a2;
    c[l2 + i] = a2;
    a3 = c[l3 + i] + z * a3;
    c[l3 + i] = a3;
  }
  const k = z / (z * z - 1);
  const p = last - 1;
  a0 = (z * c[p] + a0) * k;
  a1 = (z * c[l1 + p] + a1) * k;
  a2 = (z * c[l2 + p] + a2) * k;
  a3 = (z * c[l3 + p] + a3) * k;
  c[last] = a0;
  c[l1 + last] = a1;
  c[l2 + last] = a2;
  c[l3 + last] = a3;
  for (let i = last - 1; i >= 0; i--) {
    a0 = z * (a0 - c[i]);
    c[i] = a0;
    a1 = z * (a1 - c[l1 + i]);
    c[l1 + i] = a1;
    a2 = z * (a2 - c[l2 + i]);
    c[l2 + i] = a2;
    a3 = z * (a3 - c[l3 + i]);
    c[l3 + i] = a3;
  }
}

function sampleLine(
  c: Float64Array,
  line: number,
  taps: Taps,
  outWidth: number,
  out: Float64Array,
  o0: number,
): void {
  const starts = taps.start;
  const weights = taps.weights;
  for (let o = 0, w = 0; o < outWidth; o++, w += 4) {
    const s = line + starts[o];
    out[o0 + o] =
      weights[w] * c[s] + weights[w + 1] * c[s + 1] + weights[w + 2] * c[s + 2] + weights[w + 3] * c[s + 3];
  }
}

/** sampleLine on the LINES lines at once: each tap's position and weights are read once for all. */
function sampleLines(
  c: Float64Array,
  n: number,
  taps: Taps,
  outWidth: number,
  out: Float64Array,
  o0: number,
): void {
  const starts = taps.start;
  const weights = taps.weights;
  const o1 = o0 + outWidth;
  const o2 = o1 + outWidth;
  const o3 = o2 + outWidth;
  for (let o = 0, w = 0; o < outWidth; o++, w += 4) {
    const s0 = starts[o];
    const s1 = s0 + n;
    const s2 = s1 + n;
    const s3 = s2 + n;
    const w0 = weights[w];
    const w1 = weights[w + 1];
    const w2 = weights[w + 2];
    const w3 = weights[w + 3];
    out[o0 + o] = w0 * c[s0] + w1 * c[s0 + 1] + w2 * c[s0 + 2] + w3 * c[s0 + 3];
    out[o1 + o] = w0 * c[s1] + w1 * c[s1 + 1] + w2 * c[s1 + 2] + w3 * c[s1 + 3];
    out[o2 + o] = w0 * c[s2] + w1 * c[s2 + 1] + w2 * c[s2 + 2] + w3 * c[s2 + 3];
    out[o3 + o] = w0 * c[s3] + w1 * c[s3 + 1] + w2 * c[s3 + 2] + w3 * c[s3 + 3];
  }
}

/**
 * The y blur on whole rows: row y of `out` (from `base`) = Σ_j kernel[j] · input row y − radius + j,
 * rows outside the image being zeros (left out of the sum), in scipy's j order.
 */
function blurColumns(
  input: Float64Array,
  width: number,
  height: number,
  kernel: Float64Array,
  out: Float64Array,
  base: number,
  from: number,
  to: number,
  x0: number,
  x1: number,
): void {
  const radius = (kernel.length - 1) >> 1;
  for (let y = from; y < to; y++) {
    const dst = base + y * width;
    const lo = y < radius ? -y : -radius;
    const hi = y + radius >= height ? height - 1 - y : radius;
    if (radius === 1 && lo === -1 && hi === 1) {
      const k0 = kernel[0];
      const k1 = kernel[1];
      const k2 = kernel[2];
      const r0 = (y - 1) * width;
      const r1 = r0 + width;
      const r2 = r1 + width;
      for (let x = x0; x < x1; x++)
        out[dst + x] = k0 * input[r0 + x] + k1 * input[r1 + x] + k2 * input[r2 + x];
      continue;
    }
    const k = kernel[lo + radius];
    const first = (y + lo) * width;
    for (let x = x0; x < x1; x++) out[dst + x] = k * input[first + x];
    for (let j = lo + 1; j <= hi; j++) {
      const kj = kernel[j + radius];
      const srcRow = (y + j) * width;
      for (let x = x0; x < x1; x++) out[dst + x] += kj * input[srcRow + x];
    }
  }
}

/**
 * The prefilter along y on columns [x0, x1) of a rows×width row-major array (independent recursions, run side
 * by side along each row: contiguous memory, no dependency between neighbours), and the sampling
 * along y. Each output row is sampled as soon as the backward sweep has finalised its four rows,
 * while they are still in cache, instead of in a separate pass over the whole buffer.
 */
function prefilterAndSampleColumns(
  c: Float64Array,
  rows: number,
  width: number,
  ty: Taps,
  result: Float64Array,
  x0: number,
  x1: number,
  beforeForward?: (row: number) => void,
): void {
  const z = POLE;
  const zn1 = Math.pow(z, rows - 1);
  const last = (rows - 1) * width;
  const c0 = scratchInit(width);
  for (let x = x0; x < x1; x++) c0[x] = c[x] + zn1 * c[last + x];
  let zi = z;
  for (let i = 1; i < rows - 1 && zi > INIT_CUTOFF; i++) {
    const a = i * width;
    const b = (rows - 1 - i) * width;
    for (let x = x0; x < x1; x++) c0[x] += zi * (c[a + x] + zn1 * c[b + x]);
    zi *= z;
  }
  const denom = 1 - zn1 * zn1;
  for (let x = x0; x < x1; x++) c[x] = c0[x] / denom;
  for (let i = 1; i < rows; i++) {
    beforeForward?.(i);
    const a = i * width;
    const p = a - width;
    for (let x = x0; x < x1; x++) c[a + x] += z * c[p + x];
  }
  const prev = (rows - 2) * width;
  const k = z / (z * z - 1);
  for (let x = x0; x < x1; x++) c[last + x] = (z * c[prev + x] + c[last + x]) * k;
  const starts = ty.start;
  let o = starts.length - 1;
  for (let i = rows - 2; i >= 0; i--) {
    const a = i * width;
    const nx = a + width;
    for (let x = x0; x < x1; x++) c[a + x] = z * (c[nx + x] - c[a + x]);
    // Rows i and below are final: every output row whose taps start here or below can be sampled.
    for (; o >= 0 && starts[o] >= i; o--) sampleRow(c, width, starts[o], ty.weights, o, result, x0, x1);
  }
}

function sampleRow(
  c: Float64Array,
  width: number,
  start: number,
  weights: Float64Array,
  o: number,
  result: Float64Array,
  x0: number,
  x1: number,
): void {
  const r0 = start * width;
  const r1 = r0 + width;
  const r2 = r1 + width;
  const r3 = r2 + width;
  const w0 = weights[o * 4];
  const w1 = weights[o * 4 + 1];
  const w2 = weights[o * 4 + 2];
  const w3 = weights[o * 4 + 3];
  const out = o * width;
  for (let x = x0; x < x1; x++) {
    result[out + x] = w0 * c[r0 + x] + w1 * c[r1 + x] + w2 * c[r2 + x] + w3 * c[r3 + x];
  }
}

/** The last line index the prefilter's initial value reads from each end (see prefilterLines). */
function initDepth(rows: number): number {
  let depth = 0;
  let zi = POLE;
  for (let i = 1; i < rows - 1 && zi > INIT_CUTOFF; i++) {
    depth = i;
    zi *= POLE;
  }
  return depth;
}

let initRow = new Float64Array(0);
function scratchInit(width: number): Float64Array {
  if (initRow.length < width) initRow = new Float64Array(width);
  return initRow;
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
