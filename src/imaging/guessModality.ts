/**
 * A modality guess from the pixels alone, for images whose file name and tags say nothing (a
 * chest X-ray called covid_1585.png used to open as "CT · abdomen", the catalogue's first entry).
 * A few plain measurements, not a classifier: grey or colour, how much of the image is near-black
 * background, how bright its corners and centre are, its aspect. Each rule carries a confidence
 * the UI shows, so a weak guess reads as one. For suggestions only: nothing is sent or decided on it.
 */
import type { SourceImage } from './types';

export interface ModalityGuess {
  /** Catalogue spelling (src/shared/targets.ts), e.g. 'X-Ray'. */
  modality: string;
  site: string;
  /** 0–1: how often the rule is right on the kinds of images it was set on (a rough figure). */
  confidence: number;
  /** What the guess rests on, in words: "grey, little dark background, bright centre". */
  reason: string;
}

export interface ImageStats {
  /** Mean of max − min over the three channels, 0–255 scale (0 for grey images). */
  chroma: number;
  /** Mean of red − (green + blue)/2, 0–255 scale. */
  redness: number;
  /** Fraction of pixels in the darkest 5 % of the range. */
  dark: number;
  /** Mean brightness 0–1 (of the range). */
  mean: number;
  /** Mean brightness 0–1 of the four corner patches (6 % of each side). */
  corners: number;
  /** Mean brightness 0–1 of the central 30 % × 30 %. */
  centre: number;
  /** width / height. */
  aspect: number;
}

/** The measurements, on a subsample of at most ~256 × 256 pixels. */
export function imageStats(
  image: Pick<SourceImage, 'width' | 'height' | 'channels' | 'pixels' | 'range'>,
): ImageStats {
  const { width, height, channels, pixels } = image;
  const step = Math.max(1, Math.floor(Math.max(width, height) / 256));
  const lo = image.range.min;
  const span = image.range.max - lo || 1;
  const level = (x: number, y: number): number => {
    const p = y * width + x;
    if (channels === 1) return (pixels[p] - lo) / span;
    return ((pixels[p * 3] + pixels[p * 3 + 1] + pixels[p * 3 + 2]) / 3 - lo) / span;
  };
  let n = 0;
  let chroma = 0;
  let redness = 0;
  let dark = 0;
  let mean = 0;
  for (let y = 0; y < height; y += step)
    for (let x = 0; x < width; x += step) {
      const v = level(x, y);
      n++;
      mean += v;
      if (v < 0.05) dark++;
      if (channels === 3) {
        const p = (y * width + x) * 3;
        const [r, g, b] = [pixels[p], pixels[p + 1], pixels[p + 2]];
        const scale = 255 / span;
        chroma += (Math.max(r, g, b) - Math.min(r, g, b)) * scale;
        redness += (r - (g + b) / 2) * scale;
      }
    }
  const patchMean = (x0: number, y0: number, w: number, h: number) => {
    let s = 0;
    let k = 0;
    for (let y = y0; y < y0 + h; y += step)
      for (let x = x0; x < x0 + w; x += step) {
        s += level(x, y);
        k++;
      }
    return k ? s / k : 0;
  };
  const cw = Math.max(1, Math.floor(width * 0.06));
  const ch = Math.max(1, Math.floor(height * 0.06));
  const corners =
    (patchMean(0, 0, cw, ch) +
      patchMean(width - cw, 0, cw, ch) +
      patchMean(0, height - ch, cw, ch) +
      patchMean(width - cw, height - ch, cw, ch)) /
    4;
  const centre = patchMean(
    Math.floor(width * 0.35),
    Math.floor(height * 0.35),
    Math.max(1, Math.floor(width * 0.3)),
    Math.max(1, Math.floor(height * 0.3)),
  );
  return {
    chroma: chroma / n,
    redness: redness / n,
    dark: dark / n,
    mean: mean / n,
    corners,
    centre,
    aspect: width / height,
  };
}

/** The guess from the measurements; undefined when no rule fits (the UI then asks plainly). */
export function guessFromStats(s: ImageStats): ModalityGuess | undefined {
  if (s.chroma >= 12) {
    if (s.corners > 0.55 && s.mean > 0.45)
      return {
        modality: 'pathology',
        site: 'breast',
        confidence: 0.6,
        reason: 'colour, bright background (a stained slide)',
      };
    if (s.corners < 0.08 && s.redness > 25)
      return {
        modality: 'fundus',
        site: 'retinal',
        confidence: 0.35,
        reason: 'colour, reddish, dark surround',
      };
    if (s.redness > 25)
      return { modality: 'endoscope', site: 'colon', confidence: 0.3, reason: 'colour, reddish' };
    return { modality: 'dermoscopy', site: 'skin', confidence: 0.25, reason: 'colour photograph' };
  }
  if (s.dark < 0.15 && s.mean > 0.4 && s.centre > 0.4 && s.aspect > 0.7 && s.aspect < 1.4)
    return {
      modality: 'X-Ray',
      site: 'chest',
      confidence: 0.7,
      reason: 'grey, little black background, bright body filling the frame (a radiograph)',
    };
  if (s.aspect > 1.3 || (s.corners > 0.1 && s.corners < 0.4 && s.mean < 0.3))
    return {
      modality: 'OCT',
      site: 'retinal',
      confidence: 0.35,
      reason: 'grey, dark and speckled with no black surround (a retinal scan)',
    };
  if (s.dark >= 0.2 && s.corners < 0.05)
    return {
      modality: 'CT',
      site: 'abdomen',
      confidence: 0.3,
      reason: 'grey cross-section on a black background (CT or MRI: check)',
    };
  return undefined;
}

export function guessModality(
  image: Pick<SourceImage, 'width' | 'height' | 'channels' | 'pixels' | 'range'>,
): ModalityGuess | undefined {
  if (image.width * image.height === 0) return undefined;
  return guessFromStats(imageStats(image));
}
