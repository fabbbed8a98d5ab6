/**
 * Whether a three-component lossy JPEG in a DICOM file holds YCbCr (to be converted to RGB) or RGB
 * as it is. The JPEG stream itself says so first, as libjpeg reads it (jdapimin.c,
 * default_decompress_parms): a JFIF APP0 marker means YCbCr; an Adobe APP14 marker's transform
 * flag means RGB (0) or YCbCr (1, or anything else); component ids 1, 2, 3 mean YCbCr (JFIF
 * without its marker) and 'R', 'G', 'B' mean RGB. Only where the stream says nothing (no marker,
 * other ids such as 0, 1, 2) does libjpeg guess YCbCr; there the DICOM PhotometricInterpretation
 * decides instead, as pydicom and GDCM do: RGB means the encoder did not transform the colours.
 */

export type JpegColourSpace = 'ycbcr' | 'rgb';

export interface JpegColourFacts {
  jfif: boolean;
  /** The Adobe marker's transform flag, when there is a complete Adobe marker. */
  adobeTransform?: number;
  /** Component ids from the frame header (SOFn), in order. */
  componentIds: number[];
  /** Sample precision from the frame header (8 or 12 for lossy JPEG). */
  precision?: number;
}

/** Reads the markers before the first scan: JFIF, Adobe, and the frame header's component ids. */
export function jpegColourFacts(data: Uint8Array): JpegColourFacts {
  const facts: JpegColourFacts = { jfif: false, componentIds: [] };
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return facts;
  let i = 2;
  while (i + 4 <= data.length) {
    if (data[i] !== 0xff) break;
    const marker = data[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      i += 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image
    const length = (data[i + 2] << 8) | data[i + 3];
    if (length < 2) break;
    const body = i + 4;
    const bodyLength = length - 2;
    if (body + bodyLength > data.length) break;
    // libjpeg's own minimum lengths (APP0_DATA_LEN 14, APP14_DATA_LEN 12): a shorter marker is
    // not taken as JFIF or Adobe at all.
    if (marker === 0xe0 && bodyLength >= 14 && ascii(data, body, 5) === 'JFIF\0') facts.jfif = true;
    if (marker === 0xee && bodyLength >= 12 && ascii(data, body, 5) === 'Adobe')
      facts.adobeTransform = data[body + 11];
    // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const count = data[body + 5] ?? 0;
      facts.precision = data[body];
      facts.componentIds = [];
      for (let c = 0; c < count && body + 6 + 3 * c < data.length; c++)
        facts.componentIds.push(data[body + 6 + 3 * c]);
    }
    i = body + bodyLength;
  }
  return facts;
}

function ascii(data: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...data.subarray(at, at + length));
}

/** What libjpeg decides from the stream alone, or undefined where it only guesses. */
function streamColourSpace(facts: JpegColourFacts): JpegColourSpace | undefined {
  if (facts.jfif) return 'ycbcr';
  if (facts.adobeTransform !== undefined) return facts.adobeTransform === 0 ? 'rgb' : 'ycbcr';
  const [a, b, c] = facts.componentIds;
  if (a === 1 && b === 2 && c === 3) return 'ycbcr';
  if (a === 0x52 && b === 0x47 && c === 0x42) return 'rgb';
  return undefined;
}

/** The colour space of a three-component JPEG's samples (see the module comment). */
export function jpegColourSpace(facts: JpegColourFacts, photometric: string | undefined): JpegColourSpace {
  return streamColourSpace(facts) ?? (photometric === 'RGB' ? 'rgb' : 'ycbcr');
}

/**
 * An Adobe APP14 marker saying "no colour transform" (version 100, flags 0, transform 0), put right
 * after SOI: libjpeg then leaves the samples as they are.
 */
const ADOBE_NO_TRANSFORM = Uint8Array.from([
  0xff, 0xee, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, 0x00,
]);

/**
 * The JPEG stream to hand to libjpeg so that it converts colours exactly when the samples are
 * YCbCr: where libjpeg would guess YCbCr but the samples are RGB (no marker, ids 0, 1, 2 and
 * PhotometricInterpretation RGB), an Adobe "no transform" marker is added. Any other stream is
 * returned as it is.
 */
export function withDecidedColourTransform(data: Uint8Array, photometric: string | undefined): Uint8Array {
  const facts = jpegColourFacts(data);
  if (facts.componentIds.length !== 3) return data;
  if (streamColourSpace(facts) !== undefined || jpegColourSpace(facts, photometric) === 'ycbcr') return data;
  const out = new Uint8Array(data.length + ADOBE_NO_TRANSFORM.length);
  out.set(data.subarray(0, 2), 0);
  out.set(ADOBE_NO_TRANSFORM, 2);
  out.set(data.subarray(2), 2 + ADOBE_NO_TRANSFORM.length);
  return out;
}
