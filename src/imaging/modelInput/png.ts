import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * Encodes 8-bit RGB as a fresh PNG holding only IHDR, IDAT and IEND: no text, time, colour
 * profile or any other metadata chunk can leave the machine with it. Our own encoder rather than
 * sharp's: every row uses the "Up" filter (medical images are smooth vertically) and zlib level 1,
 * which here is both faster and smaller than sharp's fast settings. Deflate runs on the libuv
 * thread pool, off the event loop, in two halves at once (see parallelZlib).
 */
export async function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  const stride = width * 3;
  if (rgb.length !== stride * height)
    throw new Error(`expected ${stride * height} RGB bytes, got ${rgb.length}`);
  const filtered = Buffer.allocUnsafe((stride + 1) * height);
  filtered[0] = 0; // None for the first row
  filtered.set(rgb.subarray(0, stride), 1);
  if (stride % 4 === 0 && rgb.byteOffset % 4 === 0) {
    // "Up" filter four bytes at a time: byte-wise subtraction modulo 256 in 32-bit words (SWAR).
    const words = stride / 4;
    const src = new Uint32Array(rgb.buffer, rgb.byteOffset, words * height);
    const row = new Uint32Array(words);
    const rowBytes = new Uint8Array(row.buffer);
    for (let y = 1; y < height; y++) {
      const s = y * words;
      const p = s - words;
      for (let w = 0; w < words; w++) {
        const a = src[s + w];
        const b = src[p + w];
        row[w] = ((a | 0x80808080) - (b & 0x7f7f7f7f)) ^ ((a ^ ~b) & 0x80808080);
      }
      const o = y * (stride + 1);
      filtered[o] = 2; // Up
      filtered.set(rowBytes, o + 1);
    }
  } else {
    for (let y = 1; y < height; y++) {
      const o = y * (stride + 1);
      const s = y * stride;
      const p = s - stride;
      filtered[o] = 2; // Up
      for (let x = 0; x < stride; x++) filtered[o + 1 + x] = rgb[s + x] - rgb[p + x];
    }
  }
  return encodeScanlines(filtered, undefined, width, height);
}

/**
 * The PNG of already filtered RGB scanlines (each row: filter type byte, then width × 3 bytes).
 * `adler` is their zlib Adler-32 when the caller has it (the model input of a grey image computes
 * it while writing the bytes, at a third of the work, see prepare.ts); otherwise it is computed
 * here while the pool threads deflate.
 */
export async function encodeScanlines(
  scanlines: Buffer,
  adler: number | undefined,
  width: number,
  height: number,
): Promise<Buffer> {
  if (scanlines.length !== (width * 3 + 1) * height)
    throw new Error(`expected ${(width * 3 + 1) * height} scanline bytes, got ${scanlines.length}`);
  const idat = await parallelZlib(scanlines, adler);
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', ihdr),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A zlib stream deflated in two halves on two pool threads, as pigz does: the first half ends with
 * a sync flush (a non-final, byte-aligned block), the second is a normal final stream, so the raw
 * deflate data simply concatenate; the zlib header and the Adler-32 of the whole are ours. The
 * second half starts without the first half's dictionary, which costs a few hundred bytes.
 */
/**
 * Output chunk size of each half: one chunk holds a whole half, so each deflate is a single job on
 * the pool. With the default 16 KB, the ~100 round trips to the event loop took longer than the
 * compression.
 */
const CHUNK = 4 << 20;

async function parallelZlib(data: Buffer, adler: number | undefined): Promise<Buffer> {
  const half = Math.floor(data.length / 2);
  const halves = Promise.all([
    deflateRaw(data.subarray(0, half), {
      level: 1,
      chunkSize: CHUNK,
      finishFlush: zlib.constants.Z_SYNC_FLUSH,
    }),
    deflateRaw(data.subarray(half), { level: 1, chunkSize: CHUNK }),
  ]);
  // The checksum is computed here while the pool threads deflate.
  const trailer = Buffer.alloc(4);
  trailer.writeUInt32BE(adler ?? adler32(data));
  const [a, b] = await halves;
  return Buffer.concat([Buffer.from([0x78, 0x01]), a, b, trailer]);
}

export function adler32(data: Uint8Array): number {
  let a = 1;
  let b = 0;
  const n = data.length;
  let i = 0;
  while (i < n) {
    // 5552 is the largest run before b can overflow 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, n);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

let table: Uint32Array | undefined;

function crc32(data: Uint8Array): number {
  const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;
  if (native) return native(data) >>> 0;
  if (!table) {
    table = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
