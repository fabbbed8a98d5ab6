import type { ValueMap } from '../resize/valueMap';
import type { CtSite, IntensitySpec, SourceImage } from '../types';
import { clipAndStretchSimd } from './intensitySimd';

/** CT windows [lower, upper] in HU per anatomic site, as in the reference (BiomedParse CT_WINDOWS). */
export const CT_WINDOWS: Readonly<Record<CtSite, readonly [number, number]>> = {
  abdomen: [-150, 250],
  lung: [-1000, 1000],
  pelvis: [-55, 200],
  liver: [-25, 230],
  colon: [-68, 187],
  pancreas: [-100, 200],
};

export const CT_SITES = Object.keys(CT_WINDOWS) as CtSite[];

export function isCtSite(text: string): text is CtSite {
  return Object.prototype.hasOwnProperty.call(CT_WINDOWS, text);
}

/** Parses 'auto' | 'none' | 'percentile' | 'ct:<site>' | 'window:<lower>,<upper>'. Throws a one-line Error. */
export function parseIntensitySpec(text: string): IntensitySpec {
  const t = text.trim();
  if (t === 'auto') return { kind: 'auto' };
  if (t === 'none') return { kind: 'none' };
  if (t === 'percentile') return { kind: 'percentile' };
  if (t.startsWith('ct:')) {
    const site = t.slice(3);
    if (!isCtSite(site))
      throw new Error(`unknown CT site '${site}' (expected one of ${CT_SITES.join(', ')})`);
    return { kind: 'ct', site };
  }
  if (t.startsWith('window:')) {
    const parts = t.slice(7).split(',');
    const nums = parts.map((p) => (p.trim() === '' ? NaN : Number(p)));
    if (nums.length !== 2 || !nums.every(Number.isFinite)) {
      throw new Error(`window needs two numbers 'window:<lower>,<upper>', got '${text}'`);
    }
    if (!(nums[0] < nums[1]))
      throw new Error(`window lower bound must be below the upper bound, got '${text}'`);
    return { kind: 'window', lower: nums[0], upper: nums[1] };
  }
  throw new Error(
    `unknown intensity '${text}' (expected percentile, ct:<site>, window:<lower>,<upper>, auto or none)`,
  );
}

/** What is actually done to the values once 'auto' and CT sites are resolved. */
export type ResolvedIntensity =
  { kind: 'none' } | { kind: 'percentile' } | { kind: 'window'; lower: number; upper: number };

/**
 * Resolves 'auto': CT DICOM → abdomen window; other DICOM and NIfTI → percentile, except 8-bit
 * colour DICOM (ultrasound, photos) which is taken as it is; raster → as it is when 8-bit,
 * percentile when deeper (16-bit values have no "as it is" in an 8-bit input).
 */
export function resolveIntensity(
  image: SourceImage,
  spec: IntensitySpec = { kind: 'auto' },
): ResolvedIntensity {
  switch (spec.kind) {
    case 'none':
    case 'percentile':
      return spec;
    case 'window':
      return { kind: 'window', lower: spec.lower, upper: spec.upper };
    case 'ct': {
      const [lower, upper] = CT_WINDOWS[spec.site];
      return { kind: 'window', lower, upper };
    }
    case 'auto': {
      const deep = (image.bitsStored ?? 8) > 8;
      if (image.format === 'raster') return deep ? { kind: 'percentile' } : { kind: 'none' };
      if (image.format === 'dicom' && image.modalityHint?.toUpperCase() === 'CT') {
        const [lower, upper] = CT_WINDOWS.abdomen;
        return { kind: 'window', lower, upper };
      }
      if (image.format === 'dicom' && image.channels === 3 && !deep) return { kind: 'none' };
      return { kind: 'percentile' };
    }
    default: {
      const never: never = spec;
      throw new Error(`unknown intensity ${JSON.stringify(never)}`);
    }
  }
}

/** numpy.percentile (linear interpolation) of the values > 0, as the reference computes its bounds. */
export function positivePercentiles(pixels: Float32Array, qs: number[]): number[] | undefined {
  return percentilesOf(new RankSelector(pixels), qs);
}

function percentilesOf(ranks: RankSelector, qs: number[]): number[] | undefined {
  const count = ranks.count;
  if (count === 0) return undefined;
  return qs.map((q) => percentile(count, q, (k) => ranks.select(k)));
}

/** The q-th percentile of `count` ordered values, valueAt(k) being the k-th smallest. */
function percentile(count: number, q: number, valueAt: (k: number) => number): number {
  const pos = (q / 100) * (count - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  const a = valueAt(lo);
  if (frac === 0 || lo + 1 >= count) return a;
  const b = valueAt(lo + 1);
  // numpy's _lerp: a + (b - a) * t, evaluated from the other end when t ≥ 0.5.
  const diff = b - a;
  return frac >= 0.5 ? b - diff * (1 - frac) : a + diff * frac;
}

/** The ranks the percentiles qs read (see percentilesOf): what select will be asked. */
function ranksRead(count: number, qs: number[]): number[] {
  const ranks: number[] = [];
  for (const q of qs) {
    const pos = (q / 100) * (count - 1);
    const lo = Math.floor(pos);
    ranks.push(lo);
    if (pos - lo !== 0 && lo + 1 < count) ranks.push(lo + 1);
  }
  return ranks;
}

/**
 * Order statistics of the positive values of a float32 array without sorting or copying them:
 * positive IEEE-754 floats order like their bit patterns read as integers, so a histogram of the
 * upper 16 bits finds the bucket holding rank k, and a histogram of the lower 16 bits within that
 * bucket finds the value. A few linear passes instead of a quickselect over a copy (which took
 * most of a NIfTI slice's intensity step); the values are exactly those a sort would give.
 */
class RankSelector {
  readonly count: number;
  private readonly bits: Int32Array;
  private readonly high = new Int32Array(65536);
  private readonly low = new Int32Array(65536);
  private lowBucket = -1;

  /** Counts the values [from, to) into the histogram (the constructor counts all; see later). */
  constructor(pixels: Float32Array, counted = pixels.length) {
    // As int32, the positive floats (up to +Infinity) are exactly the bit patterns in
    // [1, POSITIVE_INFINITY_BITS]: zeros, negatives (sign bit set) and NaNs fall outside.
    // Integer tests keep every loop in small integers.
    this.bits = new Int32Array(pixels.buffer, pixels.byteOffset, pixels.length);
    this.count = 0;
    this.countRange(0, counted);
  }

  countRange(from: number, to: number): void {
    const { bits, high } = this;
    let count = 0;
    for (let i = from; i < to; i++) {
      const b = bits[i];
      if (b > 0 && b <= POSITIVE_INFINITY_BITS) {
        high[b >> 16]++;
        count++;
      }
    }
    (this as { count: number }).count += count;
  }

  /** The bucket (upper 16 bits) holding rank k, and the count below it. */
  bucketOf(k: number): { bucket: number; below: number } {
    const high = this.high;
    let bucket = 0;
    let below = 0;
    while (below + high[bucket] <= k) below += high[bucket++];
    return { bucket, below };
  }

  /** Whether select(k) must first count a bucket's lower bits (countLow over all values). */
  needsLow(bucket: number): boolean {
    return bucket !== this.lowBucket;
  }

  /** Counts the lower bits of values [from, to) in `bucket` (from = 0 starts afresh). */
  countLow(bucket: number, from: number, to: number): void {
    const { bits, low } = this;
    if (from === 0) {
      low.fill(0);
      this.lowBucket = -1;
    }
    for (let i = from; i < to; i++) {
      const b = bits[i];
      if (b >> 16 === bucket && b > 0 && b <= POSITIVE_INFINITY_BITS) low[b & 0xffff]++;
    }
    if (to === bits.length) this.lowBucket = bucket;
  }

  /** The k-th smallest positive value (0-based, k < count). */
  select(k: number): number {
    const { bucket, below: belowBucket } = this.bucketOf(k);
    if (this.needsLow(bucket)) this.countLow(bucket, 0, this.bits.length);
    const low = this.low;
    let below = belowBucket;
    let lowBits = 0;
    while (below + low[lowBits] <= k) below += low[lowBits++];
    FLOAT_BITS[0] = (bucket << 16) | lowBits;
    return FLOAT_VALUE[0];
  }
}

const POSITIVE_INFINITY_BITS = 0x7f800000;
const FLOAT_BITS = new Int32Array(1);
const FLOAT_VALUE = new Float32Array(FLOAT_BITS.buffer);

/**
 * Maps the values to 0–255 the way the reference does: clip to [lower, upper], then stretch the
 * clipped values' own min..max to 0..255 (so a window wider than the data stretches the data, as
 * in the reference). Constant images become 0. 'none' clips to 0..255.
 */
export function applyIntensity(pixels: Float32Array, intensity: ResolvedIntensity): Float64Array {
  return applyIntensityInto(pixels, intensity, new Float64Array(pixels.length)).values;
}

/** The values of applyIntensityInto and their range. */
export interface MappedIntensity {
  values: Float64Array;
  min: number;
  max: number;
  /** Every value is finite (so within 0–255); false only when percentile bounds reach an infinity. */
  finite: boolean;
}

/** applyIntensity into `out` (same length as pixels), also returning the min and max of the result. */
export function applyIntensityInto(
  pixels: Float32Array,
  intensity: ResolvedIntensity,
  out: Float64Array,
): MappedIntensity {
  return mapIntensity(pixels, intensity, () => out, true);
}

/**
 * applyIntensityInto for a caller that reads the values at once, in this thread, before anything
 * else maps an intensity (the model input's resize without its worker, see resizedPlanes): where
 * the WebAssembly SIMD loops run, the values are left in their module's memory (valid until the
 * next call) rather than copied into `out()`, 2 MB per CT slice.
 */
export function applyIntensityForNow(
  pixels: Float32Array,
  intensity: ResolvedIntensity,
  out: () => Float64Array,
): MappedIntensity {
  return mapIntensity(pixels, intensity, out, false);
}

function mapIntensity(
  pixels: Float32Array,
  intensity: ResolvedIntensity,
  out: () => Float64Array,
  copy: boolean,
): MappedIntensity {
  let lower = 0;
  let upper = 255;
  if (intensity.kind === 'percentile') {
    const bounds = positivePercentiles(pixels, [0.5, 99.5]);
    if (!bounds) return { values: out().fill(0), min: 0, max: 0, finite: true }; // nothing above 0: all black
    [lower, upper] = bounds;
  } else if (intensity.kind === 'window') {
    lower = intensity.lower;
    upper = intensity.upper;
  }
  // 'none' clips to 0–255; the others also stretch the clipped values' own min..max to 0..255.
  const stretch = intensity.kind !== 'none';
  // In WebAssembly SIMD where the runtime has it: the same bits, clipped and stretched in one call.
  const simd = clipAndStretchSimd(pixels, lower, upper, stretch);
  let values: Float64Array;
  let min: number;
  let max: number;
  if (simd) {
    ({ min, max } = simd);
    values = copy ? out() : simd.values;
    if (copy) values.set(simd.values);
  } else {
    values = out();
    [min, max] = clipInto(pixels, lower, upper, values);
  }
  if (!stretch) return { values, min, max, finite: true };
  const span = max - min;
  if (!(span > 0)) return { values: values.fill(0), min: 0, max: 0, finite: true };
  if (!simd) stretchInPlace(values, min, span);
  // The stretch is monotonic (each rounded step is), so its extremes are those of min and max:
  // (min − min) / span · 255 = 0 and (max − min) / span · 255 = 255, exactly.
  return { values, min: 0, max: 255, finite: Number.isFinite(span) };
}

/**
 * out = pixels clipped to [lower, upper], returning the clipped values' [min, max]. NaN (possible
 * in float NIfTI) fails `p >= lower` and lands on the lower bound. Math.min/max rather than
 * comparisons: CT values cross the window bounds at random, and mispredicted branches made this
 * loop twice as slow.
 */
function clipInto(
  pixels: Float32Array,
  lower: number,
  upper: number,
  out: Float64Array,
  from = 0,
  to = pixels.length,
): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const p = pixels[i];
    const v = p >= lower ? Math.min(p, upper) : lower;
    out[i] = v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return [min, max];
}

/** values ← (values − min) / span · 255: the reference's stretch, the same operations in order. */
function stretchInPlace(values: Float64Array, min: number, span: number, from = 0, to = values.length): void {
  for (let i = from; i < to; i++) values[i] = ((values[i] - min) / span) * 255;
}

/** Values per stretch of applyIntensityLater between two yields (a few ms of one thread). */
const LATER_CHUNK = 1 << 20;

/**
 * applyIntensityInto for images too big to map in one go on the extension host's thread: the same
 * passes (and results), in chunks of LATER_CHUNK values with a yield to the event loop between.
 */
export async function applyIntensityLater(
  pixels: Float32Array,
  intensity: ResolvedIntensity,
  out: Float64Array,
): Promise<{ values: Float64Array; min: number; max: number; finite: boolean }> {
  const chunks = chunked(pixels.length);
  const bounds = await clipBoundsLater(pixels, intensity, chunks);
  if (!bounds) return { values: out.fill(0), min: 0, max: 0, finite: true };
  const [lower, upper] = bounds;
  let min = Infinity;
  let max = -Infinity;
  await chunks((from, to) => {
    const [lo, hi] = clipInto(pixels, lower, upper, out, from, to);
    min = Math.min(min, lo);
    max = Math.max(max, hi);
  });
  if (intensity.kind === 'none') return { values: out, min, max, finite: true };
  const span = max - min;
  if (!(span > 0)) return { values: out.fill(0), min: 0, max: 0, finite: true };
  await chunks((from, to) => stretchInPlace(out, min, span, from, to));
  return { values: out, min: 0, max: 255, finite: Number.isFinite(span) };
}

/**
 * applyIntensityLater without its result: how to map each value (see resize/valueMap.ts, whose
 * mapValue gives exactly applyIntensityInto's value), and the min, max and finiteness the mapped
 * values would have. For images whose float64 copy would be too large to hold (hundreds of MB).
 */
export async function intensityMapLater(
  pixels: Float32Array,
  intensity: ResolvedIntensity,
): Promise<{ map: ValueMap; min: number; max: number; finite: boolean }> {
  const zero = { map: { lower: 0, upper: 0, zero: true }, min: 0, max: 0, finite: true };
  const chunks = chunked(pixels.length);
  const bounds = await clipBoundsLater(pixels, intensity, chunks);
  if (!bounds) return zero;
  const [lower, upper] = bounds;
  let min = Infinity;
  let max = -Infinity;
  await chunks((from, to) => {
    const [lo, hi] = clippedRange(pixels, lower, upper, from, to);
    min = Math.min(min, lo);
    max = Math.max(max, hi);
  });
  if (intensity.kind === 'none') return { map: { lower, upper }, min, max, finite: true };
  const span = max - min;
  if (!(span > 0)) return zero;
  return { map: { lower, upper, stretch: { min, span } }, min: 0, max: 255, finite: Number.isFinite(span) };
}

/** The [min, max] clipInto would return for values [from, to), without writing them. */
function clippedRange(
  pixels: Float32Array,
  lower: number,
  upper: number,
  from: number,
  to: number,
): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = from; i < to; i++) {
    const p = pixels[i];
    const v = p >= lower ? Math.min(p, upper) : lower;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  return [min, max];
}

type Chunks = (run: (from: number, to: number) => void) => Promise<void>;

/** Runs over [0, n) in chunks of LATER_CHUNK values, yielding to the event loop before each. */
function chunked(n: number): Chunks {
  return async (run) => {
    for (let from = 0; from < n; from += LATER_CHUNK) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      run(from, Math.min(n, from + LATER_CHUNK));
    }
  };
}

/**
 * The clip bounds [lower, upper] of the intensity, percentiles found in chunks; undefined when a
 * percentile has no positive value to read (the image maps to all zeros).
 */
async function clipBoundsLater(
  pixels: Float32Array,
  intensity: ResolvedIntensity,
  chunks: Chunks,
): Promise<[number, number] | undefined> {
  if (intensity.kind === 'window') return [intensity.lower, intensity.upper];
  if (intensity.kind === 'none') return [0, 255];
  const ranks = new RankSelector(pixels, 0);
  await chunks((from, to) => ranks.countRange(from, to));
  if (ranks.count === 0) return undefined;
  // select(k) counts a bucket's lower bits over all values when it needs them: done here first,
  // in chunks, for each rank a percentile reads, just before it is selected.
  const bounds: number[] = [];
  for (const q of [0.5, 99.5]) {
    const values = new Map<number, number>();
    for (const k of ranksRead(ranks.count, [q])) {
      const { bucket } = ranks.bucketOf(k);
      if (ranks.needsLow(bucket)) await chunks((from, to) => ranks.countLow(bucket, from, to));
      values.set(k, ranks.select(k));
    }
    bounds.push(percentile(ranks.count, q, (k) => values.get(k) as number));
  }
  return [bounds[0], bounds[1]];
}
