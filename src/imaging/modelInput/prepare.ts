import { modelInputGeometry, MODEL_INPUT_SIZE } from '../geometry';
import { clipRange, resizeChannel } from '../resize/bspline';
import type { IntensitySpec, ModelInput, SourceImage } from '../types';
import { applyIntensity, resolveIntensity } from './intensity';
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
  const values: Float32Array | Float64Array = asIs ? image.pixels : applyIntensity(image.pixels, resolved);
  // A colour image whose channels are identical (a grey JPEG saved as RGB) needs one resize.
  const channels = image.channels === 3 && !channelsIdentical(values) ? 3 : 1;
  const stride = image.channels;
  const { paddedWidth: pw, paddedHeight: ph, padLeft, padTop } = geometry;
  const size = MODEL_INPUT_SIZE;

  // skimage clips to the range of its input, i.e. of the padded image over all channels.
  let min = Infinity;
  let max = -Infinity;
  if (asIs) {
    min = image.range.min;
    max = image.range.max;
  } else {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (pw !== width || ph !== height) {
    min = Math.min(min, 0);
    max = Math.max(max, 0);
  }

  const planes: Float64Array[] = [];
  for (let c = 0; c < channels; c++) {
    let plane: ArrayLike<number> = values;
    let planeStride = stride;
    let planeOffset = c;
    if (pw !== width || ph !== height) {
      const padded = new Float64Array(pw * ph);
      for (let y = 0; y < height; y++) {
        const dst = (y + padTop) * pw + padLeft;
        const src = y * width * stride + c;
        for (let x = 0; x < width; x++) padded[dst + x] = values[src + x * stride];
      }
      plane = padded;
      planeStride = 1;
      planeOffset = 0;
    }
    planes.push(resizeChannel(plane, pw, ph, size, size, planeStride, planeOffset, planeBuffer(c)));
  }
  const [lo, hi] = clipRange(planes, min, max);
  const rgb = new Uint8Array(size * size * 3);
  for (let c = 0; c < channels; c++) {
    const plane = planes[c];
    // Clip, then truncate: values are ≥ 0 after the clip, so the Uint8Array store truncates
    // toward zero exactly like numpy's uint8 cast. Grey is written to R, G and B at once.
    if (channels === 1) {
      for (let i = 0, j = 0; i < plane.length; i++, j += 3) {
        const v = plane[i];
        const b = v < lo ? lo : v > hi ? hi : v;
        rgb[j] = b;
        rgb[j + 1] = b;
        rgb[j + 2] = b;
      }
    } else {
      for (let i = 0, j = c; i < plane.length; i++, j += 3) {
        const v = plane[i];
        rgb[j] = v < lo ? lo : v > hi ? hi : v;
      }
    }
  }
  return rgb;
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

function channelsIdentical(values: Float32Array | Float64Array): boolean {
  for (let i = 0; i < values.length; i += 3) {
    if (values[i] !== values[i + 1] || values[i] !== values[i + 2]) return false;
  }
  return true;
}
