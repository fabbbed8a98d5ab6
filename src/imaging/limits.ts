/**
 * Limits checked against header dimensions before any pixel buffer is allocated, so a file that
 * claims 30000×30000 fails fast instead of exhausting memory.
 */
export const MAX_PIXELS = 100_000_000; // per 2D image (e.g. 10000×10000)
export const MAX_DIMENSION = 65_535;
/** Upper bound on decoded bytes we are willing to hold for one file (volume or multi-frame). */
export const MAX_DECODED_BYTES = 2 * 1024 ** 3;
/**
 * Upper bound on the inflated data set of a Deflated Explicit VR Little Endian DICOM. Far below
 * MAX_DECODED_BYTES: the whole data set has to be held (the parser needs it in one piece) and
 * deflate packs a thousand to one, so a small download can otherwise claim gigabytes.
 */
export const MAX_INFLATED_DICOM_BYTES = 256 * 1024 ** 2;

export function checkDimensions(width: number, height: number): string | undefined {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    return `invalid image size ${width}×${height}`;
  }
  if (width > MAX_DIMENSION || height > MAX_DIMENSION || width * height > MAX_PIXELS) {
    return `image of ${width}×${height} pixels is larger than the supported ${MAX_PIXELS / 1e6} megapixels`;
  }
  return undefined;
}

/**
 * Upper bound on the pixels a PNG/JPEG/TIFF/WebP is decoded into: bytes for 8-bit samples, floats
 * (4 bytes) for deeper ones. 100-megapixel 8-bit RGB (300 MB) and 16-bit grey (400 MB) fit;
 * 16-bit RGB fits up to 34 megapixels. Keeps opening any accepted picture under 1 GB (measured
 * in bench/memory.bench.ts: decoding itself needs a few hundred MB beside the pixels).
 */
export const MAX_RASTER_PIXEL_BYTES = 400 * 1024 ** 2;

export function checkRasterMemory(
  width: number,
  height: number,
  channels: 1 | 3,
  deep: boolean,
): string | undefined {
  const bytes = width * height * channels * (deep ? 4 : 1);
  if (bytes <= MAX_RASTER_PIXEL_BYTES) return undefined;
  const limit = Math.floor(MAX_RASTER_PIXEL_BYTES / (channels * (deep ? 4 : 1)) / 1e6);
  return `${deep ? '16-bit' : '8-bit'} ${channels === 3 ? 'colour' : 'grey'} image of ${width}×${height} pixels is larger than the supported ${limit} megapixels for such images (it would take ${Math.round(bytes / 1024 ** 2)} MB of memory)`;
}
