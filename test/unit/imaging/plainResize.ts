/**
 * The deliberately plain resize the fast paths in src/imaging/resize/bspline.ts are checked
 * against: the zero-padded plane is built for real, and every step runs over every sample of it
 * with every tap, zeros included, in the order scikit-image's pipeline (as bspline.ts documents)
 * does: along x, blur (when shrinking), 12 zeros of spline padding, mirror prefilter (pole √3 − 2),
 * cubic sampling; then the same along y. An axis that keeps its size is left alone. Slow
 * (O(padded side² · taps)), so only for small test planes.
 */
import type { PlaneSource } from '../../../src/imaging/resize/bspline';
import { gaussianKernel } from '../../../src/imaging/resize/gaussian';

const PAD = 12;
const POLE = Math.sqrt(3) - 2;
const GAIN = (1 - POLE) * (1 - 1 / POLE);

/** The source placed in its zero-padded plane, one float per pixel. */
function paddedPlane(source: PlaneSource): Float64Array {
  const { data, width, height, stride, offset, padLeft, padTop, paddedWidth: pw, paddedHeight: ph } = source;
  const plane = new Float64Array(pw * ph);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      plane[(y + padTop) * pw + x + padLeft] = data[(y * width + x) * stride + offset];
  return plane;
}

/** One line resized from n to outN samples (blur, spline padding, prefilter, sampling). */
function resizeLine(line: Float64Array, outN: number): Float64Array {
  const n = line.length;
  const sigma = Math.max(0, (n / outN - 1) / 2);
  let blurred = line;
  if (sigma > 1e-15) {
    const kernel = gaussianKernel(sigma);
    const radius = (kernel.length - 1) >> 1;
    const zeroed = new Float64Array(n + 2 * radius); // the line with zeros beyond its ends
    zeroed.set(line, radius);
    blurred = new Float64Array(n);
    for (let x = 0; x < n; x++) {
      let s = kernel[0] * zeroed[x];
      for (let j = 1; j < kernel.length; j++) s += kernel[j] * zeroed[x + j];
      blurred[x] = s;
    }
  }
  const m = n + 2 * PAD;
  const c = new Float64Array(m);
  c.set(blurred, PAD);
  // Causal initial value with mirror boundary: Σ z^i (c[i] + z^(m−1−… )), summed while z^i > 1e-18
  // (never, the pole being negative: the same as the code under test).
  const z = POLE;
  const zn1 = Math.pow(z, m - 1);
  let a = c[0] + zn1 * c[m - 1];
  let zi = z;
  for (let i = 1; i < m - 1 && zi > 1e-18; i++) {
    a += zi * (c[i] + zn1 * c[m - 1 - i]);
    zi *= z;
  }
  c[0] = a / (1 - zn1 * zn1);
  for (let i = 1; i < m; i++) c[i] = c[i] + z * c[i - 1];
  c[m - 1] = (z * c[m - 2] + c[m - 1]) * (z / (z * z - 1));
  for (let i = m - 2; i >= 0; i--) c[i] = z * (c[i + 1] - c[i]);
  const out = new Float64Array(outN);
  const zoom = n / outN;
  for (let o = 0; o < outN; o++) {
    const cc = (o + 0.5) * zoom - 0.5 + PAD;
    const f = Math.floor(cc);
    const y = cc - f;
    const t = 1 - y;
    const w1 = (y * y * (y - 2) * 3 + 4) / 6;
    const w2 = (t * t * (t - 2) * 3 + 4) / 6;
    const w3 = (y * y * y) / 6;
    const s = f - 1;
    out[o] =
      (1 - w1 - w2 - w3) * GAIN * c[s] + w1 * GAIN * c[s + 1] + w2 * GAIN * c[s + 2] + w3 * GAIN * c[s + 3];
  }
  return out;
}

/** The plain full-square computation of resizePlane(source, outWidth, outHeight). */
export function plainResizePlane(source: PlaneSource, outWidth: number, outHeight: number): Float64Array {
  const { paddedWidth: pw, paddedHeight: ph } = source;
  const plane = paddedPlane(source);
  const mid = new Float64Array(ph * outWidth);
  for (let y = 0; y < ph; y++) {
    const row = plane.subarray(y * pw, (y + 1) * pw);
    mid.set(pw === outWidth ? row : resizeLine(row, outWidth), y * outWidth);
  }
  if (ph === outHeight) return mid;
  const out = new Float64Array(outWidth * outHeight);
  const column = new Float64Array(ph);
  for (let x = 0; x < outWidth; x++) {
    for (let y = 0; y < ph; y++) column[y] = mid[y * outWidth + x];
    const resized = resizeLine(column, outHeight);
    for (let y = 0; y < outHeight; y++) out[y * outWidth + x] = resized[y];
  }
  return out;
}
