import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { isZeroRange } from '../analysis/byteMask';

const inflate = promisify(zlib.inflate);

/**
 * A fast path for the masks an evaluation reads by the thousand: 8-bit PNGs without palette
 * (greyscale as our exports write, RGBA as BiomedParse's datasets do), decoded with zlib and the
 * PNG filters in about a millisecond, where a general decoder costs several times that per mask.
 * The first channel is the value, as `readMask` reads it. Anything else (palette, 16-bit,
 * interlaced, damaged) answers undefined and the caller uses the general decoder, which names
 * the file in its errors.
 */

/** Channels per PNG colour type (0 grey, 2 RGB, 4 grey + alpha, 6 RGBA). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

/** Rows checked for zero in one native call while the rows above are zero. */
const ZERO_BAND = 32;

/**
 * Decodes on the thread pool (inflating is most of the work), so that several masks decode at
 * once on several cores.
 */
export async function decodeGray8Png(
  file: Uint8Array,
): Promise<{ data: Uint8Array; width: number; height: number } | undefined> {
  if (file.length < 33 || SIGNATURE.some((b, i) => file[i] !== b)) return undefined;
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Uint8Array[] = [];
  for (let pos = 8; pos + 12 <= file.length;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(file[pos + 4], file[pos + 5], file[pos + 6], file[pos + 7]);
    const data = file.subarray(pos + 8, pos + 8 + length);
    if (data.length !== length) return undefined;
    if (type === 'IHDR') {
      width = view.getUint32(pos + 8);
      height = view.getUint32(pos + 12);
      const [depth, colour, , , interlace] = data.subarray(8, 13);
      channels = CHANNELS[colour] ?? 0;
      if (depth !== 8 || !channels || interlace !== 0) return undefined;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + length;
  }
  if (!width || !height || width * height > 100_000_000 || idat.length === 0) return undefined;
  let raw: Buffer;
  try {
    // One output buffer of the known size: zlib's default 16 KiB chunks make inflating a 1024²
    // mask several times slower. One byte more than the data, because a chunk that comes out
    // exactly full makes Node allocate another whole chunk for a last call; at thousands of
    // masks, every megabyte allocated shows up as garbage collection.
    raw = await inflate(idat.length === 1 ? idat[0] : Buffer.concat(idat), {
      chunkSize: Math.max(64, (width * channels + 1) * height + 1),
    });
  } catch {
    return undefined;
  }
  const stride = width * channels + 1;
  if (raw.length < stride * height) return undefined;
  // PNG filters predict each byte from the same channel of the pixels to the left and above, so
  // the first channel unfilters on its own. Rows are written into the start of the inflated
  // buffer itself, in place of a new array per mask: output row y ends where input row y + 1
  // begins, and within a row each output byte lands on input bytes already read.
  const out = new Uint8Array(raw.buffer, raw.byteOffset, width * height);
  const ch = channels;
  // Whether output row y − 1 is all zero: known at the top and after a zero row, else looked up
  // only when a row needs it.
  let upZero: boolean | undefined = true;
  for (let y = 0; y < height; y++) {
    // Most rows of a mask are background: a row whose filtered bytes are all zero, below a zero
    // row (or at the top), is zero whatever its filter. Checked natively, a band of rows (filter
    // bytes included) at a time while they are.
    if (upZero && y + ZERO_BAND <= height && isZeroRange(raw, y * stride, (y + ZERO_BAND) * stride)) {
      out.fill(0, y * width, (y + ZERO_BAND) * width);
      y += ZERO_BAND - 1;
      continue;
    }
    const filter = raw[y * stride];
    const src = y * stride + 1;
    const row = y * width;
    const up = row - width;
    // A row filtered by None or Sub whose bytes repeat the row above's (the background rows of
    // an RGBA mask, whose alpha is not zero) unfilters to the same pixels. With two or more
    // channels the row above's input is still intact from the third row on (its output ends
    // before it), so the two compare natively.
    if (
      (filter === 0 || filter === 1) &&
      ch > 1 &&
      y >= 2 &&
      raw[src - 1 - stride] === filter &&
      raw.compare(raw, src - stride, src - 1, src, src + stride - 1) === 0
    ) {
      out.copyWithin(row, up, row);
      continue;
    }
    if (isZeroRange(raw, src, src + width * ch)) {
      upZero ??= isZeroRange(raw, up, row);
      if (upZero) {
        out.fill(0, row, row + width);
        continue;
      }
      if (filter === 2) {
        out.copyWithin(row, up, row);
        continue;
      }
    }
    if (filter === 0) {
      if (ch === 1) out.copyWithin(row, src, src + width);
      else for (let x = 0; x < width; x++) out[row + x] = raw[src + x * ch];
    } else if (filter === 1) {
      out[row] = raw[src];
      for (let x = 1; x < width; x++) out[row + x] = (raw[src + x * ch] + out[row + x - 1]) & 255;
    } else if (filter === 2) {
      if (y === 0) for (let x = 0; x < width; x++) out[x] = raw[src + x * ch];
      else for (let x = 0; x < width; x++) out[row + x] = (raw[src + x * ch] + out[up + x]) & 255;
    } else if (filter === 3) {
      for (let x = 0; x < width; x++) {
        const a = x ? out[row + x - 1] : 0;
        const b = y ? out[up + x] : 0;
        out[row + x] = (raw[src + x * ch] + ((a + b) >> 1)) & 255;
      }
    } else if (filter === 4) {
      for (let x = 0; x < width; x++) {
        const a = x ? out[row + x - 1] : 0;
        const b = y ? out[up + x] : 0;
        const c = x && y ? out[up + x - 1] : 0;
        const p = a + b - c;
        const pa = p > a ? p - a : a - p;
        const pb = p > b ? p - b : b - p;
        const pc = p > c ? p - c : c - p;
        out[row + x] = (raw[src + x * ch] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c)) & 255;
      }
    } else return undefined;
    upZero = undefined;
  }
  return { data: out, width, height };
}
