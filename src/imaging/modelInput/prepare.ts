import { modelInputGeometry, MODEL_INPUT_SIZE } from '../geometry';
import { clipRange, resizePlane } from '../resize/bspline';
import type { IntensitySpec, ModelInput, SourceImage } from '../types';
import { applyIntensityInto, resolveIntensity } from './intensity';
import { encodeRgbPng } from './png';

/**
 * Builds the 1024² RGB model input from a decoded image exactly as the reference prepares its
 * training data: intensity → pad to square with zeros → cubic B-spline resize per channel →
 * clip → truncate to uint8 → grey repeated on R, G and B. Works on a copy: the viewer's
 * full-fidelity pixels are never touched.
 */
export async function prepareModelInput(
  image: SourceImage,
  intensity: IntensitySpec = { kind: 'auto' },
): Promise<ModelInput> {
  const rgb = modelInputPixels(image, intensity);
  const geometry = modelInputGeometry(image.width, image.height);
  const png = await encodeRgbPng(rgb, MODEL_INPUT_SIZE, MODEL_INPUT_SIZE);
  return { png, rgb, geometry };
}

/** The synchronous core of prepareModelInput: the 1024*1024*3 RGB bytes. */
export function modelInputPixels(
  image: SourceImage,
  intensity: IntensitySpec = { kind: 'auto' },
): Uint8Array {
  const { width, height } = image;
  const geometry = modelInputGeometry(width, height);
  const resolved = resolveIntensity(image, intensity);
  // Values already within 0–255 taken as they are need no copy: the resize reads them directly.
  const asIs = resolved.kind === 'none' && image.range.min >= 0 && image.range.max <= 255;
  let values: Float32Array | Float64Array;
  let min: number;
  let max: number;
  if (asIs) {
    values = image.pixels;
    min = image.range.min;
    max = image.range.max;
  } else {
    const mapped = applyIntensityInto(image.pixels, resolved, intensityBuffer(image.pixels.length));
    values = mapped.values;
    min = mapped.min;
    max = mapped.max;
  }
  // A colour image whose channels are identical (a grey JPEG saved as RGB) needs one resize.
  const channels = image.channels === 3 && !channelsIdentical(values) ? 3 : 1;
  const { paddedWidth: pw, paddedHeight: ph, padLeft, padTop } = geometry;
  const size = MODEL_INPUT_SIZE;

  // skimage clips to the range of its input, i.e. of the padded image over all channels.
  if (pw !== width || ph !== height) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }

  const planes: Float64Array[] = [];
  for (let c = 0; c < channels; c++) {
    // The zero padding is never built: the resize places each source row in its padded line.
    const source = {
      data: values,
      width,
      height,
      stride: image.channels,
      offset: c,
      padLeft,
      padTop,
      paddedWidth: pw,
      paddedHeight: ph,
    };
    planes.push(resizePlane(source, size, size, planeBuffer(c)));
  }
  const [lo, hi] = clipRange(planes, min, max);
  const rgb = new Uint8Array(size * size * 3);
  if (channels === 1) greyToRgb(planes[0], lo, hi, rgb);
  else for (let c = 0; c < 3; c++) channelToRgb(planes[c], c, lo, hi, rgb);
  return rgb;
}

/**
 * Clip, then truncate: values are ≥ 0 after the clip, so `| 0` truncates toward zero exactly like
 * numpy's uint8 cast. Grey is written to R, G and B at once, four pixels (twelve bytes) as three
 * little-endian 32-bit words.
 */
function greyToRgb(plane: Float64Array, lo: number, hi: number, rgb: Uint8Array): void {
  const n = plane.length;
  const words = new Uint32Array(rgb.buffer, rgb.byteOffset, (n * 3) >> 2);
  const quads = n >> 2;
  for (let q = 0, i = 0, w = 0; q < quads; q++, i += 4, w += 3) {
    let v = plane[i];
    const a = (v < lo ? lo : v > hi ? hi : v) | 0;
    v = plane[i + 1];
    const b = (v < lo ? lo : v > hi ? hi : v) | 0;
    v = plane[i + 2];
    const c = (v < lo ? lo : v > hi ? hi : v) | 0;
    v = plane[i + 3];
    const d = (v < lo ? lo : v > hi ? hi : v) | 0;
    words[w] = a | (a << 8) | (a << 16) | (b << 24);
    words[w + 1] = b | (b << 8) | (c << 16) | (c << 24);
    words[w + 2] = c | (d << 8) | (d << 16) | (d << 24);
  }
  for (let i = quads * 4; i < n; i++) {
    const v = plane[i];
    const g = v < lo ? lo : v > hi ? hi : v;
    rgb[i * 3] = g;
    rgb[i * 3 + 1] = g;
    rgb[i * 3 + 2] = g;
  }
}

function channelToRgb(plane: Float64Array, c: number, lo: number, hi: number, rgb: Uint8Array): void {
  for (let i = 0, j = c; i < plane.length; i++, j += 3) {
    const v = plane[i];
    rgb[j] = v < lo ? lo : v > hi ? hi : v;
  }
}

/**
 * The three 1024² float planes are reused from one image to the next (8 MB each): allocating and
 * collecting them per image cost as much time as the resize. Safe: this function is synchronous.
 */
const planeBuffers: Float64Array[] = [];
function planeBuffer(c: number): Float64Array {
  planeBuffers[c] ??= new Float64Array(MODEL_INPUT_SIZE * MODEL_INPUT_SIZE);
  return planeBuffers[c];
}

/** The intensity-mapped copy of the source, reused likewise (grown to the largest image seen). */
let intensityScratch = new Float64Array(0);
function intensityBuffer(length: number): Float64Array {
  if (intensityScratch.length < length) intensityScratch = new Float64Array(length);
  return intensityScratch.subarray(0, length);
}

function channelsIdentical(values: Float32Array | Float64Array): boolean {
  for (let i = 0; i < values.length; i += 3) {
    if (values[i] !== values[i + 1] || values[i] !== values[i + 2]) return false;
  }
  return true;
}
