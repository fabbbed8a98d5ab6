import sharp from 'sharp';
import { placeLabels } from '../shared/labelPlacement';
import { hexToRgb, TARGET_PALETTE, targetColors } from '../shared/targetColors';

/**
 * A picture of a result for an agent to look at: the image as the viewer shows it by default
 * (grey images through their default window, colour as they are) with each target's mask
 * (probability > 0.5) blended in its own colour, as a PNG at most 1024 px on its longer side.
 * Given the targets' names, each takes the colour the viewer gives it (by name, the same in every
 * run) and is labelled, labels placed as the viewer places them: none covers another, a moved
 * one has a leader line back to its object.
 */

const ALPHA = 0.45;
const MAX_SIDE = 1024;
const LABEL_HEIGHT = 18;
const FONT_SIZE = 12;

export interface OverlaySource {
  width: number;
  height: number;
  channels: 1 | 3;
  pixels: Float32Array | Uint8Array;
  range: { min: number; max: number };
  defaultWindow?: { lower: number; upper: number };
}

/** A label as drawn on the overlay (output pixels). */
export interface OverlayLabel {
  text: string;
  color: string;
  /** The object's centroid. */
  x: number;
  y: number;
  left: number;
  top: number;
  width: number;
  height: number;
  leader: boolean;
}

const escapeXml = (s: string) =>
  s.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/**
 * Where the labels go on an output of `outWidth` × `outHeight` (the source scaled by `scale`):
 * one per mask with an object, largest object first, at its centroid unless that covers another.
 * The label width is estimated from the text (no font metrics here): 0.62 em per character.
 */
export function overlayLabels(
  masks: readonly Uint8Array[],
  names: readonly string[],
  colors: readonly string[],
  width: number,
  scale: number,
  out: { width: number; height: number },
): OverlayLabel[] {
  const objects = masks
    .map((mask, t) => {
      let sx = 0;
      let sy = 0;
      let n = 0;
      for (let p = 0; p < mask.length; p++)
        if (mask[p] > 127) {
          sx += p % width;
          sy += Math.floor(p / width);
          n++;
        }
      return { t, n, x: ((sx / n + 0.5) * scale) | 0, y: ((sy / n + 0.5) * scale) | 0 };
    })
    .filter((o) => o.n > 0)
    .sort((a, b) => b.n - a.n);
  const boxes = objects.map((o) => ({
    x: o.x,
    y: o.y,
    width: Math.ceil(names[o.t].length * FONT_SIZE * 0.62) + 8,
    height: LABEL_HEIGHT,
  }));
  const placed = placeLabels(boxes, out);
  return objects.map((o, i) => ({
    text: names[o.t],
    color: colors[o.t],
    x: o.x,
    y: o.y,
    ...placed[i],
    width: boxes[i].width,
    height: LABEL_HEIGHT,
  }));
}

/** The labels as an SVG the size of the output, to composite over it. */
function labelSvg(labels: readonly OverlayLabel[], out: { width: number; height: number }): string {
  const parts = labels.map((l) => {
    const tx = Math.max(l.left, Math.min(l.left + l.width, l.x));
    const ty = Math.max(l.top, Math.min(l.top + l.height, l.y));
    const leader = l.leader
      ? `<line x1="${l.x}" y1="${l.y}" x2="${tx}" y2="${ty}" stroke="black" stroke-opacity="0.8" stroke-width="3"/>` +
        `<line x1="${l.x}" y1="${l.y}" x2="${tx}" y2="${ty}" stroke="${l.color}" stroke-width="1.5"/>` +
        `<circle cx="${l.x}" cy="${l.y}" r="2.5" fill="${l.color}"/>`
      : '';
    return (
      leader +
      `<rect x="${l.left + 0.5}" y="${l.top + 0.5}" width="${l.width - 1}" height="${l.height - 1}" fill="black" fill-opacity="0.7" stroke="${l.color}"/>` +
      `<text x="${l.left + l.width / 2}" y="${l.top + l.height / 2 + 4}" font-family="sans-serif" font-size="${FONT_SIZE}" fill="white" text-anchor="middle">${escapeXml(l.text)}</text>`
    );
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${out.width}" height="${out.height}">${parts.join('')}</svg>`;
}

/**
 * The overlay PNG. `names`: the targets of the masks, in the same order; with them, colours are
 * the viewer's (by name) and every object is labelled; without, colours go by position.
 */
export async function renderOverlay(
  image: OverlaySource,
  masks: readonly Uint8Array[],
  names?: readonly string[],
): Promise<Buffer> {
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
  const colors = names ? targetColors(names) : masks.map((_, t) => TARGET_PALETTE[t % TARGET_PALETTE.length]);
  masks.forEach((mask, t) => {
    const [r, g, b] = hexToRgb(colors[t]);
    for (let p = 0; p < n; p++) {
      if (mask[p] <= 127) continue;
      rgb[p * 3] = rgb[p * 3] * (1 - ALPHA) + r * ALPHA;
      rgb[p * 3 + 1] = rgb[p * 3 + 1] * (1 - ALPHA) + g * ALPHA;
      rgb[p * 3 + 2] = rgb[p * 3 + 2] * (1 - ALPHA) + b * ALPHA;
    }
  });
  const shrink = Math.min(1, MAX_SIDE / Math.max(width, height));
  const out = { width: Math.round(width * shrink), height: Math.round(height * shrink) };
  let picture = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), {
    raw: { width, height, channels: 3 },
  });
  if (shrink < 1) picture = picture.resize({ width: out.width, height: out.height, fit: 'fill' });
  if (names) {
    const labels = overlayLabels(masks, names, colors, width, shrink, out);
    if (labels.length > 0) {
      const base = await picture.png().toBuffer();
      picture = sharp(base).composite([{ input: Buffer.from(labelSvg(labels, out)), top: 0, left: 0 }]);
    }
  }
  return picture.png().toBuffer();
}
