import { ImagingError } from '../errors';
import { checkDimensions } from '../limits';
import type { DecodedPixels } from './common';

/**
 * A small BMP reader of our own (libvips, hence sharp, has no BMP loader): Windows BMP with
 * BITMAPCOREHEADER (OS/2 1.x), BITMAPINFOHEADER and its V2–V5 extensions; 1/4/8-bit palette,
 * 16/24/32-bit direct colour with default masks or BI_BITFIELDS / BI_ALPHABITFIELDS; RLE8 and RLE4;
 * bottom-up and top-down rows. Alpha is dropped. Output is 8-bit RGB.
 */
export function isBmp(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x42 && data[1] === 0x4d; // "BM"
}

export function decodeBmp(file: string, data: Buffer): DecodedPixels {
  const fail = (problem: string): never => {
    throw new ImagingError(file, `invalid BMP: ${problem}`);
  };
  if (data.length < 26) fail('file too short for a BMP header');
  const dataOffset = data.readUInt32LE(10);
  const headerSize = data.readUInt32LE(14);
  if (headerSize !== 12 && headerSize < 40) fail(`unsupported header size ${headerSize}`);
  if (14 + headerSize > data.length) fail('truncated header');
  let width: number;
  let rawHeight: number;
  let bpp: number;
  let compression = 0;
  let paletteSize = 0;
  let masks: [number, number, number] | undefined;
  if (headerSize === 12) {
    width = data.readUInt16LE(18);
    rawHeight = data.readInt16LE(20);
    bpp = data.readUInt16LE(24);
  } else {
    width = data.readInt32LE(18);
    rawHeight = data.readInt32LE(22);
    bpp = data.readUInt16LE(28);
    compression = data.readUInt32LE(30);
    paletteSize = data.readUInt32LE(46);
    if (compression === 3 || compression === 6) {
      // Masks follow a 40-byte header, or sit inside V2+ headers at the same place.
      if (14 + 40 + 12 > data.length) fail('truncated colour masks');
      masks = [data.readUInt32LE(54), data.readUInt32LE(58), data.readUInt32LE(62)];
    }
  }
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  const tooBig = checkDimensions(width, height);
  if (tooBig) fail(tooBig);
  if (![1, 4, 8, 16, 24, 32].includes(bpp)) fail(`unsupported ${bpp} bits per pixel`);
  if (![0, 1, 2, 3, 6].includes(compression))
    fail(`unsupported compression ${compression} (JPEG/PNG inside BMP)`);
  if ((compression === 1 && bpp !== 8) || (compression === 2 && bpp !== 4))
    fail('RLE compression with a mismatched bit depth');

  let palette: Uint8Array | undefined;
  if (bpp <= 8) {
    const entries = paletteSize || 1 << bpp;
    const entrySize = headerSize === 12 ? 3 : 4;
    const start = 14 + headerSize + (headerSize === 40 && masks ? 12 : 0);
    if (start + entries * entrySize > data.length) fail('truncated palette');
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(entries, 256); i++) {
      const p = start + i * entrySize;
      palette[i * 3] = data[p + 2];
      palette[i * 3 + 1] = data[p + 1];
      palette[i * 3 + 2] = data[p];
    }
  }

  const pixels = new Float32Array(width * height * 3);
  const put = (x: number, row: number, r: number, g: number, b: number): void => {
    const y = topDown ? row : height - 1 - row;
    const o = (y * width + x) * 3;
    pixels[o] = r;
    pixels[o + 1] = g;
    pixels[o + 2] = b;
  };

  if (compression === 1 || compression === 2) {
    decodeRle(
      data,
      dataOffset,
      width,
      height,
      compression === 2,
      (x, row, index) => {
        put(x, row, palette![index * 3], palette![index * 3 + 1], palette![index * 3 + 2]);
      },
      fail,
    );
    return { width, height, channels: 3, pixels, bitsStored: 8 };
  }

  const stride = Math.floor((width * bpp + 31) / 32) * 4;
  if (dataOffset + stride * height > data.length)
    fail(`truncated pixel data (${data.length} bytes, expected ${dataOffset + stride * height})`);
  const m = masks ?? (bpp === 16 ? [0x7c00, 0x03e0, 0x001f] : [0xff0000, 0x00ff00, 0x0000ff]);
  const channel = m.map((mask) => maskInfo(mask));
  for (let row = 0; row < height; row++) {
    const base = dataOffset + row * stride;
    for (let x = 0; x < width; x++) {
      if (bpp <= 8) {
        const bitPos = x * bpp;
        const byte = data[base + (bitPos >> 3)];
        const index = (byte >> (8 - bpp - (bitPos & 7))) & ((1 << bpp) - 1);
        put(x, row, palette![index * 3], palette![index * 3 + 1], palette![index * 3 + 2]);
      } else if (bpp === 24 && !masks) {
        const p = base + x * 3;
        put(x, row, data[p + 2], data[p + 1], data[p]);
      } else {
        const v = bpp === 16 ? data.readUInt16LE(base + x * 2) : data.readUInt32LE(base + x * 4);
        put(x, row, channel[0](v), channel[1](v), channel[2](v));
      }
    }
  }
  return { width, height, channels: 3, pixels, bitsStored: 8 };
}

/** Extracts a channel under `mask` and scales it to 0–255 (5-bit 31 → 255, as PIL does). */
function maskInfo(mask: number): (v: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (((mask >>> (shift + bits)) & 1) === 1) bits++;
  const max = 2 ** bits - 1;
  return (v) => Math.round((((v & mask) >>> shift) * 255) / max);
}

function decodeRle(
  data: Buffer,
  offset: number,
  width: number,
  height: number,
  four: boolean,
  put: (x: number, row: number, index: number) => void,
  fail: (problem: string) => never,
): void {
  let p = offset;
  let x = 0;
  let row = 0;
  const need = (n: number): void => {
    if (p + n > data.length) fail('truncated RLE data');
  };
  const emit = (index: number): void => {
    if (x < width && row < height) put(x, row, index);
    x++;
  };
  while (row < height) {
    need(2);
    const count = data[p];
    const value = data[p + 1];
    p += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) emit(four ? (i & 1 ? value & 0x0f : value >> 4) : value);
    } else if (value === 0) {
      x = 0;
      row++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      need(2);
      x += data[p];
      row += data[p + 1];
      p += 2;
    } else {
      const n = value;
      const bytes = four ? Math.ceil(n / 2) : n;
      need(bytes);
      for (let i = 0; i < n; i++)
        emit(four ? (i & 1 ? data[p + (i >> 1)] & 0x0f : data[p + (i >> 1)] >> 4) : data[p + i]);
      p += bytes + (bytes & 1); // runs are padded to 16 bits
    }
  }
}
