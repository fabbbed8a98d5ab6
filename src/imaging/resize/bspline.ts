import { simdArea, type SimdArea, type ResizeSimd } from './simd';
import { gaussianKernel } from './gaussian';
import { mapRow, type ValueMap } from './valueMap';

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
 * y recursion's forward sweep are one pass, and several blurred samples are summed side by side.
 *
 * The zero padding of a tall or wide image (512×30000 is padded to 30000²) is never computed
 * (see AxisPlan): along each axis only a window around the image is, the window the zeros do not
 * already decide. Outside the image the blur gives exact zeros beyond its radius, and the
 * prefilter's recursions, fed zeros, shrink by |pole| ≈ 0.27 per step until they round to exactly
 * zero (prefilterReach); everything beyond is the zero the full computation produces too.
 */
export const SPLINE_PAD = 12;
const POLE = Math.sqrt(3) - 2;
const GAIN = (1 - POLE) * (1 - 1 / POLE);

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
  /**
   * When the caller knows it: every value is finite and at most this in magnitude (intensity-mapped
   * values: 255). Otherwise a padded source is scanned for it (see prefilterReach).
   */
  maxAbs?: number;
  /**
   * The intensity step applied to each value as it is read (see valueMap.ts): `data` holds the
   * values before it. maxAbs must then be given (the scan would see the unmapped values).
   */
  map?: ValueMap;
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
  resizeAsPlanned(planResize(source, outWidth, outHeight), out);
  return out;
}

/**
 * Both passes of a plan, in this thread. A plan to bytes without a y blur does its y pass, and
 * without an x blur its x pass, in WebAssembly SIMD where the runtime has it (simd.ts): the same
 * bytes, in less time.
 */
export function resizeAsPlanned(plan: ResizePlan, out: ResizeOutput): void {
  const rows = scratchBuffer(0, plan.rowsLength);
  const area =
    plan.bytes && plan.mode === 'direct' && !inJavaScriptOnly
      ? simdArea(plan.coefficientsLength, out.length, xScratchLayout(plan.x).bytes)
      : undefined;
  const c = area?.coefficients ?? scratchBuffer(1, plan.coefficientsLength);
  startResize(plan, c);
  if (area && !plan.x.copy && !plan.x.kernel) xPassSimd(plan, c, area, 0, plan.source.paddedHeight);
  else resizeRows(plan, out, rows, c, 0, plan.source.paddedHeight);
  if (!area) {
    resizeColumns(plan, out, rows, c, 0, plan.outWidth);
    return;
  }
  resizeColumns(plan, area.out, rows, c, 0, plan.outWidth, area.module);
  out.set(area.out);
}

/**
 * Tests: the coefficients after the x pass of a byte plan without blurs (a volume slice's), by the
 * SIMD loops or the JavaScript ones, to compare them bit for bit (a rounding difference there
 * shows in the bytes only when it crosses an integer). Undefined when the plan is not one.
 */
export function xPassCoefficients(source: PlaneSource, outWidth: number, outHeight: number, simd: boolean) {
  const plan = planResize(source, outWidth, outHeight, { lo: 0, hi: 255 });
  const area = simdArea(plan.coefficientsLength, outWidth * outHeight, xScratchLayout(plan.x).bytes);
  if (plan.mode !== 'direct' || plan.x.copy || plan.x.kernel || !area) return undefined;
  const c = simd ? area.coefficients : new Float64Array(plan.coefficientsLength);
  startResize(plan, c);
  if (simd) xPassSimd(plan, c, area, 0, source.paddedHeight);
  else resizeRows(plan, area.out, new Float64Array(0), c, 0, source.paddedHeight);
  return Float64Array.from(c);
}

/** Tests: both passes in JavaScript even where SIMD is there (to compare the two). */
let inJavaScriptOnly = false;
export function useJavaScriptLoops(on: boolean): void {
  inJavaScriptOnly = on;
}

/**
 * What one axis of the resize computes, in the coordinates of the padded plane (0 … padded − 1)
 * and of the spline line (the padded plane plus SPLINE_PAD zeros at each end, 0 … padded + 23).
 * Only the window [w0, w1) of the spline line is ever stored or swept; the outputs [o0, o1) are
 * the only ones that can differ from zero.
 */
export interface AxisPlan {
  padded: number;
  out: number;
  /** The axis keeps its size: values are copied, not resampled. */
  copy: boolean;
  /** The anti-aliasing blur (when shrinking) and its radius. */
  kernel?: Float64Array;
  radius: number;
  /** Samples that can be non-zero after the blur, in plane coordinates: the image ± radius. */
  lo: number;
  hi: number;
  /** The stored window of the spline line. */
  w0: number;
  w1: number;
  o0: number;
  o1: number;
  taps?: Taps;
}

/**
 * How many steps past the last non-zero input a prefilter recursion takes to round to exactly
 * zero, for inputs of magnitude at most maxAbs; Infinity (sweep the whole line) when that cannot
 * be bounded (non-finite or near-overflow values, which the full sweep spreads everywhere).
 *
 * Why it holds: fed zeros, each step multiplies by the pole, |z| ≈ 0.268 (rounded to nearest: at
 * most |z|·(1 + 2⁻⁵³) times smaller in normal doubles; a subnormal m·2⁻¹⁰⁷⁴ becomes
 * round(0.268·m)·2⁻¹⁰⁷⁴, strictly fewer units, and 0 from m = 1). The values the recursions start
 * from are bounded by 1e4·maxAbs: the blur's weights sum to 1, the causal sweep gains at most
 * 1/(1 − |z|), the anti-causal |z|/(1 − |z|), the sampling weights sum to 6, and the y pass
 * repeats that on the x pass's output (about 4·maxAbs in all). So after
 * (ln(1e4·maxAbs) + 1074·ln 2) / ln(1/|z|) steps, plus a margin, the value is exactly zero, and
 * so is everything the recursion computes from it and further zeros.
 */
export function prefilterReach(maxAbs: number): number {
  if (!(maxAbs <= 1e300)) return Infinity;
  const start = Math.max(1, maxAbs) * 1e4;
  return Math.ceil((Math.log(start) + 1074 * Math.LN2) / -Math.log(-POLE)) + 8;
}

/**
 * The largest magnitude of the source's values (NaN if any is not finite): bounds how far the
 * prefilter carries them into the padding. Bytes need no look.
 */
function sourceMagnitude(source: PlaneSource): number {
  const { data, width, height, stride, offset } = source;
  if (source.maxAbs !== undefined) return source.maxAbs;
  if (source.map) return NaN; // the values as read are not those in data: unbounded
  if (data instanceof Uint8Array) return 255;
  let max = 0;
  const end = width * height * stride;
  for (let i = offset; i < end; i += stride) {
    const v = data[i];
    const a = v < 0 ? -v : v;
    if (a > max) max = a;
    else if (a !== a) return NaN; // NaN
  }
  return max === Infinity ? NaN : max;
}

function planAxis(padded: number, out: number, start: number, length: number, reach: number): AxisPlan {
  if (padded === out)
    return {
      padded,
      out,
      copy: true,
      kernel: undefined,
      radius: 0,
      lo: start,
      hi: start + length,
      w0: 0,
      w1: 0,
      o0: start,
      o1: start + length,
      taps: undefined,
    };
  const sigma = Math.max(0, (padded / out - 1) / 2);
  // scipy skips the blur along an axis whose sigma is ~0.
  const kernel = sigma > 1e-15 ? gaussianKernel(sigma) : undefined;
  const radius = kernel ? (kernel.length - 1) >> 1 : 0;
  const lo = Math.max(0, start - radius);
  const hi = Math.min(padded, start + length + radius);
  const n = padded + 2 * SPLINE_PAD;
  // Coefficients that can be non-zero: [z0, z1); 4 more zeros each side for the sampling taps.
  const z0 = Math.max(0, SPLINE_PAD + lo - reach);
  const z1 = Math.min(n, SPLINE_PAD + hi + reach);
  const taps = makeTaps(padded, out);
  let o0 = 0;
  while (o0 < out && taps.start[o0] + 3 < z0) o0++;
  let o1 = out;
  while (o1 > o0 && taps.start[o1 - 1] >= z1) o1--;
  return {
    padded,
    out,
    copy: false,
    kernel,
    radius,
    lo,
    hi,
    w0: Math.max(0, z0 - 4),
    w1: Math.min(n, z1 + 4),
    o0,
    o1,
    taps,
  };
}

/**
 * How a plane is resized, in two phases that can each be split between threads with the same
 * result bits: the x pass is independent per row (resizeRows: any range of rows of the padded
 * plane), the y pass independent per column (resizeColumns: any range of output columns). The
 * x pass writes the intermediate (`rows` when the y axis is blurred, else straight into the
 * coefficients `c`); the y pass reads it and writes `out`.
 *
 * The intermediate holds only the columns [x.o0, x.o1) the x pass can make non-zero (its row
 * stride is `band`), `rows` only the image's own rows, `c` only the window [y.w0, y.w1).
 */
export interface ResizePlan {
  source: PlaneSource;
  /** Set when the output is bytes (see ByteOutput); never in mode 'x'. */
  bytes?: ByteOutput;
  outWidth: number;
  outHeight: number;
  /** 'x': the y axis keeps its size (x pass straight into out); 'blur': y blurred; 'direct': not. */
  mode: 'x' | 'blur' | 'direct';
  x: AxisPlan;
  y: AxisPlan;
  band: number;
  rowsLength: number;
  coefficientsLength: number;
}

/**
 * The output written as the model input's bytes instead of doubles: each value truncated, then
 * clipped to the integers [lo, hi] (see clip in prepare.ts), as the y pass computes it. That saves
 * writing, and reading back, 8 bytes per output pixel.
 */
export interface ByteOutput {
  lo: number;
  hi: number;
}

/** Where the resize writes: doubles, or bytes when the plan says so (ResizePlan.bytes). */
export type ResizeOutput = Float64Array | Uint8Array;

/**
 * The plan, with byte output when `bytes` is given and the y pass writes the output (not in mode
 * 'x', whose x pass writes it): check plan.bytes.
 */
export function planResize(
  source: PlaneSource,
  outWidth: number,
  outHeight: number,
  bytes?: ByteOutput,
): ResizePlan {
  const { width, height, paddedWidth: pw, paddedHeight: ph } = source;
  // Only a padded plane has zeros to leave out; the image's own extent needs no bound.
  const reach = pw > width || ph > height ? prefilterReach(sourceMagnitude(source)) : Infinity;
  const x = planAxis(pw, outWidth, source.padLeft, width, reach);
  const y = planAxis(ph, outHeight, source.padTop, height, reach);
  const band = x.o1 - x.o0;
  // An axis that keeps its size is left alone: the interpolating spline sampled at its own knots
  // is the identity, and skipping it avoids round-off that truncation to uint8 would turn into
  // off-by-one errors (the reference itself lands one grey level low on ~1.5% of such values).
  // (Every plan has the same fields in the same order, and so one hidden class in V8.)
  if (y.copy)
    return {
      source,
      bytes: undefined,
      outWidth,
      outHeight,
      mode: 'x',
      x,
      y,
      band,
      rowsLength: 0,
      coefficientsLength: 0,
    };
  const coefficientsLength = (y.w1 - y.w0) * band;
  const mode = y.kernel ? 'blur' : 'direct';
  const rowsLength = mode === 'blur' ? height * band : 0;
  return { source, bytes, outWidth, outHeight, mode, x, y, band, rowsLength, coefficientsLength };
}

/** Zeros the coefficient rows no pass writes (whole rows): once, before both phases. */
export function startResize(plan: ResizePlan, c: Float64Array): void {
  if (plan.mode === 'x') return;
  const { y, band } = plan;
  c.fill(0, 0, Math.max(0, SPLINE_PAD + y.lo - y.w0) * band);
  c.fill(0, Math.max(0, SPLINE_PAD + y.hi - y.w0) * band, plan.coefficientsLength);
}

/** The x pass of padded-plane rows [from, to). */
export function resizeRows(
  plan: ResizePlan,
  out: ResizeOutput,
  rows: Float64Array,
  c: Float64Array,
  from: number,
  to: number,
): void {
  const { source, band, outWidth } = plan;
  if (plan.mode === 'x') {
    if (!(out instanceof Float64Array)) throw new Error('a plan in mode x writes doubles');
    // Row py of the plane is row py of out; the columns outside the band and the padding rows are 0.
    const padEnd = Math.min(to, source.padTop);
    if (from < padEnd) out.fill(0, from * outWidth, padEnd * outWidth);
    const padStart = Math.max(from, source.padTop + source.height);
    if (padStart < to) out.fill(0, padStart * outWidth, to * outWidth);
    for (let py = Math.max(from, source.padTop); py < Math.min(to, source.padTop + source.height); py++) {
      out.fill(0, py * outWidth, py * outWidth + plan.x.o0);
      out.fill(0, py * outWidth + plan.x.o1, (py + 1) * outWidth);
    }
    xPass(plan, out, plan.x.o0, outWidth, from, to);
  } else if (plan.mode === 'blur') {
    xPass(plan, rows, -source.padTop * band, band, from, to);
  } else {
    xPass(plan, c, (SPLINE_PAD - plan.y.w0) * band, band, from, to);
  }
}

/** The y pass of output columns [x0, x1), once every row of the x pass is done. */
export function resizeColumns(
  plan: ResizePlan,
  out: ResizeOutput,
  rows: Float64Array,
  c: Float64Array,
  x0: number,
  x1: number,
  /** The SIMD loops, with c and out in its memory (see resizeAsPlanned). */
  simd?: ResizeSimd,
): void {
  if (plan.mode === 'x' || x1 <= x0) return;
  const { outWidth, outHeight, x, y } = plan;
  // Columns outside the band, and rows outside [y.o0, y.o1) of those inside it, are zero.
  const b0 = Math.max(x0, x.o0);
  const b1 = Math.min(x1, x.o1);
  const allNonZero = b0 === x0 && b1 === x1 && y.o0 === 0 && y.o1 === outHeight; // unpadded images
  const zero = plan.bytes ? clipInteger(0, plan.bytes.lo, plan.bytes.hi) : 0;
  for (let o = 0; o < outHeight && !allNonZero; o++) {
    const row = o * outWidth;
    if (b1 <= b0 || o < y.o0 || o >= y.o1) out.fill(zero, row + x0, row + x1);
    else {
      out.fill(zero, row + x0, row + b0);
      out.fill(zero, row + b1, row + x1);
    }
  }
  if (b1 <= b0) return;
  const bx0 = b0 - x.o0;
  const bx1 = b1 - x.o0;
  prefilterAndSampleColumns(plan, c, out, bx0, bx1, plan.mode === 'blur' ? rows : undefined, simd);
}

/** Lines prefiltered side by side in the x pass. */
const LINES = 4;

/**
 * Along x, for the image's rows among plane rows [from, to): blur (when shrinking), pad with 12
 * zeros, prefilter and sample, within the window of plan.x; the band of resized row py goes to
 * `out[base + py * stride ...]`. (Padding rows are zeros in, so zeros out: the caller's business.)
 */
function xPass(
  plan: ResizePlan,
  out: Float64Array,
  base: number,
  stride: number,
  from: number,
  to: number,
): void {
  const { width, height, padLeft, padTop, map } = plan.source;
  const ax = plan.x;
  const yFrom = Math.max(0, from - padTop);
  const yTo = Math.min(height, to - padTop);
  // A mapped source is read row by row through its map into `mapped`, which the rest then reads.
  const mapped = map ? new Float64Array(width) : undefined;
  const data = mapped ?? plan.source.data;
  const step = mapped ? 1 : plan.source.stride;
  if (ax.copy) {
    for (let y = yFrom; y < yTo; y++) {
      const o = base + (y + padTop) * stride - ax.o0;
      const s = sourceRow(plan.source, y, mapped);
      for (let x = 0; x < width; x++) out[o + padLeft + x] = data[s + x * step];
    }
    return;
  }
  const { kernel, radius, lo, hi, w0, w1 } = ax;
  const taps = ax.taps as Taps;
  const n = ax.padded + 2 * SPLINE_PAD;
  const lines = scratchBuffer(2, n * LINES);
  const raw = kernel ? new Float64Array(ax.padded + 2 * radius) : undefined; // zeros around for the blur
  const b0 = SPLINE_PAD + lo; // first line index the blur (or copy) writes
  const b1 = SPLINE_PAD + hi;
  for (let y0 = yFrom; y0 < yTo; y0 += LINES) {
    const count = Math.min(LINES, yTo - y0);
    for (let k = 0; k < LINES; k++) {
      const line = k * n;
      lines.fill(0, line + w0, line + b0);
      lines.fill(0, line + b1, line + w1);
      if (k >= count) {
        lines.fill(0, line + b0, line + b1); // a spare line in the last group: zeros, never stored
        continue;
      }
      const s = sourceRow(plan.source, y0 + k, mapped);
      if (kernel && kernel.length === 3) {
        blurRow3(
          data,
          s,
          step,
          width,
          kernel,
          lines,
          line + SPLINE_PAD + padLeft,
          padLeft > 0,
          padLeft + width < ax.padded,
        );
      } else if (raw && kernel) {
        for (let x = 0; x < width; x++) raw[radius + padLeft + x] = data[s + x * step];
        blurLine(raw, lo, hi - lo, kernel, lines, line + b0, radius + padLeft, radius + padLeft + width);
      } else {
        const d = line + SPLINE_PAD + padLeft;
        for (let x = 0; x < width; x++) lines[d + x] = data[s + x * step];
      }
    }
    prefilterLines(lines, n, w0, w1);
    const o0 = base + (y0 + padTop) * stride;
    if (count === LINES) sampleLines(lines, n, taps, ax.o0, ax.o1, stride, out, o0);
    else for (let k = 0; k < count; k++) sampleLine(lines, k * n, taps, ax.o0, ax.o1, out, o0 + k * stride);
  }
}

/**
 * Where xPassSimd keeps its scratch, in bytes from the start of the scratch: two pairs of
 * interleaved lines, then the taps' starts (int32) and weights (4 doubles each), 16-byte aligned.
 */
function xScratchLayout(ax: AxisPlan): { starts: number; weights: number; bytes: number } {
  const pairs = 2 * (ax.padded + 2 * SPLINE_PAD) * 16;
  const weights = pairs + ((ax.out * 4 + 15) & ~15);
  return { starts: pairs, weights, bytes: weights + ax.out * 32 };
}

/**
 * xPass of a plan in mode 'direct' without an x blur (resizeRows' case for a volume's slices), its
 * prefilter and sampling in SIMD on two lines at a time (see simd.wat), into c in the module's
 * memory; the last rows short of a group of four go to xPass. Each line is filled, prefiltered
 * and sampled with the same operations as in xPass, so c holds the same bits.
 */
function xPassSimd(plan: ResizePlan, c: Float64Array, area: SimdArea, from: number, to: number): void {
  const { width, height, padLeft, padTop, map } = plan.source;
  const ax = plan.x;
  const base = (SPLINE_PAD - plan.y.w0) * plan.band;
  const stride = plan.band;
  const yFrom = Math.max(0, from - padTop);
  const yTo = Math.min(height, to - padTop);
  const groupsEnd = yFrom + Math.floor((yTo - yFrom) / LINES) * LINES;
  if (groupsEnd > yFrom) {
    const n = ax.padded + 2 * SPLINE_PAD;
    const taps = ax.taps as Taps;
    const layout = xScratchLayout(ax);
    const pairsAt = area.scratchOffset;
    const startsAt = pairsAt + layout.starts;
    const weightsAt = pairsAt + layout.weights;
    const pairs = new Float64Array(area.scratch, pairsAt, 4 * n);
    new Int32Array(area.scratch, startsAt, ax.out).set(taps.start.subarray(0, ax.out));
    new Float64Array(area.scratch, weightsAt, 4 * ax.out).set(taps.weights.subarray(0, 4 * ax.out));
    const mapped = map ? new Float64Array(width) : undefined;
    const data = mapped ?? plan.source.data;
    const step = mapped ? 1 : plan.source.stride;
    const { w0, w1 } = ax;
    const b0 = SPLINE_PAD + ax.lo; // without a blur, [lo, hi) is the image itself
    const b1 = SPLINE_PAD + ax.hi;
    const first = SPLINE_PAD + padLeft;
    for (let y0 = yFrom; y0 < groupsEnd; y0 += LINES) {
      for (let pair = 0; pair < 2; pair++) {
        const p = pair * 2 * n; // the pair's first double in `pairs`
        pairs.fill(0, p + 2 * w0, p + 2 * b0);
        pairs.fill(0, p + 2 * b1, p + 2 * w1);
        for (let lane = 0; lane < 2; lane++) {
          const s = sourceRow(plan.source, y0 + 2 * pair + lane, mapped);
          interleaveRow(data, s, step, width, pairs, p + 2 * first + lane);
        }
        const at = pairsAt + p * 8;
        area.module.prefilterPair(at, w0, w1, n, POLE);
        const row = base + (y0 + 2 * pair + padTop) * stride;
        area.module.samplePair(
          at,
          startsAt,
          weightsAt,
          ax.o0,
          ax.o1,
          c.byteOffset + row * 8,
          c.byteOffset + (row + stride) * 8,
        );
      }
    }
  }
  if (groupsEnd < yTo) xPass(plan, c, base, stride, groupsEnd + padTop, to);
}

/** Source row samples into every second double of `pairs` from `at` (one lane of a pair). */
function interleaveRow(
  data: Float32Array | Float64Array | Uint8Array,
  s: number,
  step: number,
  width: number,
  pairs: Float64Array,
  at: number,
): void {
  for (let x = 0; x < width; x++) pairs[at + 2 * x] = data[s + x * step];
}

/**
 * Where row y of the source starts in what xPass reads: in the source's data, or, for a mapped
 * source, in `mapped`, where the row is mapped first. (A plain function: a closure made per call
 * was a new call target each time, and V8 deoptimised xPass for it.)
 */
function sourceRow(source: PlaneSource, y: number, mapped: Float64Array | undefined): number {
  const s = y * source.width * source.stride + source.offset;
  if (!mapped) return s;
  mapRow(source.data, s, source.stride, source.width, source.map as ValueMap, mapped);
  return 0;
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
 * out[o + i] = Σ_j kernel[j] · raw[from + i + j] for i in [0, count), summed in j order from 0 like
 * scipy's correlate1d (raw holds the row with `radius` zeros on each side; only raw[n0 … n1 − 1]
 * can be non-zero). Four samples are summed side by side: each sum is still one chain in j order,
 * but four independent chains keep the floating-point adder busy instead of waiting on one
 * chain's latency. Near the image's edges the taps that read zeros are left out (a narrow strip
 * is mostly such taps): leading ones, because +0 plus the first non-zero product is that product,
 * trailing ones because adding +0 changes nothing.
 */
function blurLine(
  raw: Float64Array,
  from: number,
  count: number,
  kernel: Float64Array,
  out: Float64Array,
  o: number,
  n0: number,
  n1: number,
): void {
  const last = kernel.length - 1;
  const end = from + count;
  let x = from;
  let d = o;
  for (; x + 4 <= end; x += 4, d += 4) {
    // Taps [j0, j1] cover every non-zero term of the four samples.
    const j0 = Math.max(0, n0 - x - 3);
    const j1 = Math.min(last, n1 - 1 - x);
    if (j1 < j0) {
      out[d] = out[d + 1] = out[d + 2] = out[d + 3] = 0;
      continue;
    }
    const q0 = x + j0;
    let r0 = raw[q0];
    let r1 = raw[q0 + 1];
    let r2 = raw[q0 + 2];
    let r3 = raw[q0 + 3];
    const k0 = kernel[j0];
    let s0 = k0 * r0;
    let s1 = k0 * r1;
    let s2 = k0 * r2;
    let s3 = k0 * r3;
    for (let j = j0 + 1, q = q0 + 4; j <= j1; j++, q++) {
      const k = kernel[j];
      r0 = r1;
      r1 = r2;
      r2 = r3;
      r3 = raw[q];
      s0 += k * r0;
      s1 += k * r1;
      s2 += k * r2;
      s3 += k * r3;
    }
    out[d] = s0;
    out[d + 1] = s1;
    out[d + 2] = s2;
    out[d + 3] = s3;
  }
  for (; x < end; x++, d++) {
    const j0 = Math.max(0, n0 - x);
    const j1 = Math.min(last, n1 - 1 - x);
    let s = j1 < j0 ? 0 : kernel[j0] * raw[x + j0];
    for (let j = j0 + 1; j <= j1; j++) s += kernel[j] * raw[x + j];
    out[d] = s;
  }
}

/**
 * Cubic B-spline prefilter with mirror boundary (scipy's apply_filter for mode 'mirror'), without
 * the gain (see makeTaps), on LINES lines of length n stored one after the other, swept only over
 * the window [w0, w1) (zeros outside it, see AxisPlan). The four recursions are independent and
 * run interleaved, each carrying its last value in a local.
 *
 * The causal initial value c[0] + z^(n−1)·c[n−1] (scipy sums z^i terms while z^i > 1e-18, i.e.
 * never, the pole being negative) reads the spline padding, which is zero: it is 0, and so is
 * every causal value before the first non-zero input, w0 included. When the window stops short of
 * the line's end, its last value is beyond the recursion's reach: 0, the anti-causal start too.
 */
function prefilterLines(c: Float64Array, n: number, w0: number, w1: number): void {
  const z = POLE;
  const l1 = n;
  const l2 = 2 * n;
  const l3 = 3 * n;
  let a0 = c[w0];
  let a1 = c[l1 + w0];
  let a2 = c[l2 + w0];
  let a3 = c[l3 + w0];
  for (let i = w0 + 1; i < w1; i++) {
    a0 = c[i] + z * a0;
    c[i] = a0;
    a1 = c[l1 + i] + z * a1;
    c[l1 + i] = a1;
    a2 = c[l2 + i] + z * a2;
    c[l2 + i] = a2;
    a3 = c[l3 + i] + z * a3;
    c[l3 + i] = a3;
  }
  const last = w1 - 1;
  if (w1 === n) {
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
  }
  for (let i = last - 1; i >= w0; i--) {
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

/** Outputs [o0, o1) of one line, to out[d ...] (output o0 first). */
function sampleLine(
  c: Float64Array,
  line: number,
  taps: Taps,
  o0: number,
  o1: number,
  out: Float64Array,
  d: number,
): void {
  const starts = taps.start;
  const weights = taps.weights;
  for (let o = o0, w = o0 * 4, i = d; o < o1; o++, w += 4, i++) {
    const s = line + starts[o];
    out[i] =
      weights[w] * c[s] + weights[w + 1] * c[s + 1] + weights[w + 2] * c[s + 2] + weights[w + 3] * c[s + 3];
  }
}

/** sampleLine on the LINES lines at once: each tap's position and weights are read once for all. */
function sampleLines(
  c: Float64Array,
  n: number,
  taps: Taps,
  from: number,
  to: number,
  stride: number,
  out: Float64Array,
  d: number,
): void {
  const starts = taps.start;
  const weights = taps.weights;
  const d1 = d + stride;
  const d2 = d1 + stride;
  const d3 = d2 + stride;
  for (let o = from, w = from * 4, i = 0; o < to; o++, w += 4, i++) {
    const s0 = starts[o];
    const s1 = s0 + n;
    const s2 = s1 + n;
    const s3 = s2 + n;
    const w0 = weights[w];
    const w1 = weights[w + 1];
    const w2 = weights[w + 2];
    const w3 = weights[w + 3];
    out[d + i] = w0 * c[s0] + w1 * c[s0 + 1] + w2 * c[s0 + 2] + w3 * c[s0 + 3];
    out[d1 + i] = w0 * c[s1] + w1 * c[s1 + 1] + w2 * c[s1 + 2] + w3 * c[s1 + 3];
    out[d2 + i] = w0 * c[s2] + w1 * c[s2 + 1] + w2 * c[s2 + 2] + w3 * c[s2 + 3];
    out[d3 + i] = w0 * c[s3] + w1 * c[s3 + 1] + w2 * c[s3 + 2] + w3 * c[s3 + 3];
  }
}

/**
 * The y blur of plane row py, columns [x0, x1) of the band: Σ_j kernel[j] · plane row py − radius + j
 * in scipy's j order, rows outside the image being zeros (left out of the sum). `input` holds the
 * image's rows only (row padTop of the plane first), the result goes to c[base + py * width ...].
 */
function blurColumnRow(
  input: Float64Array,
  width: number,
  padTop: number,
  height: number,
  kernel: Float64Array,
  out: Float64Array,
  base: number,
  py: number,
  x0: number,
  x1: number,
): void {
  const radius = (kernel.length - 1) >> 1;
  const dst = base + py * width;
  // Taps j in [lo, hi] read image row py + j − padTop.
  const lo = Math.max(-radius, padTop - py);
  const hi = Math.min(radius, padTop + height - 1 - py);
  const first = (py - padTop) * width;
  if (radius === 1 && lo === -1 && hi === 1) {
    const k0 = kernel[0];
    const k1 = kernel[1];
    const k2 = kernel[2];
    const r0 = first - width;
    const r1 = first;
    const r2 = first + width;
    for (let x = x0; x < x1; x++) out[dst + x] = k0 * input[r0 + x] + k1 * input[r1 + x] + k2 * input[r2 + x];
    return;
  }
  if (hi < lo) {
    out.fill(0, dst + x0, dst + x1);
    return;
  }
  // Four columns at a time, their sums in locals over all taps (one store each, not one per tap).
  const k = kernel[lo + radius];
  const r0 = first + lo * width;
  let x = x0;
  for (; x + 4 <= x1; x += 4) {
    let r = r0 + x;
    let s0 = k * input[r];
    let s1 = k * input[r + 1];
    let s2 = k * input[r + 2];
    let s3 = k * input[r + 3];
    for (let j = lo + 1; j <= hi; j++) {
      const kj = kernel[j + radius];
      r += width;
      s0 += kj * input[r];
      s1 += kj * input[r + 1];
      s2 += kj * input[r + 2];
      s3 += kj * input[r + 3];
    }
    out[dst + x] = s0;
    out[dst + x + 1] = s1;
    out[dst + x + 2] = s2;
    out[dst + x + 3] = s3;
  }
  for (; x < x1; x++) {
    let r = r0 + x;
    let s = k * input[r];
    for (let j = lo + 1; j <= hi; j++) {
      r += width;
      s += kernel[j + radius] * input[r];
    }
    out[dst + x] = s;
  }
}

/**
 * The prefilter along y on band columns [x0, x1) of the coefficient window (independent
 * recursions, run side by side along each row: contiguous memory, no dependency between
 * neighbours), and the sampling along y into out. Each output row is sampled as soon as the
 * backward sweep has finalised its four rows, while they are still in cache, instead of in a
 * separate pass over the whole buffer. The window's ends are as in prefilterLines.
 */
function prefilterAndSampleColumns(
  plan: ResizePlan,
  c: Float64Array,
  result: ResizeOutput,
  x0: number,
  x1: number,
  /** The x pass's rows to blur along y (mode 'blur'). */
  blurred: Float64Array | undefined,
  simd: ResizeSimd | undefined,
): void {
  // Each sweep a function of its own that ends with its loop. One long loop followed by more code
  // is entered mid-loop in optimised code compiled before that code ever ran (on-stack
  // replacement), which V8 then left for the interpreter, image after image.
  if (simd && !blurred) forwardSweepSimd(simd, plan, c, x0, x1);
  else forwardSweepColumns(plan, c, x0, x1, blurred);
  backwardSweepAndSample(plan, c, result, x0, x1, simd);
}

/** forwardSweepColumns without a blur, in SIMD (an odd last column in JavaScript). */
function forwardSweepSimd(simd: ResizeSimd, plan: ResizePlan, c: Float64Array, x0: number, x1: number): void {
  const { y, band: width } = plan;
  const rows = y.w1 - y.w0;
  const even = simdEnd(simd, x0, x1);
  simd.forwardSweep(c.byteOffset + x0 * 8, width * 8, rows, even - x0, POLE);
  if (even < x1) forwardSweepColumns(plan, c, even, x1, undefined);
}

/** The forward (causal) sweep of the y prefilter, with the y blur of each row just before it. */
function forwardSweepColumns(
  plan: ResizePlan,
  c: Float64Array,
  x0: number,
  x1: number,
  blurred: Float64Array | undefined,
): void {
  const z = POLE;
  const { y, band: width, source } = plan;
  const rows = y.w1 - y.w0;
  const base = (SPLINE_PAD - y.w0) * width; // c row of plane row 0
  for (let i = 1; i < rows; i++) {
    // Window row i is plane row py: blurred just before the forward sweep reaches it.
    const py = i + y.w0 - SPLINE_PAD;
    if (blurred && y.kernel && py >= y.lo && py < y.hi)
      blurColumnRow(blurred, width, source.padTop, source.height, y.kernel, c, base, py, x0, x1);
    const a = i * width;
    const p = a - width;
    for (let x = x0; x < x1; x++) c[a + x] += z * c[p + x];
  }
}

/** The backward (anti-causal) sweep of the y prefilter, sampling output rows as they are ready. */
function backwardSweepAndSample(
  plan: ResizePlan,
  c: Float64Array,
  result: ResizeOutput,
  x0: number,
  x1: number,
  simd: ResizeSimd | undefined,
): void {
  const z = POLE;
  const { y, band: width, outWidth } = plan;
  const rows = y.w1 - y.w0;
  const last = (rows - 1) * width;
  if (y.w1 === y.padded + 2 * SPLINE_PAD) {
    const prev = last - width;
    const k = z / (z * z - 1);
    for (let x = x0; x < x1; x++) c[last + x] = (z * c[prev + x] + c[last + x]) * k;
  }
  const taps = y.taps as Taps;
  const starts = taps.start;
  const column = plan.x.o0;
  const bytes = plan.bytes;
  const weights = taps.weights;
  let o = y.o1 - 1;
  for (let i = rows - 2; i >= 0; i--) {
    const a = i * width;
    // Once row i is final, every output row whose taps start at row i or further down can be
    // sampled. Upsampling makes one or two such rows per row i (exactly two at 2×, e.g. a 512²
    // CT to 1024²) whose taps start at row i itself: those are sampled in the same pass over x
    // as the sweep finalises row i, reading the four rows once for both (sweepAndSample).
    const first = o;
    while (o >= y.o0 && starts[o] - y.w0 >= i) o--;
    const ready = first - o;
    if (ready === 1 && starts[first] - y.w0 === i) {
      sweepAndSampleWith(
        simd,
        c,
        width,
        a,
        x0,
        x1,
        weights,
        first,
        first,
        result,
        first * outWidth + column,
        -1,
        bytes,
      );
    } else if (ready === 2 && starts[first] - y.w0 === i && starts[first - 1] - y.w0 === i) {
      const other = (first - 1) * outWidth + column;
      sweepAndSampleWith(
        simd,
        c,
        width,
        a,
        x0,
        x1,
        weights,
        first,
        first - 1,
        result,
        first * outWidth + column,
        other,
        bytes,
      );
    } else {
      sweepRowWith(simd, c, width, a, x0, x1);
      for (let k = first; k > o; k--)
        sampleRowWith(
          simd,
          c,
          width,
          starts[k] - y.w0,
          weights,
          k,
          result,
          k * outWidth + column,
          x0,
          x1,
          bytes,
        );
    }
  }
}

/** The backward sweep of row `a` alone (its outputs, if any, are sampled after it). */
function sweepRow(c: Float64Array, width: number, a: number, x0: number, x1: number): void {
  const z = POLE;
  const nx = a + width;
  for (let x = x0; x < x1; x++) c[a + x] = z * (c[nx + x] - c[a + x]);
}

/**
 * The backward sweep of row `a` (columns [x0, x1)) fused with the sampling of output rows `oa`
 * and, when `outB` ≥ 0, `ob`, whose four taps are rows a … a + 3: each coefficient is loaded
 * once for both, and the freshly swept value is used while still in a register. Every value is
 * computed by the same operations in the same order as the sweep then sampleRow, so the result
 * bits are the same.
 */
function sweepAndSample(
  c: Float64Array,
  width: number,
  a: number,
  x0: number,
  x1: number,
  weights: Float64Array,
  oa: number,
  ob: number,
  result: ResizeOutput,
  outA: number,
  outB: number,
  bytes: ByteOutput | undefined,
): void {
  const z = POLE;
  const r1 = a + width;
  const r2 = r1 + width;
  const r3 = r2 + width;
  const a0 = weights[oa * 4];
  const a1 = weights[oa * 4 + 1];
  const a2 = weights[oa * 4 + 2];
  const a3 = weights[oa * 4 + 3];
  if (bytes) {
    // The same values, each stored as its byte (see ByteOutput); loops of their own, so that each
    // store site only ever sees one kind of array.
    const { lo, hi } = bytes;
    if (outB < 0) {
      for (let x = x0; x < x1; x++) {
        const c1 = c[r1 + x];
        const c0 = z * (c1 - c[a + x]);
        c[a + x] = c0;
        result[outA + x] = clipInteger((a0 * c0 + a1 * c1 + a2 * c[r2 + x] + a3 * c[r3 + x]) | 0, lo, hi);
      }
      return;
    }
    const b0 = weights[ob * 4];
    const b1 = weights[ob * 4 + 1];
    const b2 = weights[ob * 4 + 2];
    const b3 = weights[ob * 4 + 3];
    for (let x = x0; x < x1; x++) {
      const c1 = c[r1 + x];
      const c0 = z * (c1 - c[a + x]);
      c[a + x] = c0;
      const c2 = c[r2 + x];
      const c3 = c[r3 + x];
      result[outA + x] = clipInteger((a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3) | 0, lo, hi);
      result[outB + x] = clipInteger((b0 * c0 + b1 * c1 + b2 * c2 + b3 * c3) | 0, lo, hi);
    }
    return;
  }
  if (outB < 0) {
    for (let x = x0; x < x1; x++) {
      const c1 = c[r1 + x];
      const c0 = z * (c1 - c[a + x]);
      c[a + x] = c0;
      result[outA + x] = a0 * c0 + a1 * c1 + a2 * c[r2 + x] + a3 * c[r3 + x];
    }
    return;
  }
  const b0 = weights[ob * 4];
  const b1 = weights[ob * 4 + 1];
  const b2 = weights[ob * 4 + 2];
  const b3 = weights[ob * 4 + 3];
  for (let x = x0; x < x1; x++) {
    const c1 = c[r1 + x];
    const c0 = z * (c1 - c[a + x]);
    c[a + x] = c0;
    const c2 = c[r2 + x];
    const c3 = c[r3 + x];
    result[outA + x] = a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3;
    result[outB + x] = b0 * c0 + b1 * c1 + b2 * c2 + b3 * c3;
  }
}

function sampleRow(
  c: Float64Array,
  width: number,
  start: number,
  weights: Float64Array,
  o: number,
  result: ResizeOutput,
  out: number,
  x0: number,
  x1: number,
  bytes: ByteOutput | undefined,
): void {
  const r0 = start * width;
  const r1 = r0 + width;
  const r2 = r1 + width;
  const r3 = r2 + width;
  const w0 = weights[o * 4];
  const w1 = weights[o * 4 + 1];
  const w2 = weights[o * 4 + 2];
  const w3 = weights[o * 4 + 3];
  if (bytes) {
    const { lo, hi } = bytes;
    for (let x = x0; x < x1; x++) {
      const v = w0 * c[r0 + x] + w1 * c[r1 + x] + w2 * c[r2 + x] + w3 * c[r3 + x];
      result[out + x] = clipInteger(v | 0, lo, hi);
    }
    return;
  }
  for (let x = x0; x < x1; x++) {
    result[out + x] = w0 * c[r0 + x] + w1 * c[r1 + x] + w2 * c[r2 + x] + w3 * c[r3 + x];
  }
}

/**
 * With the SIMD loops (c and result in their memory, bytes out), the even part of the columns
 * [x0, x1) goes to them and an odd last column to the JavaScript loop; without, all of it.
 */
function simdEnd(simd: ResizeSimd | undefined, x0: number, x1: number): number {
  return simd ? x0 + ((x1 - x0) & ~1) : x0;
}

/** sweepAndSample, its even part in SIMD when given (see simdEnd). */
function sweepAndSampleWith(
  simd: ResizeSimd | undefined,
  c: Float64Array,
  width: number,
  a: number,
  x0: number,
  x1: number,
  weights: Float64Array,
  oa: number,
  ob: number,
  result: ResizeOutput,
  outA: number,
  outB: number,
  bytes: ByteOutput | undefined,
): void {
  const even = simdEnd(simd, x0, x1);
  if (simd && even > x0) {
    const { lo, hi } = bytes as ByteOutput;
    const wa = oa * 4;
    const wb = outB < 0 ? wa : ob * 4;
    simd.sweepAndSample(
      c.byteOffset + (a + x0) * 8,
      width * 8,
      even - x0,
      POLE,
      weights[wa],
      weights[wa + 1],
      weights[wa + 2],
      weights[wa + 3],
      result.byteOffset + outA + x0,
      weights[wb],
      weights[wb + 1],
      weights[wb + 2],
      weights[wb + 3],
      outB < 0 ? -1 : result.byteOffset + outB + x0,
      lo,
      hi,
    );
  }
  sweepAndSample(c, width, a, even, x1, weights, oa, ob, result, outA, outB, bytes);
}

/** sweepRow, its even part in SIMD when given (see simdEnd). */
function sweepRowWith(
  simd: ResizeSimd | undefined,
  c: Float64Array,
  width: number,
  a: number,
  x0: number,
  x1: number,
): void {
  const even = simdEnd(simd, x0, x1);
  if (simd && even > x0) simd.sweepRow(c.byteOffset + (a + x0) * 8, width * 8, even - x0, POLE);
  sweepRow(c, width, a, even, x1);
}

/** sampleRow, its even part in SIMD when given (see simdEnd). */
function sampleRowWith(
  simd: ResizeSimd | undefined,
  c: Float64Array,
  width: number,
  start: number,
  weights: Float64Array,
  o: number,
  result: ResizeOutput,
  out: number,
  x0: number,
  x1: number,
  bytes: ByteOutput | undefined,
): void {
  const even = simdEnd(simd, x0, x1);
  if (simd && even > x0) {
    const { lo, hi } = bytes as ByteOutput;
    simd.sampleRow(
      c.byteOffset + (start * width + x0) * 8,
      width * 8,
      even - x0,
      weights[o * 4],
      weights[o * 4 + 1],
      weights[o * 4 + 2],
      weights[o * 4 + 3],
      result.byteOffset + out + x0,
      lo,
      hi,
    );
  }
  sampleRow(c, width, start, weights, o, result, out, even, x1, bytes);
}

/**
 * A truncated value clipped to the truncated bounds: the same as clip-then-truncate (truncation is
 * monotonic, and the values are far inside the int32 range), but all in small integers; clipping
 * the doubles first made V8 box a heap number per pixel (a select between an integer bound and a
 * double value), 15 MB of garbage per image.
 */
export function clipInteger(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
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
