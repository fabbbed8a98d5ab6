/** Helpers for scanning byte masks quickly. */

/**
 * Bit 7 of each byte in a 32-bit word: a byte value is ≥ 128 exactly when its bit 7 is set.
 * Signed (0x80808080 | 0) so that V8 keeps the arithmetic in int32 registers.
 */
export const HIGH_BITS = 0x80808080 | 0;

/**
 * A 32-bit view of a byte mask when it is 4-byte aligned, so scans can skip four background
 * pixels at a time (`(word & HIGH_BITS) === 0` means all four are < 128). Undefined otherwise.
 */
export function wordView(mask: ArrayLike<number>): Int32Array | undefined {
  // Int32Array, not Uint32Array: words ≥ 2^31 would leave the fast integer path.
  return mask instanceof Uint8Array && mask.byteOffset % 4 === 0
    ? new Int32Array(mask.buffer, mask.byteOffset, mask.length >> 2)
    : undefined;
}

let zeros = Buffer.alloc(4096);

/**
 * A Buffer over the same bytes as a Uint8Array mask (no copy), for native range checks.
 * Undefined for other array types.
 */
export function byteView(mask: ArrayLike<number>): Buffer | undefined {
  return mask instanceof Uint8Array ? Buffer.from(mask.buffer, mask.byteOffset, mask.length) : undefined;
}

/**
 * Whether bytes [start, end) of `buf` are all zero, by a native memcmp against zeros: most rows
 * of a probability map are exactly 0, and this skips them ~10× faster than any JS loop.
 */
export function isZeroRange(buf: Buffer, start: number, end: number): boolean {
  const len = end - start;
  if (len > zeros.length) zeros = Buffer.alloc(len);
  return buf.compare(zeros, 0, len, start, end) === 0;
}
