import * as path from 'node:path';
import type { SourceImage } from '../types';

/** What every decoder produces before the shared bookkeeping in finishImage. */
export interface DecodedPixels {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Float32Array | Uint8Array;
  bitsStored: number;
  /** [min, max] of the pixels when the decoder found it while writing them (else computed here). */
  range?: [number, number];
}

/** Fills range, default window and hints common to all formats. */
export function finishImage(
  file: string,
  format: SourceImage['format'],
  decoded: DecodedPixels,
  extra: Partial<SourceImage>,
): SourceImage {
  let [min, max] = decoded.range ?? valueRange(decoded.pixels);
  if (!Number.isFinite(min)) {
    min = 0;
    max = 0;
  }
  const image: SourceImage = {
    file,
    format,
    width: decoded.width,
    height: decoded.height,
    channels: decoded.channels,
    pixels: decoded.pixels,
    range: { min, max },
    burnedInAnnotation: false,
    bitsStored: decoded.bitsStored,
    ...extra,
  };
  image.defaultWindow ??= { lower: min, upper: max > min ? max : min + 1 };
  if (!image.modalityHint || !image.bodyPartHint) {
    const guess = guessFromName(file);
    image.modalityHint ??= guess.modality;
    image.bodyPartHint ??= guess.bodyPart;
  }
  return image;
}

const MODALITY_WORDS: Array<[RegExp, string]> = [
  [/(^|[^a-z])ct([^a-z]|$)/i, 'CT'],
  [/mri|(^|[^a-z])mr([^a-z]|$)|flair|t1|t2/i, 'MRI'],
  [/x-?ray|xray|cxr|radiograph/i, 'X-Ray'],
  // 2CH / 4CH name the apical two- and four-chamber views of echocardiography.
  [/ultrasound|(^|[^a-z])us([^a-z]|$)|echo|camus|(^|[^a-z0-9])[24]ch([^a-z]|$)/i, 'Ultrasound'],
  [/patholog|histo|(^|[^a-z])he([^a-z]|$)/i, 'Pathology'],
  [/oct([^a-z]|$)|dme/i, 'OCT'],
  [/endoscop|colonoscop|polyp/i, 'Endoscopy'],
  [/fundus|retina/i, 'Fundus'],
  [/dermoscop|derm|skin|lesion/i, 'Dermoscopy'],
];
const BODY_WORDS = [
  'abdomen',
  'lung',
  'chest',
  'liver',
  'brain',
  'heart',
  'prostate',
  'breast',
  'colon',
  'pelvis',
  'kidney',
  'pancreas',
];

/** A hint for the UI only: words in the file name. */
export function guessFromName(file: string): { modality?: string; bodyPart?: string } {
  const name = path.basename(file).replace(/[_.+]/g, ' ');
  const modality = MODALITY_WORDS.find(([re]) => re.test(name))?.[1];
  const bodyPart =
    BODY_WORDS.find((w) => name.toLowerCase().includes(w)) ??
    (/(^|[^a-z0-9])[24]ch([^a-z]|$)|echo|camus/i.test(name) ? 'heart' : undefined);
  return { modality, bodyPart };
}

/**
 * [min, max] of the values, NaN ignored ([Infinity, -Infinity] when there are none). Two running
 * pairs and selects instead of branches: a third of the time on large images, where this scan
 * showed up as one of the costliest steps of opening.
 */
export function valueRange(p: Float32Array | Uint8Array): [number, number] {
  let min0 = Infinity;
  let max0 = -Infinity;
  let min1 = Infinity;
  let max1 = -Infinity;
  const even = p.length & ~1;
  for (let i = 0; i < even; i += 2) {
    const v = p[i];
    const w = p[i + 1];
    min0 = v < min0 ? v : min0;
    max0 = v > max0 ? v : max0;
    min1 = w < min1 ? w : min1;
    max1 = w > max1 ? w : max1;
  }
  if (even < p.length) {
    const v = p[even];
    min0 = v < min0 ? v : min0;
    max0 = v > max0 ? v : max0;
  }
  return [min0 < min1 ? min0 : min1, max0 > max1 ? max0 : max1];
}
