import { promises as fs } from 'node:fs';
import type { Metadata, Sharp as SharpPipeline } from 'sharp';
import { loadSharp, type Sharp } from '../../runtime/optionalModules';
import { ImagingError } from '../errors';
import { checkDimensions, checkRasterMemory, MAX_PIXELS } from '../limits';
import type { SourceImage } from '../types';
import { decodeBmp, isBmp } from './bmp';
import { finishImage, type DecodedPixels } from './common';

/**
 * PNG, JPEG, TIFF, WebP (and GIF, AVIF where libvips has them) through sharp; BMP through our own
 * reader (libvips has no BMP loader); `head` is the file's first bytes, for the BMP signature.
 * Values are kept as stored: 0–255 for 8-bit, 0–65535 for 16-bit. Alpha is dropped without
 * compositing, and embedded ICC profiles are ignored, as the reference's PIL `convert('RGB')` does.
 */
export async function decodeRaster(file: string, head: Uint8Array): Promise<SourceImage> {
  if (isBmp(head)) return finishImage(file, 'raster', decodeBmp(file, await fs.readFile(file)), {});
  // sharp reads the file itself, streaming: its compressed bytes are never all held here.
  const input = file;
  let sharp: Sharp;
  try {
    sharp = loadSharp();
  } catch (error) {
    // Says what is missing and what to install; DICOM and NIfTI files keep working.
    throw new ImagingError(file, error instanceof Error ? error.message : String(error), { cause: error });
  }
  let meta: Metadata;
  try {
    // Header only: dimensions are known before a single pixel is decoded.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
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
  const channels: 1 | 3 = grey ? 1 : 3;
  // Checked before decoding: the pixels are kept as bytes (8-bit) or floats (deeper), so a
  // 100-megapixel 16-bit RGB picture would hold 1.2 GB; see MAX_RASTER_PIXEL_BYTES.
  const tooMuch = checkRasterMemory(width, height, channels, deep);
  if (tooMuch) throw new ImagingError(file, tooMuch);
  let decoded: DecodedPixels;
  try {
    let pipeline = sharp(input, {
      limitInputPixels: MAX_PIXELS,
      ignoreIcc: true,
      failOn: 'error',
      sequentialRead: true,
    });
    if (meta.space === 'cmyk') pipeline = pipeline.toColourspace('srgb');
    pipeline = pipeline.removeAlpha();
    if (grey) pipeline = pipeline.toColourspace(deep ? 'grey16' : 'b-w');
    else pipeline = pipeline.toColourspace(deep ? 'rgb16' : 'srgb');
    decoded = await streamPixels(
      pipeline.raw({ depth: deep ? 'ushort' : 'uchar' }),
      width,
      height,
      channels,
      deep,
    );
  } catch (error) {
    throw new ImagingError(file, `cannot decode ${meta.format ?? 'image'} (${describeSharpError(error)})`);
  }
  return finishImage(file, 'raster', decoded, {});
}

/**
 * Decodes through sharp's output stream straight into the pixels kept (shared memory: the model
 * input's resize worker reads them without a copy): 8-bit samples as bytes, deeper ones widened
 * to floats chunk by chunk. Holding sharp's whole raw buffer next to the floats made a
 * 100-megapixel 16-bit RGB PNG peak at 2 GB.
 */
async function streamPixels(
  stream: SharpPipeline,
  width: number,
  height: number,
  channels: 1 | 3,
  deep: boolean,
): Promise<DecodedPixels> {
  const n = width * height * channels;
  let pixels: Float32Array | Uint8Array = deep
    ? new Float32Array(new SharedArrayBuffer(n * 4))
    : new Uint8Array(new SharedArrayBuffer(n));
  let at = 0; // samples written
  let carry = -1; // a 16-bit sample's low byte when a chunk ended between its two bytes
  let min = 65535;
  let max = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (!deep) {
      if (at + chunk.length > n) throw new Error('decoder returned more pixels than the header says');
      (pixels as Uint8Array).set(chunk, at);
      at += chunk.length;
      continue;
    }
    const out = pixels as Float32Array;
    let i = 0;
    if (carry >= 0 && chunk.length > 0) {
      const v = carry | (chunk[0] << 8);
      out[at++] = v;
      min = v < min ? v : min;
      max = v > max ? v : max;
      carry = -1;
      i = 1;
    }
    const pairs = (chunk.length - i) >> 1;
    if (at + pairs > n) throw new Error('decoder returned more pixels than the header says');
    [min, max] = widen16(chunk, i, pairs, out, at, min, max);
    at += pairs;
    i += pairs * 2;
    if (i < chunk.length) carry = chunk[i];
  }
  if (at !== n || carry >= 0) throw new Error(`decoder returned ${at} of ${n} samples`);
  let kept: 1 | 3 = channels;
  // A grey picture stored as RGB (most grey JPEGs) is grey: one channel is the same image at a
  // third of the memory and work, for the viewer and the model input alike.
  if (channels === 3) {
    const same = deep
      ? identicalChannelsFloat(pixels as Float32Array)
      : identicalChannels8(Buffer.from((pixels as Uint8Array).buffer, 0, n));
    if (same) {
      kept = 1;
      const count = width * height;
      const one = deep
        ? new Float32Array(new SharedArrayBuffer(count * 4))
        : new Uint8Array(new SharedArrayBuffer(count));
      firstOfThree(pixels, one);
      pixels = one;
    }
  }
  const range: [number, number] = deep ? (n === 0 ? [0, 0] : [min, max]) : byteRange(pixels as Uint8Array);
  return { width, height, channels: kept, pixels, bitsStored: deep ? 16 : 8, range };
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

function identicalChannelsFloat(samples: Float32Array): boolean {
  for (let i = 0; i < samples.length; i += 3) {
    if (samples[i] !== samples[i + 1] || samples[i] !== samples[i + 2]) return false;
  }
  return true;
}

function firstOfThree(from: Float32Array | Uint8Array, out: Float32Array | Uint8Array): void {
  for (let i = 0, j = 0; i < out.length; i++, j += 3) out[i] = from[j];
}

/** `count` little-endian 16-bit samples of `bytes` from `offset` into `out` at `at` as floats, with their running [min, max]. */
function widen16(
  bytes: Buffer,
  offset: number,
  count: number,
  out: Float32Array,
  at: number,
  min: number,
  max: number,
): [number, number] {
  for (let k = 0, b = offset; k < count; k++, b += 2) {
    const v = bytes[b] | (bytes[b + 1] << 8);
    out[at + k] = v;
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
