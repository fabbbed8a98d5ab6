/**
 * A decoder for 12-bit lossy JPEG (JPEG Extended, process 4: sequential DCT with Huffman coding,
 * DICOM transfer syntax 1.2.840.10008.1.2.4.51 with BitsAllocated 16), which libjpeg-turbo's
 * 8-bit build (used for 8-bit JPEG) cannot read. Grey images only: 12-bit lossy JPEG in DICOM is
 * CT and MR; a colour one is refused with a clear error.
 *
 * The inverse DCT is the IJG library's "islow" integer transform (jidctint.c, the default of
 * DCMTK's and GDCM's 12-bit decoders) with its 12-bit constants (CONST_BITS 13, PASS1_BITS 1), so
 * the samples equal theirs exactly, not merely closely.
 */

export class Jpeg12Error extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Jpeg12Error';
  }
}

const ZIGZAG = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

interface HuffmanTable {
  /** Largest code of each length 1–16 (−1 when none), the index of its first value, the values. */
  maxCode: Int32Array;
  valPtr: Int32Array;
  minCode: Int32Array;
  values: Uint8Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  const minCode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1];
    if (n) {
      valPtr[length] = k;
      minCode[length] = code;
      code += n;
      k += n;
      maxCode[length] = code - 1;
    }
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { maxCode, valPtr, minCode, values };
}

/** Reads entropy-coded bits, skipping stuffed zero bytes; at a marker it supplies zeros, as IJG does. */
class BitReader {
  private buffer = 0;
  private bits = 0;
  private atMarker = false;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      if (!this.atMarker && this.pos < this.data.length) {
        byte = this.data[this.pos];
        if (byte === 0xff) {
          const next = this.data[this.pos + 1];
          if (next === 0) {
            this.pos += 2;
          } else {
            this.atMarker = true;
            byte = 0;
          }
        } else {
          this.pos++;
        }
      }
      this.buffer = ((this.buffer << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  bit(): number {
    if (this.bits === 0) this.fill();
    this.bits--;
    return (this.buffer >>> this.bits) & 1;
  }

  receive(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v;
  }

  decode(table: HuffmanTable): number {
    let code = this.bit();
    let length = 1;
    while (length <= 16 && code > table.maxCode[length]) {
      code = (code << 1) | this.bit();
      length++;
    }
    if (length > 16) throw new Jpeg12Error('corrupt Huffman code in the JPEG data');
    return table.values[table.valPtr[length] + code - table.minCode[length]];
  }

  /** Drops the buffered bits and reads past an RSTn marker (restart interval boundary). */
  restart(): void {
    this.buffer = 0;
    this.bits = 0;
    this.atMarker = false;
    while (
      this.pos + 1 < this.data.length &&
      !(this.data[this.pos] === 0xff && this.data[this.pos + 1] >= 0xd0 && this.data[this.pos + 1] <= 0xd7)
    )
      this.pos++;
    this.pos += 2;
  }
}

function extend(v: number, s: number): number {
  return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
}

// jidctint.c constants for CONST_BITS 13.
const F_0_298631336 = 2446;
const F_0_390180644 = 3196;
const F_0_541196100 = 4433;
const F_0_765366865 = 6270;
const F_0_899976223 = 7373;
const F_1_175875602 = 9633;
const F_1_501321110 = 12299;
const F_1_847759065 = 15137;
const F_1_961570560 = 16069;
const F_2_053119869 = 16819;
const F_2_562915447 = 20995;
const F_3_072711026 = 25172;
const CONST_BITS = 13;
const PASS1_BITS = 1; // 12-bit samples
const CENTER = 2048;
const MAX = 4095;

/** DESCALE(x, n): x / 2^n rounded, as IJG's arithmetic right shift (values stay exact in doubles). */
function descale(x: number, n: number): number {
  const unit = POW2[n];
  return Math.floor((x + unit / 2) / unit);
}

const POW2 = Float64Array.from({ length: 32 }, (_, n) => 2 ** n);

/** IJG's islow inverse DCT of one dequantized 8×8 block (natural order) into 12-bit samples. */
function idctIslow(
  coef: Float64Array,
  out: Uint16Array,
  outOffset: number,
  outStride: number,
  ws: Float64Array,
): void {
  const t = butterflyOut;
  const n1 = CONST_BITS - PASS1_BITS;
  for (let col = 0; col < 8; col++) {
    if (
      coef[8 + col] === 0 &&
      coef[16 + col] === 0 &&
      coef[24 + col] === 0 &&
      coef[32 + col] === 0 &&
      coef[40 + col] === 0 &&
      coef[48 + col] === 0 &&
      coef[56 + col] === 0
    ) {
      const dc = coef[col] * 2 ** PASS1_BITS;
      for (let r = 0; r < 8; r++) ws[r * 8 + col] = dc;
      continue;
    }
    butterfly(coef, col, 8, t);
    for (let r = 0; r < 8; r++) ws[r * 8 + col] = descale(t[r], n1);
  }
  const n2 = CONST_BITS + PASS1_BITS + 3;
  for (let row = 0; row < 8; row++) {
    const w = row * 8;
    const o = outOffset + row * outStride;
    if (
      ws[w + 1] === 0 &&
      ws[w + 2] === 0 &&
      ws[w + 3] === 0 &&
      ws[w + 4] === 0 &&
      ws[w + 5] === 0 &&
      ws[w + 6] === 0 &&
      ws[w + 7] === 0
    ) {
      const v = limit(descale(ws[w], PASS1_BITS + 3));
      for (let x = 0; x < 8; x++) out[o + x] = v;
      continue;
    }
    butterfly(ws, w, 1, t);
    for (let x = 0; x < 8; x++) out[o + x] = limit(descale(t[x], n2));
  }
}

const butterflyOut = new Float64Array(8);

/**
 * The islow butterfly of one column or row: inputs in[at + k·step] for k = 0…7 (natural order),
 * the eight outputs before descaling into out[0…7].
 */
function butterfly(input: Float64Array, at: number, step: number, out: Float64Array): void {
  // Even part.
  let z2 = input[at + 2 * step];
  let z3 = input[at + 6 * step];
  let z1 = (z2 + z3) * F_0_541196100;
  let tmp2 = z1 + z3 * -F_1_847759065;
  let tmp3 = z1 + z2 * F_0_765366865;
  z2 = input[at];
  z3 = input[at + 4 * step];
  let tmp0 = (z2 + z3) * 2 ** CONST_BITS;
  let tmp1 = (z2 - z3) * 2 ** CONST_BITS;
  const tmp10 = tmp0 + tmp3;
  const tmp13 = tmp0 - tmp3;
  const tmp11 = tmp1 + tmp2;
  const tmp12 = tmp1 - tmp2;
  // Odd part.
  tmp0 = input[at + 7 * step];
  tmp1 = input[at + 5 * step];
  tmp2 = input[at + 3 * step];
  tmp3 = input[at + step];
  z1 = tmp0 + tmp3;
  z2 = tmp1 + tmp2;
  z3 = tmp0 + tmp2;
  let z4 = tmp1 + tmp3;
  const z5 = (z3 + z4) * F_1_175875602;
  tmp0 *= F_0_298631336;
  tmp1 *= F_2_053119869;
  tmp2 *= F_3_072711026;
  tmp3 *= F_1_501321110;
  z1 *= -F_0_899976223;
  z2 *= -F_2_562915447;
  z3 *= -F_1_961570560;
  z4 *= -F_0_390180644;
  z3 += z5;
  z4 += z5;
  tmp0 += z1 + z3;
  tmp1 += z2 + z4;
  tmp2 += z2 + z3;
  tmp3 += z1 + z4;
  out[0] = tmp10 + tmp3;
  out[1] = tmp11 + tmp2;
  out[2] = tmp12 + tmp1;
  out[3] = tmp13 + tmp0;
  out[4] = tmp13 - tmp0;
  out[5] = tmp12 - tmp1;
  out[6] = tmp11 - tmp2;
  out[7] = tmp10 - tmp3;
}

function limit(v: number): number {
  const s = v + CENTER;
  return s < 0 ? 0 : s > MAX ? MAX : s;
}

interface Frame {
  precision: number;
  width: number;
  height: number;
  components: Array<{ id: number; h: number; v: number; tq: number }>;
}

/**
 * Decodes a 12-bit sequential Huffman JPEG with one component to its samples,
 * row-major. Throws Jpeg12Error for anything else or for corrupt data.
 */
export function decodeJpeg12(
  data: Uint8Array,
  expected: { width: number; height: number },
): { width: number; height: number; precision: number; samples: Uint16Array } {
  if (data[0] !== 0xff || data[1] !== 0xd8)
    throw new Jpeg12Error('not a JPEG stream (no start-of-image marker)');
  const quant: Float64Array[] = [];
  const dcTables: HuffmanTable[] = [];
  const acTables: HuffmanTable[] = [];
  let frame: Frame | undefined;
  let restartInterval = 0;
  let pos = 2;
  const u16 = (at: number) => (data[at] << 8) | data[at + 1];
  while (pos + 4 <= data.length) {
    if (data[pos] !== 0xff) throw new Jpeg12Error(`corrupt JPEG: expected a marker at byte ${pos}`);
    const marker = data[pos + 1];
    if (marker === 0xff) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break;
    const length = u16(pos + 2);
    const body = pos + 4;
    const end = pos + 2 + length;
    if (end > data.length) throw new Jpeg12Error('the JPEG data is truncated');
    if (marker === 0xdb) {
      for (let p = body; p < end;) {
        const pq = data[p] >> 4;
        const tq = data[p] & 15;
        p++;
        const table = new Float64Array(64);
        for (let k = 0; k < 64; k++) {
          table[ZIGZAG[k]] = pq ? u16(p + 2 * k) : data[p + k];
        }
        p += pq ? 128 : 64;
        quant[tq] = table;
      }
    } else if (marker === 0xc4) {
      for (let p = body; p < end;) {
        const tc = data[p] >> 4;
        const th = data[p] & 15;
        const counts = data.subarray(p + 1, p + 17);
        const total = counts.reduce((a, b) => a + b, 0);
        const table = buildHuffman(counts, data.subarray(p + 17, p + 17 + total));
        (tc === 0 ? dcTables : acTables)[th] = table;
        p += 17 + total;
      }
    } else if (marker === 0xdd) {
      restartInterval = u16(body);
    } else if (marker === 0xc0 || marker === 0xc1) {
      const count = data[body + 5];
      frame = {
        precision: data[body],
        height: u16(body + 1),
        width: u16(body + 3),
        components: Array.from({ length: count }, (_, c) => ({
          id: data[body + 6 + 3 * c],
          h: data[body + 7 + 3 * c] >> 4,
          v: data[body + 7 + 3 * c] & 15,
          tq: data[body + 8 + 3 * c],
        })),
      };
      if (count !== 1)
        throw new Jpeg12Error(
          `${count}-component ${frame.precision}-bit lossy JPEG is not supported (grey images only)`,
        );
      if (frame.precision !== 12)
        throw new Jpeg12Error(`JPEG sample precision ${frame.precision} is not read here (12-bit only)`);
      if (!(frame.width > 0 && frame.height > 0)) throw new Jpeg12Error('JPEG frame without a size');
      // Checked before anything is allocated: the DICOM header's size has passed the limits.
      if (frame.width !== expected.width || frame.height !== expected.height) {
        throw new Jpeg12Error(
          `compressed frame is ${frame.width}×${frame.height}, but the header says ${expected.width}×${expected.height}`,
        );
      }
    } else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      throw new Jpeg12Error(
        `JPEG process SOF${marker - 0xc0} (progressive, lossless or arithmetic) is not supported here`,
      );
    } else if (marker === 0xda) {
      if (!frame) throw new Jpeg12Error('corrupt JPEG: scan before the frame header');
      const selector = data[body + 2];
      const td = selector >> 4;
      const ta = selector & 15;
      const dc = dcTables[td];
      const ac = acTables[ta];
      const q = quant[frame.components[0].tq];
      if (!dc || !ac || !q) throw new Jpeg12Error('corrupt JPEG: missing Huffman or quantisation table');
      return { ...decodeScan(data, end, frame, dc, ac, q, restartInterval), precision: frame.precision };
    }
    pos = end;
  }
  throw new Jpeg12Error('no image in the JPEG data (no scan)');
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: Frame,
  dc: HuffmanTable,
  ac: HuffmanTable,
  q: Float64Array,
  restartInterval: number,
): { width: number; height: number; samples: Uint16Array } {
  const { width, height } = frame;
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  const stride = bw * 8;
  const full = new Uint16Array(stride * bh * 8);
  const reader = new BitReader(data, start);
  const coef = new Float64Array(64);
  const ws = new Float64Array(64);
  let pred = 0;
  let count = 0;
  for (let by = 0; by < bh; by++) {
    for (let bx = 0; bx < bw; bx++) {
      if (restartInterval && count > 0 && count % restartInterval === 0) {
        reader.restart();
        pred = 0;
      }
      count++;
      coef.fill(0);
      const s = reader.decode(dc);
      if (s > 16) throw new Jpeg12Error('corrupt JPEG: DC difference out of range');
      pred += s ? extend(reader.receive(s), s) : 0;
      coef[0] = pred * q[0];
      for (let k = 1; k < 64;) {
        const rs = reader.decode(ac);
        const r = rs >> 4;
        const size = rs & 15;
        if (size) {
          k += r;
          if (k > 63) throw new Jpeg12Error('corrupt JPEG: coefficient index out of range');
          const z = ZIGZAG[k];
          coef[z] = extend(reader.receive(size), size) * q[z];
          k++;
        } else if (r === 15) {
          k += 16;
        } else {
          break;
        }
      }
      idctIslow(coef, full, by * 8 * stride + bx * 8, stride, ws);
    }
  }
  const samples = new Uint16Array(width * height);
  for (let y = 0; y < height; y++) samples.set(full.subarray(y * stride, y * stride + width), y * width);
  return { width, height, samples };
}
