import { loadSharp } from '../runtime/optionalModules';

/**
 * Pictures of a prediction against its ground truth: true positives green, false positives
 * (predicted only) red, false negatives (truth only) blue, over the image in grey when there is
 * one. The same colours as the viewer's "Compare with ground truth".
 */

export const COMPARE_COLOURS = {
  tp: [40, 200, 80],
  fp: [235, 60, 50],
  fn: [50, 130, 255],
} as const;

/** RGB pixels (width × height × 3) of the comparison; `gray` is the image, one byte per pixel. */
export function compareOverlayRgb(
  pred: ArrayLike<number>,
  truth: ArrayLike<number>,
  width: number,
  height: number,
  gray?: ArrayLike<number>,
  alpha = 0.6,
): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const g = gray ? gray[i] * 0.85 : 0;
    const p = pred[i] !== 0;
    const t = truth[i] !== 0;
    const c = p && t ? COMPARE_COLOURS.tp : p ? COMPARE_COLOURS.fp : t ? COMPARE_COLOURS.fn : undefined;
    for (let k = 0; k < 3; k++) out[i * 3 + k] = c ? Math.round(g * (1 - alpha) + c[k] * alpha) : g;
  }
  return out;
}

/**
 * A small PNG of the comparison cropped to both masks (with a margin), at most `size` pixels on
 * its longer side. For a volume, the slice with the most disagreement is shown (its index in the
 * caption). Undefined when both masks are empty.
 */
export async function compareThumbnail(
  pred: Uint8Array,
  truth: Uint8Array,
  dims: readonly number[],
  gray?: Uint8Array,
  size = 192,
): Promise<{ png: Buffer; caption?: string } | undefined> {
  const [w, h] = dims;
  const nz = dims.length === 3 ? dims[2] : 1;
  const plane = w * h;
  let slice = 0;
  let caption: string | undefined;
  if (nz > 1) {
    let best = -1;
    let bestUnion = -1;
    for (let z = 0; z < nz; z++) {
      let wrong = 0;
      let union = 0;
      for (let i = z * plane; i < (z + 1) * plane; i++) {
        const p = pred[i] !== 0;
        const t = truth[i] !== 0;
        if (p !== t) wrong++;
        if (p || t) union++;
      }
      if (wrong > best || (wrong === best && union > bestUnion)) {
        best = wrong;
        bestUnion = union;
        slice = z;
      }
    }
    if (bestUnion <= 0) return undefined;
    caption = `slice ${slice + 1} of ${nz}`;
  }
  const p = pred.subarray(slice * plane, (slice + 1) * plane);
  const t = truth.subarray(slice * plane, (slice + 1) * plane);
  let x0 = w;
  let x1 = -1;
  let y0 = h;
  let y1 = -1;
  for (let y = 0, i = 0; y < h; y++)
    for (let x = 0; x < w; x++, i++)
      if (p[i] || t[i]) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
  if (x1 < 0) return undefined;
  const margin = Math.max(8, Math.round(0.2 * Math.max(x1 - x0, y1 - y0)));
  x0 = Math.max(0, x0 - margin);
  y0 = Math.max(0, y0 - margin);
  x1 = Math.min(w - 1, x1 + margin);
  y1 = Math.min(h - 1, y1 + margin);
  const rgb = compareOverlayRgb(p, t, w, h, gray && gray.length === plane ? gray : undefined);
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const scale = Math.min(1, size / Math.max(cw, ch));
  const png = await loadSharp()(rgb, { raw: { width: w, height: h, channels: 3 } })
    .extract({ left: x0, top: y0, width: cw, height: ch })
    .resize(Math.max(1, Math.round(cw * scale)), Math.max(1, Math.round(ch * scale)), {
      kernel: 'nearest',
    })
    .png()
    .toBuffer();
  return { png, caption };
}
