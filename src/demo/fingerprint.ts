import { loadSharp } from '../runtime/optionalModules';

/** Side of the grayscale thumbnail used to recognise an image by its pixels. */
export const FINGERPRINT_SIDE = 32;

/**
 * A 32×32 grayscale thumbnail. Robust to what our preprocessing does to a 1024² sample (a
 * pass-through resize that may shift pixels by a grey level, alpha dropped, gray → RGB), yet
 * different for any two different images.
 */
export async function fingerprint(input: Buffer | string): Promise<Uint8Array> {
  const { data } = await loadSharp()(input)
    .flatten({ background: { r: 0, g: 0, b: 0 } })
    .greyscale()
    .resize(FINGERPRINT_SIDE, FINGERPRINT_SIDE, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return new Uint8Array(data.buffer, data.byteOffset, data.length);
}

/** Mean absolute difference in grey levels (0–255). */
export function fingerprintDistance(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

/** True for an image with (almost) no content, such as the endpoint test's black square. */
export function isBlank(print: Uint8Array): boolean {
  let min = 255;
  let max = 0;
  for (const v of print) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return max - min <= 2;
}
