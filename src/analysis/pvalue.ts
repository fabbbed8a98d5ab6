import type betaCdfFn from '@stdlib/stats-base-dists-beta-cdf';

let betaCdfLoaded: typeof betaCdfFn | undefined;
/** The beta CDF, required on the first p-value: its special functions are ~100 kB that startup need not evaluate. */
function betaCdf(x: number, alpha: number, beta: number): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  betaCdfLoaded ??= require('@stdlib/stats-base-dists-beta-cdf') as typeof betaCdfFn;
  return betaCdfLoaded(x, alpha, beta);
}
import { targetDistribution } from './targetDist';
import { byteView, HIGH_BITS as HIGH_BITS_EXPORT, isZeroRange, wordView } from './byteMask';

// A module-local copy: under CommonJS transpilation (tests, tsx) an imported binding is a
// getter call on every use, which is measurable in the per-word loops below.
const HIGH_BITS = HIGH_BITS_EXPORT;

/**
 * Invalid-prompt check of the reference (BiomedParse `check_mask_stats`): does a returned
 * probability map look like the target it was asked for, in this modality?
 */

/** What the check concluded for one target. */
export type TargetStatus = 'valid' | 'likely-absent' | 'not-found' | 'not-assessed';

export interface TargetAssessment {
  status: TargetStatus;
  /** Adjusted p-value; null when the target has no reference distribution for the key. */
  pValue: number | null;
}

/** Default significance level under which a target is flagged as likely absent. */
export const DEFAULT_P_THRESHOLD = 0.05;

/**
 * Channels per pixel of an interleaved image that goes with a mask of `pixels` pixels.
 * Accepts gray (1), gray+alpha (2), RGB (3) and RGBA (4); alpha is ignored.
 */
export function imageChannels(image: ArrayLike<number>, pixels: number): number {
  const channels = pixels > 0 ? image.length / pixels : 0;
  if (!Number.isInteger(channels) || channels < 1 || channels > 4) {
    throw new Error(
      `image has ${image.length} values for a ${pixels}-pixel mask: expected 1 to 4 channels of the same size`,
    );
  }
  return channels;
}

/**
 * The four statistics of the reference: mean(m)/256 over the pixels where m ≥ 128, and the mean
 * of each of R, G, B over those pixels, /256. All zeros when max(m) ≤ 127 (nothing found).
 */
export function maskStatistics(
  image: ArrayLike<number>,
  mask: ArrayLike<number>,
): [number, number, number, number] {
  const n = mask.length;
  const channels = imageChannels(image, n);
  // Gray images repeat the one value on R, G and B, as the model input does.
  const gOff = channels >= 3 ? 1 : 0;
  const bOff = channels >= 3 ? 2 : 0;
  let count = 0;
  let sumM = 0;
  let sumR = 0;
  let sumG = 0;
  let sumB = 0;
  // Most of a mask is background: skip four pixels at a time when none of them is ≥ 128.
  // (Plain loops, no closure: captured mutable sums would live in a slow context object.)
  const words = wordView(mask);
  const bytes = byteView(mask);
  const wordCount = words ? words.length : 0;
  const next = wordCount << 2;
  // Blocks of 1024 pixels that are all exactly 0 are skipped natively (see isZeroRange).
  for (let block = 0; block < wordCount; block += 256) {
    const blockEnd = Math.min(wordCount, block + 256);
    if (bytes && isZeroRange(bytes, block << 2, blockEnd << 2)) continue;
    for (let w = block; w < blockEnd; w++) {
      if ((words![w] & HIGH_BITS) === 0) continue;
      for (let k = w << 2, end = k + 4; k < end; k++) {
        const m = mask[k];
        if (m >= 128) {
          const p = k * channels;
          count++;
          sumM += m;
          sumR += image[p];
          sumG += image[p + gOff];
          sumB += image[p + bOff];
        }
      }
    }
  }
  for (let i = next; i < n; i++) {
    const m = mask[i];
    if (m >= 128) {
      const p = i * channels;
      count++;
      sumM += m;
      sumR += image[p];
      sumG += image[p + gOff];
      sumB += image[p + bOff];
    }
  }
  // Integer sums stay exact in doubles (≤ 2^53), so sum/count equals numpy's mean here.
  if (count === 0) return [0, 0, 0, 0];
  return [sumM / count / 256, sumR / count / 256, sumG / count / 256, sumB / count / 256];
}

/** Whether any value of the mask is ≥ 128 (probability > 0.5). */
export function maskFound(mask: ArrayLike<number>): boolean {
  const words = wordView(mask);
  let i = 0;
  if (words) {
    for (let w = 0; w < words.length; w++) if (words[w] & HIGH_BITS) return true;
    i = words.length << 2;
  }
  for (; i < mask.length; i++) if (mask[i] >= 128) return true;
  return false;
}

/**
 * Two-sided one-sample Kolmogorov–Smirnov p-value of a single observation whose CDF value is F.
 * Written the way scipy's exact `kstwo.sf(D, 1)` evaluates it (D = max(1 − F, F), p = 1 − (2D − 1)),
 * so the rounding matches the reference, not just the formula 2·min(F, 1 − F).
 */
export function ksPValueSingle(F: number): number {
  const dPlus = 1 - F;
  const dMinus = F;
  const d = dPlus > dMinus ? dPlus : dMinus;
  if (d >= 1) return 0;
  if (d <= 0.5) return 1;
  const p = 1 - (2 * d - 1);
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/**
 * Adjusted p-value of a probability map (values 0–255, m/255 = probability) for a target:
 * the geometric mean of the four KS p-values of its statistics against the target's Beta
 * distributions. 0 for an empty mask; null when the key has no distribution for the target.
 *
 * @param image model-input image (same pixel count as the mask; 1, 3 or 4 interleaved channels)
 * @param mask  probability map, one value per pixel
 */
export function adjustedPValue(
  image: ArrayLike<number>,
  mask: ArrayLike<number>,
  modalityKey: string,
  target: string,
): number | null {
  const dist = targetDistribution(modalityKey, target);
  if (!dist) return null;
  return pValueFromStatistics(maskStatistics(image, mask), dist);
}

/** The adjusted p-value from already computed statistics (see {@link maskStatistics}). */
export function pValueFromStatistics(
  stats: readonly number[],
  dist: readonly (readonly [number, number])[],
): number {
  let product = 1;
  for (let i = 0; i < dist.length; i++) {
    product *= ksPValueSingle(betaCdf(stats[i], dist[i][0], dist[i][1]));
  }
  return Math.pow(product, 1 / dist.length);
}

/** Largest value of a mask (0 for an empty one). */
export function maskMax(mask: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] > max) max = mask[i];
  return max;
}

/**
 * Verdict for one returned mask: 'not-found' when no pixel reaches 128, 'not-assessed' when the
 * key has no reference distribution for the target, else 'likely-absent' below `pThreshold`
 * (default 0.05) and 'valid' otherwise.
 */
export function assessTarget(
  image: ArrayLike<number>,
  mask: ArrayLike<number>,
  modalityKey: string | undefined,
  target: string,
  options: { pThreshold?: number } = {},
): TargetAssessment {
  const threshold = options.pThreshold ?? DEFAULT_P_THRESHOLD;
  const dist = modalityKey === undefined ? undefined : targetDistribution(modalityKey, target);
  if (!dist) return { status: maskFound(mask) ? 'not-assessed' : 'not-found', pValue: null };
  const stats = maskStatistics(image, mask);
  const pValue = pValueFromStatistics(stats, dist);
  // stats[0] (mean of the values ≥ 128) is 0 only when there are none.
  if (stats[0] === 0) return { status: 'not-found', pValue };
  return { status: pValue < threshold ? 'likely-absent' : 'valid', pValue };
}
