import { loadSharp } from '../runtime/optionalModules';

/**
 * A picture of a result for an agent to look at: the image as the viewer shows it by default
 * (grey images through their default window, colour as they are) with each target's mask
 * (probability > 0.5) blended in its own colour, as a PNG at most 1024 px on its longer side.
 */

/** Okabe–Ito colours (colour-blind safe), the viewer's order. */
const COLOURS: readonly [number, number, number][] = [
  [230, 159, 0],
  [86, 180, 233],
  [0, 158, 115],
  [240, 228, 66],
  [0, 114, 178],
  [213, 94, 0],
  [204, 121, 167],
  [0, 0, 0],
];
const ALPHA = 0.45;
const MAX_SIDE = 1024;

export interface OverlaySource {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Float32Array | Uint8Array;
  range: { min: number; max: number };
  defaultWindow?: { lower: number; upper: number };
}

export async function renderOverlay(image: OverlaySource, masks: readonly Uint8Array[]): Promise<Buffer> {
  const { width, height, channels, pixels } = image;
  const n = width * height;
  const rgb = new Uint8Array(n * 3);
  const lower = image.defaultWindow?.lower ?? image.range.min;
  const upper = image.defaultWindow?.upper ?? image.range.max;
  const scale = upper > lower ? 255 / (upper - lower) : 0;
  const toByte = (v: number) =>
    pixels instanceof Uint8Array && !image.defaultWindow
      ? v
      : Math.max(0, Math.min(255, (v - lower) * scale));
  for (let p = 0; p < n; p++) {
    if (channels === 3) {
      for (let c = 0; c < 3; c++) rgb[p * 3 + c] = toByte(pixels[p * 3 + c]);
    } else {
      const g = toByte(pixels[p]);
      rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = g;
    }
  }
  masks.forEach((mask, t) => {
    const [r, g, b] = COLOURS[t % COLOURS.length];
    for (let p = 0; p < n; p++) {
      if (mask[p] <= 127) continue;
      rgb[p * 3] = rgb[p * 3] * (1 - ALPHA) + r * ALPHA;
      rgb[p * 3 + 1] = rgb[p * 3 + 1] * (1 - ALPHA) + g * ALPHA;
      rgb[p * 3 + 2] = rgb[p * 3 + 2] * (1 - ALPHA) + b * ALPHA;
    }
  });
  let picture = loadSharp()(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width, height, channels: 3 },
  });
  if (Math.max(width, height) > MAX_SIDE)
    picture = picture.resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside' });
  return picture.png().toBuffer();
}
