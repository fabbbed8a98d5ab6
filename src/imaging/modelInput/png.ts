import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const deflateRaw = promisify(zlib.deflateRaw);

/**
 * Encodes 8-bit RGB as a fresh PNG holding only IHDR, IDAT and IEND: no text, time, colour
 * profile or any other metadata chunk can leave the machine with it. Our own encoder rather than
 * sharp's: every row uses the "Up" filter (medical images are smooth vertically) and zlib level 1,
 * which here is both faster and smaller than sharp's fast settings. Deflate runs on the libuv
 * thread pool, off the event loop, in bands at once (see ScanlineDeflater).
 */
export async function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  const stride = width * 3;
  if (rgb.length !== stride * height)
    throw new Error(`expected ${stride * height} RGB bytes, got ${rgb.length}`);
  const filtered = scanlineBuffer((stride + 1) * height);
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
 * `adler` is their zlib Adler-32 when the caller has it (the model input computes it while writing
 * the bytes, see prepare.ts); otherwise it is computed here while the pool threads deflate.
 */
export async function encodeScanlines(
  scanlines: Buffer,
  adler: number | undefined,
  width: number,
  height: number,
): Promise<Buffer> {
  const deflater = new ScanlineDeflater(scanlines, width, height);
  deflater.bandReady(height >> 1);
  deflater.bandReady(height);
  // Unless the caller has it, the checksum is computed here while the pool threads deflate.
  return deflater.finish(adler ?? adler32(scanlines));
}

/**
 * Deflates PNG scanlines in bands while the caller is still writing the rows below them, on the
 * libuv pool threads, as pigz does: each band is an independent raw deflate stream ending with a
 * sync flush (a non-final, byte-aligned block), the last one a normal final stream, so they simply
 * concatenate; the zlib header and the Adler-32 of the whole are ours. Each band starts without
 * the previous band's dictionary, which costs a few hundred bytes.
 *
 * Why bands: deflating the 3 MB of a model input takes longer than everything computed before it.
 * Handed over band by band, it runs on the other core while this thread writes the next rows,
 * instead of after all of them.
 */
export class ScanlineDeflater {
  private readonly bands: Promise<Buffer>[] = [];
  private rowsDone = 0;

  constructor(
    /** Where the caller writes the rows; back in the buffer pool once finish() is done. */
    readonly scanlines: Buffer,
    private readonly width: number,
    private readonly height: number,
  ) {
    if (scanlines.length !== (width * 3 + 1) * height)
      throw new Error(`expected ${(width * 3 + 1) * height} scanline bytes, got ${scanlines.length}`);
  }

  /** Rows up to `endRow` are written: deflate the ones since the last band. */
  bandReady(endRow: number): void {
    if (endRow <= this.rowsDone || endRow > this.height) return;
    const rowBytes = this.width * 3 + 1;
    const band = this.scanlines.subarray(this.rowsDone * rowBytes, endRow * rowBytes);
    const last = endRow === this.height;
    // One output chunk holds the whole deflated band, so each band is a single job on the pool
    // (with the default 16 KB chunks, the round trips to the event loop took longer than the
    // compression): up to BAND_OUTPUT, which a model input's band deflates well below (a CT
    // band: ~100 kB). Sized for the worst case (the band's own size), the four output buffers
    // were 3 MB of fresh memory per image; a band that deflates to more takes one more job per
    // BAND_OUTPUT.
    const chunkSize = Math.min(band.length + (band.length >> 6) + 1024, BAND_OUTPUT);
    this.bands.push(
      deflateRaw(band, {
        level: 1,
        chunkSize,
        finishFlush: last ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      }),
    );
    this.rowsDone = endRow;
  }

  /** Deflates any rows not yet handed over, waits for all bands and returns the PNG. */
  async finish(adler: number): Promise<Buffer> {
    this.bandReady(this.height);
    let parts: Buffer[];
    try {
      parts = await Promise.all(this.bands);
    } finally {
      releaseScanlineBuffer(this.scanlines);
    }
    return assemblePng(parts, adler, this.width, this.height);
  }
}

/** The largest output buffer of one band (see bandReady). */
const BAND_OUTPUT = 256 * 1024;

/** Signature, IHDR, IDAT (zlib header, the raw deflate parts, Adler-32), IEND: written once, in place. */
function assemblePng(parts: Buffer[], adler: number, width: number, height: number): Buffer {
  let deflated = 0;
  for (const part of parts) deflated += part.length;
  const idatLength = 2 + deflated + 4;
  const png = Buffer.allocUnsafe(PNG_SIGNATURE.length + 25 + 12 + idatLength + 12);
  PNG_SIGNATURE.copy(png, 0);
  let p = PNG_SIGNATURE.length;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type RGB
  ihdr[10] = 0; // deflate
  ihdr[11] = 0; // adaptive filtering
  ihdr[12] = 0; // no interlace
  p = writeChunk(png, p, 'IHDR', ihdr);
  png.writeUInt32BE(idatLength, p);
  png.write('IDAT', p + 4, 'latin1');
  png[p + 8] = 0x78; // zlib header: deflate, 32 KB window, fastest
  png[p + 9] = 0x01;
  let at = p + 10;
  for (const part of parts) at += part.copy(png, at);
  png.writeUInt32BE(adler, p + 8 + idatLength - 4);
  png.writeUInt32BE(crc32(png.subarray(p + 4, p + 8 + idatLength)), p + 8 + idatLength);
  p += 12 + idatLength;
  writeChunk(png, p, 'IEND', Buffer.alloc(0));
  return png;
}

/**
 * Scanline buffers (3 MB for the model input) are reused: writing into fresh memory costs a page
 * fault per 4 KB, about as much as filling it. A buffer is back in the pool once its deflate is
 * done; concurrent encodes each take their own.
 */
const scanlinePool: Buffer[] = [];
const POOL_SIZE = 2;

export function scanlineBuffer(length: number): Buffer {
  const i = scanlinePool.findIndex((b) => b.length === length);
  if (i >= 0) return scanlinePool.splice(i, 1)[0];
  return Buffer.allocUnsafeSlow(length);
}

function releaseScanlineBuffer(buffer: Buffer): void {
  if (scanlinePool.length < POOL_SIZE) scanlinePool.push(buffer);
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

/** Writes a chunk (length, type, data, CRC) at `at`; returns the offset after it. */
function writeChunk(out: Buffer, at: number, type: string, data: Buffer): number {
  out.writeUInt32BE(data.length, at);
  out.write(type, at + 4, 'latin1');
  data.copy(out, at + 8);
  out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + data.length)), at + 8 + data.length);
  return at + 12 + data.length;
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
