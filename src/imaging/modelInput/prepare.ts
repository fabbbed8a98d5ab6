import { modelInputGeometry, MODEL_INPUT_SIZE } from '../geometry';
import { clipInteger, clipRange, type PlaneSource } from '../resize/bspline';
import {
  BANDED_WORK,
  resizePlaneInBands,
  resizePlaneParallel,
  resizePlaneToBytesParallel,
  type BandScratch,
} from '../resize/parallel';
import type { IntensitySpec, ModelInput, ModelInputGeometry, SourceImage } from '../types';
import { mapValue, type ValueMap } from '../resize/valueMap';
import {
  applyIntensityForNow,
  applyIntensityInto,
  intensityMapLater,
  resolveIntensity,
  type ResolvedIntensity,
} from './intensity';
import { ScanlineDeflater, scanlineBuffer } from './png';
import { greyScanlineWriter } from './scanlineSimd';

/**
 * Builds the 1024² RGB model input from a decoded image exactly as the reference prepares its
 * training data: intensity → pad to square with zeros → cubic B-spline resize per channel →
 * clip → truncate to uint8 → grey repeated on R, G and B. Works on a copy: the viewer's
 * full-fidelity pixels are never touched.
 */
export async function prepareModelInput(
  image: SourceImage,
  intensity: IntensitySpec = { kind: 'auto' },
  options: ModelInputOptions = {},
): Promise<ModelInput> {
  const resized = await resizedPlanesLater(image, intensity, { asBytes: true, ...options });
  const { planes, bounds } = resized;
  const geometry = modelInputGeometry(image.width, image.height);
  const size = MODEL_INPUT_SIZE;
  // The PNG scanlines and their checksum come out of one pass over the pixel bytes, and each band
  // of rows is deflated on the pool threads while the next is written.
  const deflater = new ScanlineDeflater(scanlineBuffer((size * 3 + 1) * size), size, size);
  if (planes.length <= 1) {
    // The resize's own bytes when it wrote them (copied out of its reused shared plane), else
    // the one float plane truncated and clipped.
    const grey = resized.grey
      ? new Uint8Array(resized.grey)
      : planeToGrey(planes[0], bounds[0][0], bounds[0][1]);
    const adler = greyScanlines(grey, size, deflater);
    const png = await deflater.finish(adler);
    let rgb: Uint8Array | undefined;
    return {
      png,
      geometry,
      grey,
      get rgb() {
        return (rgb ??= greyBytesToRgb(grey));
      },
    };
  }
  const rgb = new Uint8Array(size * size * 3);
  const adler = colourToRgbScanlines(planes, bounds, size, rgb, deflater);
  const png = await deflater.finish(adler);
  return { png, rgb, geometry };
}

export interface ModelInputOptions {
  /**
   * Resize on two threads, this one and a small worker (default). False for images prepared one
   * after another while others are in flight, the slices of a volume: the second core is then
   * busy with their deflate and HTTP anyway, and the worker's own share of the work (its
   * compiled code, the hand-over) cost 4 ms of CPU per 512² slice in the volume benchmark.
   */
  resizeWorker?: boolean;
}

/** The synchronous core of prepareModelInput: the 1024*1024*3 RGB bytes. */
export function modelInputPixels(
  image: SourceImage,
  intensity: IntensitySpec = { kind: 'auto' },
): Uint8Array {
  const { planes, bounds } = resizedPlanes(image, intensity);
  const size = MODEL_INPUT_SIZE;
  if (planes.length === 1) return planeToRgb(planes[0], bounds[0][0], bounds[0][1]);
  const rgb = new Uint8Array(size * size * 3);
  const words = new Uint32Array(rgb.buffer, rgb.byteOffset, rgb.length >> 2);
  const b = integerBounds(bounds);
  for (let y = 0; y < size; y++) colourRowToWords(planes, b, y, size, words);
  return rgb;
}

/**
 * Intensity, padding and resize: one float plane per distinct channel (planes are reused buffers,
 * valid until the next call) and the range [lo, hi] each is clipped to.
 */
function resizedPlanes(
  image: SourceImage,
  intensity: IntensitySpec,
  { asBytes = false, resizeWorker = true }: ResizeOptions = {},
): ResizedPlanes {
  const input = intensityInput(image, intensity);
  // Without the worker, the resize reads the mapped values here and now: they may stay where the
  // intensity step wrote them (applyIntensityForNow). The worker reads them from shared memory.
  const out = () => intensityBuffer(image.pixels.length);
  const mapped =
    'floats' in input
      ? resizeWorker
        ? applyIntensityInto(input.floats, input.resolved, out())
        : applyIntensityForNow(input.floats, input.resolved, out)
      : input;
  const { sources, ranges } = planeSources(image, mapped);
  const size = MODEL_INPUT_SIZE;
  // One grey plane whose clip range holds 0 (every padded or intensity-mapped one): its bounds are
  // known before the resize (see clipRange), which can then write the bytes itself.
  const [lo, hi] = ranges[0];
  if (asBytes && sources.length === 1 && lo <= 0 && 0 <= hi) {
    const grey = greyPlane();
    if (resizePlaneToBytesParallel(sources[0], size, size, grey, { lo: lo | 0, hi: hi | 0 }, resizeWorker))
      return { planes: [], bounds: [], grey };
  }
  const planes = sources.map((source, c) => resizePlaneParallel(source, size, size, planeBuffer(c)));
  return { planes, bounds: planes.map((plane, c) => clipRange([plane], ranges[c][0], ranges[c][1])) };
}

/**
 * resizedPlanes for prepareModelInput: a large image (a tall or wide strip, a 10000² scan) is
 * mapped and resized in chunks and bands that yield to the event loop (applyIntensityLater,
 * resizePlaneInBands), so the extension host keeps answering; its buffers are then its own,
 * since other preparations may run in between.
 */
async function resizedPlanesLater(
  image: SourceImage,
  intensity: IntensitySpec,
  options: ResizeOptions,
): Promise<ResizedPlanes> {
  const size = MODEL_INPUT_SIZE;
  const geometry = modelInputGeometry(image.width, image.height);
  const work = estimatedResizeWork(geometry, size) * image.channels;
  if (work <= BANDED_WORK) return resizedPlanes(image, intensity, options);
  const input = intensityInput(image, intensity);
  // No float64 copy of the mapped values here (800 MB for a 100-megapixel grey image): the resize
  // maps each row as it reads it (PlaneSource.map), to the same doubles.
  const mapped: MappedValues =
    'floats' in input
      ? { values: input.floats, ...(await intensityMapLater(input.floats, input.resolved)) }
      : input;
  const identical =
    image.channels === 3 ? await channelsIdenticalLater(mapped.values, mapped.map) : undefined;
  const ranges3 =
    identical === false ? await valueRangesPerChannelLater(mapped.values, mapped.map) : undefined;
  const { sources, ranges } = planeSources(image, mapped, identical, ranges3);
  const planes: Float64Array[] = [];
  // One after the other, so the channels share the resize's intermediates (see BandScratch).
  const scratch: BandScratch = {};
  for (const source of sources)
    planes.push(await resizePlaneInBands(source, size, size, sharedFloat64(size * size), scratch));
  return { planes, bounds: planes.map((plane, c) => clipRange([plane], ranges[c][0], ranges[c][1])) };
}

/**
 * Roughly what resizing one channel costs (multiply-adds; see resizeWork, which needs the plan):
 * the x pass over the image's rows and the blur's reach, the y pass over the columns it leaves
 * non-zero.
 */
function estimatedResizeWork(g: ModelInputGeometry, size: number): number {
  const taps = (padded: number) => (padded > size ? 2 * Math.floor(2 * (padded / size - 1) + 0.5) + 1 : 1);
  const tx = taps(g.paddedWidth);
  const ty = taps(g.paddedHeight);
  const band = Math.min(size, Math.ceil(((g.sourceWidth + tx + 1200) * size) / g.paddedWidth));
  return g.sourceHeight * (g.sourceWidth + tx) * tx + band * (g.sourceHeight + ty) * ty;
}

interface MappedValues {
  values: Float32Array | Float64Array | Uint8Array;
  /** When set, `values` are the values before the intensity step, which the resize applies. */
  map?: ValueMap;
  /** Of the mapped values. */
  min: number;
  max: number;
  /** Every mapped value is finite (so bounded, see PlaneSource.maxAbs). */
  finite: boolean;
}

/**
 * The values the resize reads: the pixels themselves when they are taken as they are (values
 * already within 0–255 need no copy), else the floats to map and how.
 */
function intensityInput(
  image: SourceImage,
  intensity: IntensitySpec,
): MappedValues | { floats: Float32Array; resolved: ResolvedIntensity } {
  const resolved = resolveIntensity(image, intensity);
  if (resolved.kind === 'none' && image.range.min >= 0 && image.range.max <= 255)
    return { values: image.pixels, min: image.range.min, max: image.range.max, finite: false };
  // Bytes (8-bit raster) only get here when a window or percentiles were asked for: rare enough
  // for a float copy, which the percentile search needs (it reads float bit patterns).
  const floats = image.pixels instanceof Uint8Array ? Float32Array.from(image.pixels) : image.pixels;
  return { floats, resolved };
}

/**
 * The mapped values as one PlaneSource per distinct channel, placed in the padded plane, and their
 * range. `identical`: whether the three channels are equal, when already known.
 */
function planeSources(
  image: SourceImage,
  mapped: MappedValues,
  identical?: boolean,
  channelRanges?: Array<[number, number]>,
): { sources: PlaneSource[]; ranges: Array<[number, number]> } {
  const { width, height } = image;
  const { values } = mapped;
  const { min, max } = mapped;
  // A colour image whose channels are identical (a grey JPEG saved as RGB) needs one resize.
  const channels = image.channels === 3 && !(identical ?? channelsIdentical(values)) ? 3 : 1;
  const { paddedWidth: pw, paddedHeight: ph, padLeft, padTop } = modelInputGeometry(width, height);

  // skimage clips to the range of its input. The reference resizes each colour channel on its
  // own (read_rgb), so each is clipped to its own range, that of the padded channel.
  const ranges: Array<[number, number]> =
    channels === 1 ? [[min, max]] : (channelRanges ?? valueRangesPerChannel(values, 0, values.length));
  if (pw !== width || ph !== height) {
    for (const range of ranges) {
      range[0] = Math.min(range[0], 0);
      range[1] = Math.max(range[1], 0);
    }
  }

  const sources: PlaneSource[] = [];
  for (let c = 0; c < channels; c++) {
    // The zero padding is never built: the resize places each source row in its padded line.
    // Mapped values are within 0–255 when finite: the resize need not scan them for their bound.
    sources.push({
      data: values,
      width,
      height,
      stride: image.channels,
      offset: c,
      padLeft,
      padTop,
      paddedWidth: pw,
      paddedHeight: ph,
      // (An unbounded mapped source is swept whole: NaN, as its values cannot be scanned.)
      maxAbs: mapped.finite ? 255 : mapped.map ? NaN : undefined,
      map: mapped.map,
    });
  }
  return { sources, ranges };
}

interface ResizeOptions extends ModelInputOptions {
  /** The grey model input's bytes from the resize itself, when it can (ResizedPlanes.grey). */
  asBytes?: boolean;
}

interface ResizedPlanes {
  planes: Float64Array[];
  /** [lo, hi] each plane is clipped to. */
  bounds: Array<[number, number]>;
  /**
   * Instead of planes, when asked for and possible: the grey model input's bytes, written by the
   * resize itself into a reused shared plane (valid until the next call).
   */
  grey?: Uint8Array;
}

/** Each of the three interleaved channels' [min, max] over values[from, to), NaN ignored. */
function valueRangesPerChannel(
  values: Float32Array | Float64Array | Uint8Array,
  from: number,
  to: number,
  ranges: Array<[number, number]> = [
    [Infinity, -Infinity],
    [Infinity, -Infinity],
    [Infinity, -Infinity],
  ],
  map?: ValueMap,
): Array<[number, number]> {
  for (let c = 0; c < 3; c++) {
    let lo = ranges[c][0];
    let hi = ranges[c][1];
    for (let i = from + c; i < to; i += 3) {
      const v = map ? mapValue(values[i], map) : values[i];
      lo = v < lo ? v : lo;
      hi = v > hi ? v : hi;
    }
    ranges[c][0] = lo;
    ranges[c][1] = hi;
  }
  return ranges;
}

/** valueRangesPerChannel in chunks between turns of the event loop. */
async function valueRangesPerChannelLater(
  values: Float32Array | Float64Array | Uint8Array,
  map?: ValueMap,
): Promise<Array<[number, number]>> {
  const chunk = 3 << 20;
  let ranges: Array<[number, number]> | undefined;
  for (let from = 0; from < values.length; from += chunk) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    ranges = valueRangesPerChannel(values, from, Math.min(values.length, from + chunk), ranges, map);
  }
  return ranges ?? valueRangesPerChannel(values, 0, 0);
}

/** Clip bounds as integers (see clipInteger): [lo, hi] of R, G, B. */
function integerBounds(bounds: Array<[number, number]>): Int32Array {
  return Int32Array.from(bounds.flatMap(([lo, hi]) => [lo | 0, hi | 0]));
}

/**
 * Rows per band handed to deflate while the rows below are written (see ScanlineDeflater).
 * Interleaved A/B runs of the CT model input: 39 ms with bands of 256 rows, 40 with 512 (the
 * halves used before), 52 with the whole image after the last row; 128 was no better than 256.
 */
const BAND_ROWS = 256;

/**
 * The PNG scanlines of the grey model input as RGB ("Up" filter: each byte minus the one above,
 * None for the first row) and their Adler-32, each band of rows handed to the deflater as soon as
 * it is written. The RGB bytes themselves are only made if the analysis asks for them
 * (greyBytesToRgb): 3 MB of fresh memory written per image cost more than the filter.
 */
function greyScanlines(grey: Uint8Array, size: number, deflater: ScanlineDeflater): number {
  // In WebAssembly SIMD where the runtime has it (the same bytes, a quarter of the time).
  const simd = greyScanlineWriter(grey, size, deflater.scanlines);
  return inBands(
    size,
    deflater,
    simd ?? ((from, to, adler) => greyScanlineRows(grey, size, deflater.scanlines, from, to, adler)),
  );
}

/**
 * Writes an image's scanlines band by band, `rows(from, to, adler)` writing rows [from, to) and
 * returning the Adler-32 so far, and hands each band to the deflater as soon as it is written;
 * returns the Adler-32 of all. The row loops stay free of the deflater's call: a call out of the
 * loop kept V8 deoptimising and recompiling them, image after image.
 */
function inBands(
  size: number,
  deflater: ScanlineDeflater,
  rows: (from: number, to: number, adler: number) => number,
): number {
  let adler = 1;
  for (let from = 0; from < size; from += BAND_ROWS) {
    const to = Math.min(size, from + BAND_ROWS);
    adler = rows(from, to, adler);
    deflater.bandReady(to);
  }
  return adler;
}

/**
 * greyScanlines of rows [from, to), continuing the Adler-32 `adler`; returns it. The filter and the
 * checksum are worked out once per grey pixel, not once per byte: a grey pixel's three bytes, and
 * so their differences, are equal; and four pixels at a time, as 32-bit words (byte-wise
 * subtraction modulo 256, SWAR). Nothing but arithmetic in here (see inBands).
 */
function greyScanlineRows(
  grey: Uint8Array,
  size: number,
  scanlines: Buffer,
  from: number,
  to: number,
  adler: number,
): number {
  const stride = size * 3;
  const rowWords = new Uint32Array(stride >> 2);
  const rowBytes = new Uint8Array(rowWords.buffer);
  // Whole words of four pixels: the model input is 1024 wide, and grey a buffer of its own.
  const pixels = new Uint32Array(grey.buffer, grey.byteOffset, grey.length >> 2);
  const wordsPerRow = size >> 2;
  const sums = new Float64Array(2);
  // Adler-32 per row from two integer sums over its grey differences d_j (see below): the running
  // pair itself, updated per byte in doubles, allocated a heap number per pixel.
  const rowLength = stride + 1;
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let y = from; y < to; y++) {
    const row = y * wordsPerRow;
    const filterType = y === 0 ? 0 : 2;
    // The row above; for the first row, zeros ("None": the bytes themselves).
    filterRow(pixels, row, y === 0 ? -1 : row - wordsPerRow, wordsPerRow, rowWords, sums);
    const sum = sums[0];
    const weighted = sums[1];
    // The row's L = 3073 bytes are the filter type f, then each d_j three times at positions
    // 3j + 2 … 3j + 4 (1-based). Adler-32 over them: a gains Σ bytes = f + 3·Σd_j; b gains
    // L·a + Σ_k (L − k + 1)·x_k = L·a + L·f + Σ_j (3L − 9j − 6)·d_j.
    b = (b + rowLength * a + rowLength * filterType + (3 * rowLength - 6) * sum - 9 * weighted) % 65521;
    a = (a + filterType + 3 * sum) % 65521;
    const o = y * (stride + 1);
    scanlines[o] = filterType;
    scanlines.set(rowBytes, o + 1);
  }
  return (b * 65536 + a) >>> 0;
}

/**
 * One row's grey differences d_j from the row above (word index `above`, or -1 for none) as the
 * RGB scanline words (each d_j three times), and their Σ d_j and Σ j · d_j into sums[0] and
 * sums[1]. A function of its own, a loop and nothing after it: see prefilterAndSampleColumns.
 */
function filterRow(
  pixels: Uint32Array,
  row: number,
  above: number,
  wordsPerRow: number,
  rowWords: Uint32Array,
  sums: Float64Array,
): void {
  let sum = 0;
  let weighted = 0;
  for (let w = 0, r = 0; w < wordsPerRow; w++, r += 3) {
    const c = pixels[row + w];
    const p = above < 0 ? 0 : pixels[above + w];
    const d = ((c | 0x80808080) - (p & 0x7f7f7f7f)) ^ ((c ^ ~p) & 0x80808080);
    const d0 = d & 255;
    const d1 = (d >>> 8) & 255;
    const d2 = (d >>> 16) & 255;
    const d3 = d >>> 24;
    rowWords[r] = d0 | (d0 << 8) | (d0 << 16) | (d1 << 24);
    rowWords[r + 1] = d1 | (d1 << 8) | (d2 << 16) | (d2 << 24);
    rowWords[r + 2] = d2 | (d3 << 8) | (d3 << 16) | (d3 << 24);
    const quad = d0 + d1 + d2 + d3;
    sum += quad;
    weighted += 4 * w * quad + d1 + 2 * d2 + 3 * d3; // < 255 · 1024² / 2: stays a small integer
  }
  sums[0] = sum;
  sums[1] = weighted;
}

/** The plane's grey bytes: truncated and clipped (see clipInteger), as numpy's uint8 cast does. */
function planeToGrey(plane: Float64Array, lo: number, hi: number): Uint8Array {
  const ilo = lo | 0;
  const ihi = hi | 0;
  const grey = new Uint8Array(plane.length);
  for (let i = 0; i < plane.length; i++) grey[i] = clipInteger(plane[i] | 0, ilo, ihi);
  return grey;
}

/**
 * The colour counterpart of greyToRgbScanlines: RGB bytes from the three planes, four pixels as
 * three 32-bit words, then per row the "Up" filter on words (byte-wise subtraction modulo 256,
 * SWAR) and the Adler-32 of the row's scanline, all while the row is in cache.
 */
function colourToRgbScanlines(
  planes: Float64Array[],
  bounds: Array<[number, number]>,
  size: number,
  rgb: Uint8Array,
  deflater: ScanlineDeflater,
): number {
  const clipBounds = integerBounds(bounds);
  const words = new Uint32Array(rgb.buffer, rgb.byteOffset, rgb.length >> 2);
  return inBands(size, deflater, (from, to, adler) =>
    colourScanlineRows(planes, clipBounds, size, words, deflater.scanlines, from, to, adler),
  );
}

/** colourToRgbScanlines of rows [from, to), continuing the Adler-32 `adler`; returns it. */
function colourScanlineRows(
  planes: Float64Array[],
  clipBounds: Int32Array,
  size: number,
  words: Uint32Array,
  scanlines: Buffer,
  from: number,
  to: number,
  adler: number,
): number {
  const stride = size * 3;
  const rowWordCount = stride >> 2;
  const rowWords = new Uint32Array(rowWordCount);
  const rowBytes = new Uint8Array(rowWords.buffer);
  let a = adler & 0xffff;
  let b = adler >>> 16;
  for (let y = from; y < to; y++) {
    const w0 = y * rowWordCount;
    colourRowToWords(planes, clipBounds, y, size, words);
    const filterType = y === 0 ? 0 : 2;
    if (y === 0) {
      for (let w = 0; w < rowWordCount; w++) rowWords[w] = words[w];
    } else {
      for (let w = 0, s = w0; w < rowWordCount; w++, s++) {
        const c = words[s];
        const p = words[s - rowWordCount];
        rowWords[w] = ((c | 0x80808080) - (p & 0x7f7f7f7f)) ^ ((c ^ ~p) & 0x80808080);
      }
    }
    a += filterType;
    b += a;
    for (let k = 0; k < stride; k++) {
      a += rowBytes[k];
      b += a;
    }
    // Within one row a stays below 2^20 and b below 2^32: exact in doubles, reduced once per row.
    a %= 65521;
    b %= 65521;
    const o = y * (stride + 1);
    scanlines[o] = filterType;
    scanlines.set(rowBytes, o + 1);
  }
  return (b * 65536 + a) >>> 0;
}

/**
 * The plane as grey RGB bytes: truncated and clipped (see clipInteger), as numpy's uint8 cast does, and
 * repeated on R, G and B; four pixels written as three 32-bit words, in one pass (no grey copy).
 */
function planeToRgb(plane: Float64Array, lo: number, hi: number): Uint8Array {
  const ilo = lo | 0;
  const ihi = hi | 0;
  const rgb = new Uint8Array(plane.length * 3);
  const words = new Uint32Array(rgb.buffer, 0, (plane.length * 3) >> 2);
  const quads = plane.length >> 2;
  for (let q = 0, i = 0, w = 0; q < quads; q++, i += 4, w += 3) {
    let v = plane[i];
    const g0 = clipInteger(v | 0, ilo, ihi);
    v = plane[i + 1];
    const g1 = clipInteger(v | 0, ilo, ihi);
    v = plane[i + 2];
    const g2 = clipInteger(v | 0, ilo, ihi);
    v = plane[i + 3];
    const g3 = clipInteger(v | 0, ilo, ihi);
    words[w] = g0 | (g0 << 8) | (g0 << 16) | (g1 << 24);
    words[w + 1] = g1 | (g1 << 8) | (g2 << 16) | (g2 << 24);
    words[w + 2] = g2 | (g3 << 8) | (g3 << 16) | (g3 << 24);
  }
  for (let i = quads * 4; i < plane.length; i++)
    rgb.fill(clipInteger(plane[i] | 0, ilo, ihi), i * 3, i * 3 + 3);
  return rgb;
}

/** Grey bytes as RGB: each repeated on R, G and B, four pixels written as three 32-bit words. */
function greyBytesToRgb(grey: Uint8Array): Uint8Array {
  const rgb = new Uint8Array(grey.length * 3);
  const words = new Uint32Array(rgb.buffer, 0, (grey.length * 3) >> 2);
  const quads = grey.length >> 2;
  for (let q = 0, i = 0, w = 0; q < quads; q++, i += 4, w += 3) {
    const g0 = grey[i];
    const g1 = grey[i + 1];
    const g2 = grey[i + 2];
    const g3 = grey[i + 3];
    words[w] = g0 | (g0 << 8) | (g0 << 16) | (g1 << 24);
    words[w + 1] = g1 | (g1 << 8) | (g2 << 16) | (g2 << 24);
    words[w + 2] = g2 | (g3 << 8) | (g3 << 16) | (g3 << 24);
  }
  for (let i = quads * 4; i < grey.length; i++) rgb.fill(grey[i], i * 3, i * 3 + 3);
  return rgb;
}

/**
 * Row y of the three planes as RGB bytes: truncated and clipped to each channel's own bounds
 * (see clipInteger; `bounds` = [loR, hiR, loG, hiG, loB, hiB]), four pixels written as three
 * little-endian 32-bit words of `words` (the whole image's RGB bytes).
 */
function colourRowToWords(
  planes: Float64Array[],
  bounds: Int32Array,
  y: number,
  size: number,
  words: Uint32Array,
): void {
  const [pr, pg, pb] = planes;
  const rlo = bounds[0];
  const rhi = bounds[1];
  const glo = bounds[2];
  const ghi = bounds[3];
  const blo = bounds[4];
  const bhi = bounds[5];
  const row = y * size;
  for (let x = 0, w = (row * 3) >> 2; x < size; x += 4, w += 3) {
    const i = row + x;
    let v = pr[i];
    const r0 = clipInteger(v | 0, rlo, rhi);
    v = pg[i];
    const g0 = clipInteger(v | 0, glo, ghi);
    v = pb[i];
    const b0 = clipInteger(v | 0, blo, bhi);
    v = pr[i + 1];
    const r1 = clipInteger(v | 0, rlo, rhi);
    v = pg[i + 1];
    const g1 = clipInteger(v | 0, glo, ghi);
    v = pb[i + 1];
    const b1 = clipInteger(v | 0, blo, bhi);
    v = pr[i + 2];
    const r2 = clipInteger(v | 0, rlo, rhi);
    v = pg[i + 2];
    const g2 = clipInteger(v | 0, glo, ghi);
    v = pb[i + 2];
    const b2 = clipInteger(v | 0, blo, bhi);
    v = pr[i + 3];
    const r3 = clipInteger(v | 0, rlo, rhi);
    v = pg[i + 3];
    const g3 = clipInteger(v | 0, glo, ghi);
    v = pb[i + 3];
    const b3 = clipInteger(v | 0, blo, bhi);
    words[w] = r0 | (g0 << 8) | (b0 << 16) | (r1 << 24);
    words[w + 1] = g1 | (b1 << 8) | (r2 << 16) | (g2 << 24);
    words[w + 2] = b2 | (r3 << 8) | (g3 << 16) | (b3 << 24);
  }
}

/** The grey model input's bytes as the resize writes them: reused, in shared memory for its worker. */
let greyBytes: Uint8Array | undefined;
function greyPlane(): Uint8Array {
  const length = MODEL_INPUT_SIZE * MODEL_INPUT_SIZE;
  greyBytes ??=
    typeof SharedArrayBuffer === 'undefined'
      ? new Uint8Array(length)
      : new Uint8Array(new SharedArrayBuffer(length));
  return greyBytes;
}

/**
 * The three 1024² float planes are reused from one image to the next (8 MB each): allocating and
 * collecting them per image cost as much time as the resize. Safe: this function is synchronous.
 */
const planeBuffers: Float64Array[] = [];
function planeBuffer(c: number): Float64Array {
  // Shared memory: the resize worker writes half of each plane (see resizePlaneParallel).
  planeBuffers[c] ??= sharedFloat64(MODEL_INPUT_SIZE * MODEL_INPUT_SIZE);
  return planeBuffers[c];
}

/**
 * The intensity-mapped copy of the source, reused likewise up to 2048² grey or 1182² RGB values
 * (32 MB); anything larger gets its own buffer so one huge image does not stay in memory for good.
 */
const MAX_KEPT_INTENSITY = 2048 * 2048;
let intensityScratch: Float64Array = new Float64Array(0);
function intensityBuffer(length: number): Float64Array {
  if (length > MAX_KEPT_INTENSITY) return sharedFloat64(length);
  if (intensityScratch.length < length) intensityScratch = sharedFloat64(length);
  return intensityScratch.subarray(0, length);
}

/** Shared memory where available, so the resize worker reads it without a copy. */
function sharedFloat64(length: number): Float64Array {
  return typeof SharedArrayBuffer === 'undefined'
    ? new Float64Array(length)
    : new Float64Array(new SharedArrayBuffer(length * 8));
}

function channelsIdentical(
  values: Float32Array | Float64Array | Uint8Array,
  from = 0,
  to = values.length,
  map?: ValueMap,
): boolean {
  if (map) {
    for (let i = from; i < to; i += 3) {
      const r = mapValue(values[i], map);
      if (r !== mapValue(values[i + 1], map) || r !== mapValue(values[i + 2], map)) return false;
    }
    return true;
  }
  for (let i = from; i < to; i += 3) {
    if (values[i] !== values[i + 1] || values[i] !== values[i + 2]) return false;
  }
  return true;
}

/**
 * channelsIdentical (of the mapped values, with `map`) in chunks between turns of the event loop
 * (a 100-megapixel colour image has 300 M values).
 */
async function channelsIdenticalLater(
  values: Float32Array | Float64Array | Uint8Array,
  map?: ValueMap,
): Promise<boolean> {
  const chunk = 3 << 20;
  for (let from = 0; from < values.length; from += chunk) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (!channelsIdentical(values, from, Math.min(values.length, from + chunk), map)) return false;
  }
  return true;
}
