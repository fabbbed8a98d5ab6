/** Image ↔ screen mapping: screen = image · scale + (tx, ty), in CSS pixels of the stage. */
export interface ViewTransform {
  scale: number;
  tx: number;
  ty: number;
}

/** What survives a reload: independent of the stage size. */
export interface SavedView {
  fit: boolean;
  scale: number;
  /** Image coordinates at the centre of the stage. */
  cx: number;
  cy: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

const clampScale = (s: number) => Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));

export function fitTransform(imageW: number, imageH: number, viewW: number, viewH: number): ViewTransform {
  const scale = clampScale(Math.min(viewW / Math.max(1, imageW), viewH / Math.max(1, imageH)));
  return { scale, tx: (viewW - imageW * scale) / 2, ty: (viewH - imageH * scale) / 2 };
}

/** 1:1 (one image pixel per CSS pixel), keeping the image point at the stage centre. */
export function actualSize(t: ViewTransform, viewW: number, viewH: number): ViewTransform {
  return zoomAt(t, 1 / t.scale, viewW / 2, viewH / 2);
}

/** Zooms by `factor` keeping the image point under (sx, sy) where it is. */
export function zoomAt(t: ViewTransform, factor: number, sx: number, sy: number): ViewTransform {
  const scale = clampScale(t.scale * factor);
  const k = scale / t.scale;
  return { scale, tx: sx - (sx - t.tx) * k, ty: sy - (sy - t.ty) * k };
}

export function pan(t: ViewTransform, dx: number, dy: number): ViewTransform {
  return { scale: t.scale, tx: t.tx + dx, ty: t.ty + dy };
}

export function imageToScreen(t: ViewTransform, x: number, y: number): [number, number] {
  return [x * t.scale + t.tx, y * t.scale + t.ty];
}

export function screenToImage(t: ViewTransform, sx: number, sy: number): [number, number] {
  return [(sx - t.tx) / t.scale, (sy - t.ty) / t.scale];
}

export function saveView(t: ViewTransform, fit: boolean, viewW: number, viewH: number): SavedView {
  const [cx, cy] = screenToImage(t, viewW / 2, viewH / 2);
  return { fit, scale: t.scale, cx, cy };
}

export function restoreView(
  saved: SavedView,
  imageW: number,
  imageH: number,
  viewW: number,
  viewH: number,
): ViewTransform {
  if (saved.fit || !(saved.scale > 0)) return fitTransform(imageW, imageH, viewW, viewH);
  const scale = clampScale(saved.scale);
  return { scale, tx: viewW / 2 - saved.cx * scale, ty: viewH / 2 - saved.cy * scale };
}
