import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import { targetDistribution } from './targetDist';

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
  for (let i = 0, p = 0; i < n; i++, p += channels) {
    const m = mask[i];
    if (m >= 128) {
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
  const pValue = modalityKey === undefined ? null : adjustedPValue(image, mask, modalityKey, target);
  if (maskMax(mask) <= 127) return { status: 'not-found', pValue };
  if (pValue === null) return { status: 'not-assessed', pValue };
  return { status: pValue < threshold ? 'likely-absent' : 'valid', pValue };
}
