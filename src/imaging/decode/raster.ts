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
    if (channels === 3 && identicalChannels(samples)) channels = 1;
    const pixels = new Float32Array(count * channels);
    if (channels === info.channels) pixels.set(samples);
    else for (let i = 0, j = 0; i < count; i++, j += 3) pixels[i] = samples[j];
    decoded = { width: info.width, height: info.height, channels, pixels, bitsStored: deep ? 16 : 8 };
  } catch (error) {
    throw new ImagingError(file, `cannot decode ${meta.format ?? 'image'} (${describeSharpError(error)})`);
  }
  return finishImage(file, 'raster', decoded, {});
}

function identicalChannels(samples: ArrayLike<number>): boolean {
  for (let i = 0; i < samples.length; i += 3) {
    if (samples[i] !== samples[i + 1] || samples[i] !== samples[i + 2]) return false;
  }
  return true;
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
