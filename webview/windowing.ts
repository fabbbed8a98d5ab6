/**
 * Window/level for DICOM and NIfTI display. Display only: the model input window is the host's
 * business (see `ctWindow` in the `run` message), so nothing here is ever sent.
 */
import * as l10n from '@vscode/l10n';
export interface DisplayWindow {
  lower: number;
  upper: number;
}

export interface WindowPreset {
  id: string;
  label: string;
  /** Undefined for presets computed from the image (default, full range). */
  window?: DisplayWindow;
}

/** Radiology presets as width/level, stored as [lower, upper] in HU. */
export const CT_PRESETS: readonly WindowPreset[] = [
  { id: 'lung', label: l10n.t('CT lung (W1500 L−600)'), window: { lower: -1350, upper: 150 } },
  { id: 'abdomen', label: l10n.t('CT abdomen (W400 L40)'), window: { lower: -160, upper: 240 } },
  { id: 'liver', label: l10n.t('CT liver (W150 L30)'), window: { lower: -45, upper: 105 } },
  { id: 'mediastinum', label: l10n.t('CT mediastinum (W350 L50)'), window: { lower: -125, upper: 225 } },
  { id: 'bone', label: l10n.t('CT bone (W1800 L400)'), window: { lower: -500, upper: 1300 } },
  { id: 'brain', label: l10n.t('CT brain (W80 L40)'), window: { lower: 0, upper: 80 } },
];

export function widthLevel(w: DisplayWindow): { width: number; level: number } {
  return { width: w.upper - w.lower, level: (w.upper + w.lower) / 2 };
}

export function fromWidthLevel(width: number, level: number): DisplayWindow {
  const wd = Math.max(1e-6, width);
  return { lower: level - wd / 2, upper: level + wd / 2 };
}

/**
 * Dragging adjusts width with horizontal motion and level with vertical motion, scaled to the
 * image's value range so a full-window drag covers the whole range whatever the units.
 */
export function dragWindow(
  start: DisplayWindow,
  dx: number,
  dy: number,
  range: { min: number; max: number },
): DisplayWindow {
  const span = Math.max(1, range.max - range.min);
  const perPixel = span / 500;
  const { width, level } = widthLevel(start);
  return fromWidthLevel(Math.max(perPixel, width + dx * perPixel), level - dy * perPixel);
}

/**
 * A window bound as the fields show it: integers as they are, other values to six significant
 * digits (a float NIfTI's 0.0123–0.9876 keeps its digits; −150.4 HU reads as −150.4), with a
 * real minus sign replaced by '-' so the text parses back.
 */
export function formatWindowValue(v: number): string {
  if (!Number.isFinite(v)) return '';
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}

/** A number typed in a window field: '-150', '−150' (a typographic minus), ' 12.5 ', '1e3'. */
function parseBound(text: string): number {
  const t = text.trim().replace(/^[\u2212\u2013]/, '-');
  return t === '' ? NaN : Number(t);
}

/** Parses a lower/upper pair typed by the user; undefined when not usable. */
export function parseWindow(lower: string, upper: string): DisplayWindow | undefined {
  const lo = parseBound(lower);
  const hi = parseBound(upper);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || hi <= lo) return undefined;
  return { lower: lo, upper: hi };
}

/**
 * Writes the display RGBA of an image (row-major, `channels` interleaved) into `out`
 * (4 bytes per pixel). With a window, values are mapped linearly lower→0, upper→255;
 * without one they are taken as 0–255 (raster images are shown as they are).
 */
export function renderImageRgba(
  pixels: Float32Array | Uint8Array,
  channels: 1 | 3,
  count: number,
  window: DisplayWindow | undefined,
  out: Uint8ClampedArray,
): void {
  const lo = window ? window.lower : 0;
  const scale = window ? 255 / Math.max(1e-6, window.upper - window.lower) : 1;
  if (channels === 1) {
    for (let i = 0, o = 0; i < count; i++, o += 4) {
      const g = (pixels[i] - lo) * scale; // Uint8ClampedArray clamps and rounds.
      out[o] = g;
      out[o + 1] = g;
      out[o + 2] = g;
      out[o + 3] = 255;
    }
  } else {
    for (let i = 0, p = 0, o = 0; i < count; i++, p += 3, o += 4) {
      out[o] = (pixels[p] - lo) * scale;
      out[o + 1] = (pixels[p + 1] - lo) * scale;
      out[o + 2] = (pixels[p + 2] - lo) * scale;
      out[o + 3] = 255;
    }
  }
}
