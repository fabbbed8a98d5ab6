import sharp from 'sharp';
import { ImagingError } from '../errors';
import { checkDimensions, MAX_PIXELS } from '../limits';
import type { SourceImage } from '../types';
import { decodeBmp, isBmp } from './bmp';
import { finishImage, type DecodedPixels } from './common';

/**
 * PNG, JPEG, TIFF, WebP (and GIF, AVIF where libvips has them) through sharp; BMP through our own
 * reader (libvips has no BMP loader). Values are kept as stored: 0–255 for 8-bit, 0–65535 for
 * 16-bit. Alpha is dropped without compositing, and embedded ICC profiles are ignored, as the
 * reference's PIL `convert('RGB')` does.
 */
export async function decodeRaster(file: string, data: Buffer): Promise<SourceImage> {
  if (isBmp(data)) return finishImage(file, 'raster', decodeBmp(file, data), {});
  let meta: sharp.Metadata;
  try {
    // Header only: dimensions are known before a single pixel is decoded.
    meta = await sharp(data, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw new ImagingError(file, `not a readable image (${describeSharpError(error)})`);
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  const tooBig = checkDimensions(width, height);
  if (tooBig) throw new ImagingError(file, tooBig);
  const deep =
    meta.depth === 'ushort' || meta.depth === 'short' || meta.depth === 'uint' || meta.depth === 'float';
  const grey = meta.channels === 1 || meta.channels === 2 || meta.space === 'b-w' || meta.space === 'grey16';
  let decoded: DecodedPixels;
  try {
    let pipeline = sharp(data, { limitInputPixels: MAX_PIXELS, ignoreIcc: true, failOn: 'error' });
    if (meta.space === 'cmyk') pipeline = pipeline.toColourspace('srgb');
    pipeline = pipeline.removeAlpha();
    if (grey) pipeline = pipeline.toColourspace(deep ? 'grey16' : 'b-w');
    else pipeline = pipeline.toColourspace(deep ? 'rgb16' : 'srgb');
    const { data: raw, info } = await pipeline
      .raw({ depth: deep ? 'ushort' : 'uchar' })
      .toBuffer({ resolveWithObject: true });
    let channels = info.channels;
    if (channels !== 1 && channels !== 3) throw new Error(`unexpected ${channels} channels after decoding`);
    const count = info.width * info.height;
    const samples = deep ? new Uint16Array(raw.buffer, raw.byteOffset, count * channels) : raw;
    // A grey picture stored as RGB (most grey JPEGs) is grey: one channel is the same image at a
    // third of the memory and work, for the viewer and the model input alike.
    if (channels === 3 && (deep ? identicalChannels16(samples as Uint16Array) : identicalChannels8(raw)))
      channels = 1;
    // Shared memory: the model input's resize worker reads the pixels without a copy. 8-bit
    // samples stay bytes; deeper ones become floats.
    const n = count * channels;
    let pixels: Float32Array | Uint8Array;
    let range: [number, number];
    if (deep) {
      pixels = new Float32Array(new SharedArrayBuffer(n * 4));
      range = widen16(samples as Uint16Array, channels === info.channels ? 1 : 3, pixels);
    } else {
      pixels = new Uint8Array(new SharedArrayBuffer(n));
      if (channels === info.channels) pixels.set(raw.subarray(0, n));
      else firstOfThree8(raw, pixels);
      range = byteRange(pixels);
    }
    decoded = { width: info.width, height: info.height, channels, pixels, bitsStored: deep ? 16 : 8, range };
  } catch (error) {
    throw new ImagingError(file, `cannot decode ${meta.format ?? 'image'} (${describeSharpError(error)})`);
  }
  return finishImage(file, 'raster', decoded, {});
}

// One function per sample type: a loop that sees both Buffer and Uint16Array reads ran slower.

/** True when every pixel's three bytes are equal, compared four pixels (three words) at a time. */
function identicalChannels8(bytes: Buffer): boolean {
  const n = bytes.length;
  let i = 0;
  if (bytes.byteOffset % 4 === 0) {
    const quads = Math.floor(n / 12);
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, quads * 3);
    for (let w = 0; w < quads * 3; w += 3) {
      // Bytes a a a b | b b c c | c d d d (little-endian words).
      const x = words[w];
      const y = words[w + 1];
      const z = words[w + 2];
      const a = x & 0xff;
      const b = x >>> 24;
      const c = (y >>> 16) & 0xff;
      const d = z >>> 24;
      if (
        (x & 0xffffff) !== a * 0x10101 ||
        (y & 0xffff) !== b * 0x101 ||
        y >>> 24 !== c ||
        (z & 0xff) !== c ||
        ((z >>> 8) & 0xffff) !== d * 0x101
      )
        return false;
    }
    i = quads * 12;
  }
  for (; i < n; i += 3) if (bytes[i] !== bytes[i + 1] || bytes[i] !== bytes[i + 2]) return false;
  return true;
}

function identicalChannels16(samples: Uint16Array): boolean {
  for (let i = 0; i < samples.length; i += 3) {
    if (samples[i] !== samples[i + 1] || samples[i] !== samples[i + 2]) return false;
  }
  return true;
}

function firstOfThree8(bytes: Buffer, out: Uint8Array): void {
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = bytes[j];
}

/** Every `step`-th sample into `out` as floats (step 3 keeps the first of identical channels), and their [min, max]. */
function widen16(samples: Uint16Array, step: number, out: Float32Array): [number, number] {
  if (out.length === 0) return [0, 0];
  let min = 65535;
  let max = 0;
  for (let i = 0, j = 0; i < out.length; i++, j += step) {
    const v = samples[j];
    out[i] = v;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return [min, max];
}

/**
 * [min, max] of bytes. Most 8-bit pictures reach both 0 and 255, which two native searches
 * (TypedArray indexOf) confirm in well under a millisecond; otherwise one pass marks the values
 * present. A JS min/max loop over the 8 MB of a 1634² colour image took 15 ms.
 */
export function byteRange(bytes: Uint8Array): [number, number] {
  if (bytes.length === 0) return [0, 0];
  if (bytes.indexOf(0) >= 0 && bytes.indexOf(255) >= 0) return [0, 255];
  const seen = new Uint8Array(256);
  for (let i = 0; i < bytes.length; i++) seen[bytes[i]] = 1;
  let min = 0;
  while (!seen[min]) min++;
  let max = 255;
  while (!seen[max]) max--;
  return [min, max];
}

function describeSharpError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    message
      .split('\n')[0]
      .replace(/^Input (buffer|file) /, '')
      .trim() || 'unknown error'
  );
}
