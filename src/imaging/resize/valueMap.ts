/**
 * The reference's intensity step (clip, then stretch to 0–255; see modelInput/intensity.ts) as the
 * resize applies it to each source row while reading it, instead of to a whole float64 copy of
 * the image first: a 100-megapixel 16-bit image would need 800 MB for that copy. The arithmetic
 * is the same, in the same order, as applyIntensityInto's (clipInto, then stretchInPlace), so each
 * value read is the very double the copy would have held.
 */
export interface ValueMap {
  /** Clip bounds: v = p ≥ lower ? min(p, upper) : lower (NaN lands on lower). */
  lower: number;
  upper: number;
  /** Then (v − min) / span · 255, when the intensity stretches (window, percentile). */
  stretch?: { min: number; span: number };
  /** Every value is 0 (nothing above 0 for percentiles, or a constant image). */
  zero?: boolean;
}

/** One mapped value. */
export function mapValue(p: number, map: ValueMap): number {
  if (map.zero) return 0;
  const v = p >= map.lower ? Math.min(p, map.upper) : map.lower;
  return map.stretch ? ((v - map.stretch.min) / map.stretch.span) * 255 : v;
}

/** out[x] = the mapped value of data[s + x · step], for x in [0, width). */
export function mapRow(
  data: ArrayLike<number>,
  s: number,
  step: number,
  width: number,
  map: ValueMap,
  out: Float64Array,
): void {
  if (map.zero) {
    out.fill(0, 0, width);
    return;
  }
  const { lower, upper } = map;
  if (map.stretch) {
    const { min, span } = map.stretch;
    for (let x = 0; x < width; x++) {
      const p = data[s + x * step];
      const v = p >= lower ? Math.min(p, upper) : lower;
      out[x] = ((v - min) / span) * 255;
    }
  } else {
    for (let x = 0; x < width; x++) {
      const p = data[s + x * step];
      out[x] = p >= lower ? Math.min(p, upper) : lower;
    }
  }
}
