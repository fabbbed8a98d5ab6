/**
 * Radiological display of a slice: which flips and transpose put the image the way a radiology
 * viewer shows it, and which orientation letters go on its edges. Pure functions shared by the
 * host (which knows the affine) and the webview (which applies the transform).
 *
 * Conventions: world directions are RAS+ (x to the patient's Right, y Anterior, z Superior).
 * Axial slices are seen from the feet (patient's right on the screen's left, anterior up),
 * coronal from the front (right on the left, superior up), sagittal from the patient's left
 * (anterior on the left, superior up). Only the display changes: the model input and the masks
 * keep the source's pixel order, and the same transform is applied to masks so they stay on
 * their pixels.
 */

/** Source pixel (x = column, y = row) → display, in this order: transpose, then flips. */
export interface DisplayTransform {
  /** Swap x and y (the source's columns become the display's rows). */
  transpose: boolean;
  /** Mirror left-right (after transposing). */
  flipX: boolean;
  /** Mirror top-bottom (after transposing). */
  flipY: boolean;
}

export interface OrientationLetters {
  top: string;
  bottom: string;
  left: string;
  right: string;
}

export interface DisplayOrientation extends DisplayTransform {
  letters: OrientationLetters;
}

export type Vec3 = readonly [number, number, number];

/** The anatomical planes a volume is shown in (the acquisition's own and its reformats). */
export const PLANE_NAMES = ['axial', 'coronal', 'sagittal'] as const;
export type PlaneName = (typeof PLANE_NAMES)[number];

export const IDENTITY_DISPLAY: DisplayTransform = { transpose: false, flipX: false, flipY: false };

const dot = (a: Vec3, b: Vec3): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const cross = (a: Vec3, b: Vec3): Vec3 => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const neg = (a: Vec3): Vec3 => [-a[0], -a[1], -a[2]];
const unit = (a: Vec3): Vec3 => {
  const n = Math.hypot(a[0], a[1], a[2]);
  return n > 0 ? [a[0] / n, a[1] / n, a[2] / n] : [0, 0, 0];
};
const dominant = (a: Vec3): number => {
  const m = a.map(Math.abs);
  return m[0] >= m[1] && m[0] >= m[2] ? 0 : m[1] >= m[2] ? 1 : 2;
};

/** Screen right and screen down as RAS directions, by the plane the slice is closest to. */
function screenAxes(normal: Vec3): { right: Vec3; down: Vec3 } {
  switch (dominant(normal)) {
    case 2: // axial: seen from the feet
      return { right: [-1, 0, 0], down: [0, -1, 0] };
    case 1: // coronal: seen from the front
      return { right: [-1, 0, 0], down: [0, 0, -1] };
    default: // sagittal: anterior on the left
      return { right: [0, -1, 0], down: [0, 0, -1] };
  }
}

/** A direction's letters, strongest component first ("L", or "LP" for an oblique one). */
export function directionLetters(direction: Vec3): string {
  const d = unit(direction);
  const names: [string, string][] = [
    ['R', 'L'],
    ['A', 'P'],
    ['S', 'I'],
  ];
  return [0, 1, 2]
    .filter((axis) => Math.abs(d[axis]) > 0.1) // below about 6° a component is not worth a letter
    .sort((a, b) => Math.abs(d[b]) - Math.abs(d[a]))
    .map((axis) => names[axis][d[axis] > 0 ? 0 : 1])
    .join('');
}

/**
 * The display of a slice whose image x (increasing column) points along `columnDirection` and
 * image y (increasing row) along `rowDirection`, both RAS+ world vectors (any length).
 * Undefined when they are not two independent directions (no orientation known).
 */
export function displayOrientation(
  columnDirection: Vec3,
  rowDirection: Vec3,
): DisplayOrientation | undefined {
  const u = unit(columnDirection);
  const v = unit(rowDirection);
  const normal = cross(u, v);
  if (Math.hypot(...normal) < 0.5) return undefined;
  const { right, down } = screenAxes(normal);
  // Put on screen-right whichever image axis lies closer to it (for oblique slices too).
  const transpose =
    Math.abs(dot(v, right)) + Math.abs(dot(u, down)) > Math.abs(dot(u, right)) + Math.abs(dot(v, down));
  const [xAxis, yAxis] = transpose ? [v, u] : [u, v];
  const flipX = dot(xAxis, right) < 0;
  const flipY = dot(yAxis, down) < 0;
  const displayRight = flipX ? neg(xAxis) : xAxis;
  const displayDown = flipY ? neg(yAxis) : yAxis;
  return {
    transpose,
    flipX,
    flipY,
    letters: {
      right: directionLetters(displayRight),
      left: directionLetters(neg(displayRight)),
      bottom: directionLetters(displayDown),
      top: directionLetters(neg(displayDown)),
    },
  };
}

/**
 * Image axes of a NIfTI slice as the reference reads it (`volume[:, :, k]`): image row r is voxel
 * i and column c is voxel j, so x follows the affine's second column and y its first.
 * `affine` is 4×4 row-major (16 numbers).
 */
export function niftiSliceOrientation(affine: readonly number[]): DisplayOrientation | undefined {
  if (affine.length < 12) return undefined;
  const column = (c: number): Vec3 => [affine[c], affine[4 + c], affine[8 + c]];
  return displayOrientation(column(1), column(0));
}

/**
 * Image axes of a DICOM slice: x along the ImageOrientationPatient row direction, y along its
 * column direction, both LPS; RAS negates the first two components.
 */
export function dicomSliceOrientation(iop: readonly number[]): DisplayOrientation | undefined {
  if (iop.length !== 6 || !iop.every(Number.isFinite)) return undefined;
  return displayOrientation([-iop[0], -iop[1], iop[2]], [-iop[3], -iop[4], iop[5]]);
}

/** Width and height of the displayed image. */
export function displaySize(t: DisplayTransform, width: number, height: number): [number, number] {
  return t.transpose ? [height, width] : [width, height];
}

/**
 * A source point (continuous: pixel (x, y) covers [x, x+1) × [y, y+1)) → display point, for an
 * image `width` × `height` in the source.
 */
export function sourceToDisplay(
  t: DisplayTransform,
  width: number,
  height: number,
  x: number,
  y: number,
): [number, number] {
  const [w, h] = displaySize(t, width, height);
  let [dx, dy] = t.transpose ? [y, x] : [x, y];
  if (t.flipX) dx = w - dx;
  if (t.flipY) dy = h - dy;
  return [dx, dy];
}

/** The inverse of sourceToDisplay. */
export function displayToSource(
  t: DisplayTransform,
  width: number,
  height: number,
  dx: number,
  dy: number,
): [number, number] {
  const [w, h] = displaySize(t, width, height);
  const x = t.flipX ? w - dx : dx;
  const y = t.flipY ? h - dy : dy;
  return t.transpose ? [y, x] : [x, y];
}

/**
 * The transform as a CSS/canvas matrix (a, b, c, d, e, f): display = (a·x + c·y + e, b·x + d·y + f)
 * for a source point (x, y).
 */
export function displayMatrix(
  t: DisplayTransform,
  width: number,
  height: number,
): [number, number, number, number, number, number] {
  const [w, h] = displaySize(t, width, height);
  const sx = t.flipX ? -1 : 1;
  const sy = t.flipY ? -1 : 1;
  const e = t.flipX ? w : 0;
  const f = t.flipY ? h : 0;
  return t.transpose ? [0, sy, sx, 0, e, f] : [sx, 0, 0, sy, e, f];
}
