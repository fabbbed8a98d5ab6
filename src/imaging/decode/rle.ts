/**
 * DICOM RLE Lossless (PS3.5 Annex G) frame decoder: a 64-byte header with up to 15 segment
 * offsets, each segment PackBits-compressed. Segments hold one byte plane each, most significant
 * byte first, sample by sample. Returns the frame as native little-endian interleaved bytes
 * (planar configuration 0), as an uncompressed frame would hold it.
 */
export function decodeRleFrame(
  frame: Uint8Array,
  rows: number,
  columns: number,
  samplesPerPixel: number,
  bitsAllocated: number,
): Uint8Array {
  if (frame.length < 64) throw new Error('RLE frame shorter than its 64-byte header');
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = bitsAllocated / 8;
  const expected = samplesPerPixel * bytesPerSample;
  if (segments !== expected) throw new Error(`RLE frame has ${segments} segments, expected ${expected}`);
  const pixels = rows * columns;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(4 + 4 * (s + 1), true) : frame.length;
    if (start < 64 || start > frame.length || end > frame.length || end < start)
      throw new Error('RLE segment offsets out of range');
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample); // MSB plane first → little-endian position
    const step = expected;
    let o = sample * bytesPerSample + byteInSample;
    let written = 0;
    let p = start;
    while (written < pixels && p < end) {
      const n = (frame[p++] << 24) >> 24; // signed byte
      if (n >= 0) {
        const count = n + 1;
        if (p + count > end) throw new Error('truncated RLE segment');
        for (let i = 0; i < count && written < pixels; i++, written++, o += step) out[o] = frame[p + i];
        p += count;
      } else if (n !== -128) {
        const count = 1 - n;
        if (p >= end) throw new Error('truncated RLE segment');
        const value = frame[p++];
        for (let i = 0; i < count && written < pixels; i++, written++, o += step) out[o] = value;
      }
    }
    if (written < pixels) throw new Error(`RLE segment ${s + 1} decodes to ${written} of ${pixels} bytes`);
  }
  return out;
}

/** PackBits encoding of one byte plane (for writing RLE test data): literal runs and repeats ≤ 128. */
export function packBits(plane: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < plane.length) {
    let run = 1;
    while (i + run < plane.length && run < 128 && plane[i + run] === plane[i]) run++;
    if (run >= 2) {
      out.push(257 - run, plane[i]);
      i += run;
      continue;
    }
    const start = i;
    let len = 0;
    while (i < plane.length && len < 128 && !(i + 1 < plane.length && plane[i + 1] === plane[i])) {
      i++;
      len++;
    }
    if (len === 0) {
      i++;
      len = 1;
    }
    out.push(len - 1);
    for (let k = start; k < start + len; k++) out.push(plane[k]);
  }
  return Uint8Array.from(out);
}

/** Encodes a native little-endian interleaved frame as a DICOM RLE frame (header + segments, each even length). */
export function encodeRleFrame(
  frame: Uint8Array,
  pixels: number,
  samplesPerPixel: number,
  bitsAllocated: number,
): Uint8Array {
  const bytesPerSample = bitsAllocated / 8;
  const segmentsCount = samplesPerPixel * bytesPerSample;
  const segments: Uint8Array[] = [];
  for (let s = 0; s < segmentsCount; s++) {
    const sample = Math.floor(s / bytesPerSample);
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const plane = new Uint8Array(pixels);
    for (let i = 0; i < pixels; i++)
      plane[i] = frame[i * segmentsCount + sample * bytesPerSample + byteInSample];
    let seg = packBits(plane);
    if (seg.length % 2) seg = Uint8Array.from([...seg, 0x80]); // -128 is a no-op pad byte
    segments.push(seg);
  }
  const total = 64 + segments.reduce((n, s) => n + s.length, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, segmentsCount, true);
  let offset = 64;
  segments.forEach((seg, s) => {
    view.setUint32(4 + 4 * s, offset, true);
    out.set(seg, offset);
    offset += seg.length;
  });
  return out;
}
