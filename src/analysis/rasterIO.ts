import { loadSharp } from '../runtime/optionalModules';

/** An 8-bit raster read from disk: interleaved channels, row-major. */
export interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
  channels: number;
}

/** Reads any image sharp understands as raw 8-bit pixels; errors name the file. */
export async function readRaster(file: string): Promise<Raster> {
  try {
    const { data, info } = await loadSharp()(file)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    return {
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
      width: info.width,
      height: info.height,
      channels: info.channels,
    };
  } catch (error) {
    throw new Error(
      `${file}: cannot read image (${error instanceof Error ? error.message : String(error)})`,
      {
        cause: error,
      },
    );
  }
}

/**
 * Reads a grayscale mask PNG (1 or more channels; the first is the value), one byte per pixel.
 */
export async function readMask(file: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  const r = await readRaster(file);
  if (r.channels === 1) return { mask: r.data, width: r.width, height: r.height };
  const n = r.width * r.height;
  const mask = new Uint8Array(n);
  for (let i = 0, p = 0; i < n; i++, p += r.channels) mask[i] = r.data[p];
  return { mask, width: r.width, height: r.height };
}

/** Encodes one byte per pixel as an 8-bit grayscale PNG. */
export async function encodeGrayPng(values: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (values.length !== width * height) {
    throw new Error(`cannot encode a ${width}×${height} PNG from ${values.length} values`);
  }
  // Without toColourspace('b-w') sharp 0.35 writes a one-channel raw buffer as an RGB PNG.
  return loadSharp()(values, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
}
