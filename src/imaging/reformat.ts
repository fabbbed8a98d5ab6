import {
  displayOrientation,
  type DisplayOrientation,
  type PlaneName,
  type Vec3,
} from '../shared/orientation';

/**
 * The three planes of a volume grid and the images of its reformats. A grid's voxels are stored
 * first axis fastest with the slice axis last (see VolumeSource); its affine maps voxels to RAS+
 * world. The acquisition plane holds the third axis fixed; a reformat holds one of the other two
 * fixed and shows the remaining in-plane axis across and the slice axis down. Planes are named by
 * the anatomy they cut (axial, coronal, sagittal), found from the world directions, so an axial
 * series offers coronal and sagittal reformats and a coronal one offers axial and sagittal.
 */

export type GridAxis = 0 | 1 | 2;

export interface VolumePlane {
  name: PlaneName;
  /** The grid axis held fixed: 2 for the acquisition's own slices. */
  fixed: GridAxis;
  /** Grid axes along the plane image's x (columns) and y (rows). */
  x: GridAxis;
  y: GridAxis;
}

export interface PlaneGrid {
  dims: readonly [number, number, number];
  spacing: readonly [number, number, number];
  /** 4×4 row-major (4 rows of 4). */
  affine: readonly (readonly number[])[];
}

const NAMES: PlaneName[] = ['sagittal', 'coronal', 'axial']; // by the normal's dominant R, A, S

const column = (affine: PlaneGrid['affine'], c: number): Vec3 => [affine[0][c], affine[1][c], affine[2][c]];

function normalOf(affine: PlaneGrid['affine'], x: GridAxis, y: GridAxis): Vec3 {
  const [a, b] = [column(affine, x), column(affine, y)];
  const n: Vec3 = [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
  const len = Math.hypot(...n) || 1;
  return [n[0] / len, n[1] / len, n[2] / len];
}

/**
 * The grid's three planes, the acquisition plane first. Names go to planes by the best overall
 * match of their normals (so an oblique grid still gets three different names).
 */
export function volumePlanes(grid: PlaneGrid): VolumePlane[] {
  const layouts: { fixed: GridAxis; x: GridAxis; y: GridAxis }[] = [
    { fixed: 2, x: 0, y: 1 },
    { fixed: 0, x: 1, y: 2 },
    { fixed: 1, x: 0, y: 2 },
  ];
  const normals = layouts.map((l) => normalOf(grid.affine, l.x, l.y).map(Math.abs));
  const permutations: number[][] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
  ];
  let best = permutations[0];
  let bestScore = -Infinity;
  for (const p of permutations) {
    // The acquisition plane's own name weighs most: it is what the user knows the series as.
    const score = normals.reduce((sum, n, i) => sum + n[p[i]] * (i === 0 ? 2 : 1), 0);
    if (score > bestScore + 1e-9) {
      bestScore = score;
      best = p;
    }
  }
  const planes = layouts.map((l, i) => ({ ...l, name: NAMES[best[i]] }));
  // The acquisition plane first, the reformats in the usual order (axial, coronal, sagittal).
  const order = ['axial', 'coronal', 'sagittal'];
  return [planes[0], ...planes.slice(1).sort((a, b) => order.indexOf(a.name) - order.indexOf(b.name))];
}

/** Width and height of a plane's images. */
export function planeSize(grid: PlaneGrid, plane: VolumePlane): [number, number] {
  return [grid.dims[plane.x], grid.dims[plane.y]];
}

/** Voxels along the fixed axis: the plane's slice count. */
export function planeCount(grid: PlaneGrid, plane: VolumePlane): number {
  return grid.dims[plane.fixed];
}

/**
 * The image of `plane` at `index` along its fixed axis, row-major (x fastest), from values in
 * grid order (first axis fastest).
 */
export function extractPlane<T extends Float32Array | Uint8Array>(
  values: T,
  grid: PlaneGrid,
  plane: VolumePlane,
  index: number,
): T {
  const [nx, ny, nz] = grid.dims;
  if (values.length !== nx * ny * nz)
    throw new Error(`volume has ${values.length} voxels, expected ${nx}×${ny}×${nz}`);
  if (!(Number.isInteger(index) && index >= 0 && index < grid.dims[plane.fixed]))
    throw new Error(`${plane.name} index ${index} is outside 0…${grid.dims[plane.fixed] - 1}`);
  const stride = [1, nx, nx * ny];
  const [w, h] = planeSize(grid, plane);
  const out = (values instanceof Float32Array ? new Float32Array(w * h) : new Uint8Array(w * h)) as T;
  const base = index * stride[plane.fixed];
  const sx = stride[plane.x];
  const sy = stride[plane.y];
  for (let y = 0; y < h; y++) {
    const row = base + y * sy;
    for (let x = 0; x < w; x++) out[y * w + x] = values[row + x * sx];
  }
  return out;
}

/** The radiological display of a plane's images and its edge letters (undefined when degenerate). */
export function planeOrientation(grid: PlaneGrid, plane: VolumePlane): DisplayOrientation | undefined {
  return displayOrientation(column(grid.affine, plane.x), column(grid.affine, plane.y));
}

/** mm between pixel centres of a plane's images: [along rows (y), along columns (x)], as pixelSpacing. */
export function planePixelSpacing(grid: PlaneGrid, plane: VolumePlane): [number, number] {
  return [grid.spacing[plane.y], grid.spacing[plane.x]];
}
