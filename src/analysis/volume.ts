import { maskRuns, type Runs } from './maskRuns';

/**
 * Figures of a binary mask volume: voxels, volume in mL, the slices it spans, its 3D connected
 * components and its largest area on one slice. Voxels are stored first axis fastest (NIfTI
 * order), with the slice axis last.
 */

export interface VolumeGrid {
  /** Voxel counts along the three axes; the third is the slice axis. */
  dims: readonly [number, number, number];
  /** mm between voxel centres along each axis. */
  spacing: readonly [number, number, number];
}

export interface VolumeFigures {
  voxels: number;
  /** Voxels × voxel volume (mm³) / 1000. */
  volumeMl: number;
  /** First and last slice index with any voxel of the mask; null for an empty mask. */
  slices: [number, number] | null;
  /** 3D connected components (6-connectivity: faces only, as scipy.ndimage.label's default). */
  components: number;
  /** The largest number of mask voxels on one slice, its index, and that area in mm². */
  largestSlice: { index: number; voxels: number; areaMm2: number } | null;
}

/**
 * Figures of a mask volume; any non-zero voxel belongs to the mask. Worked out from the mask's
 * runs along its rows (maskRuns): a CT-sized result (512×512×200, 52 M voxels per target) is
 * read once, word by word, and everything after costs in runs. Voxel by voxel, the components
 * alone took over a second per target, with the extension host blocked.
 */
export function volumeFigures(mask: Uint8Array, grid: VolumeGrid): VolumeFigures {
  const [nx, ny, nz] = grid.dims;
  const plane = nx * ny;
  if (mask.length !== plane * nz) {
    throw new Error(`mask volume has ${mask.length} voxels, expected ${nx}×${ny}×${nz}`);
  }
  const runs = maskRuns(mask, nx, ny * nz, 1);
  let first = -1;
  let last = -1;
  let best = { index: -1, voxels: 0 };
  for (let k = 0; k < nz; k++) {
    let onSlice = 0;
    for (let i = runs.rowPtr[k * ny]; i < runs.rowPtr[(k + 1) * ny]; i++)
      onSlice += runs.ends[i] - runs.starts[i];
    if (onSlice > 0) {
      if (first < 0) first = k;
      last = k;
      if (onSlice > best.voxels) best = { index: k, voxels: onSlice };
    }
  }
  const voxels = runs.count;
  const [sx, sy, sz] = grid.spacing;
  return {
    voxels,
    volumeMl: (voxels * sx * sy * sz) / 1000,
    slices: first < 0 ? null : [first, last],
    components: voxels === 0 ? 0 : componentsOfRuns(runs, ny, nz),
    largestSlice: best.index < 0 ? null : { ...best, areaMm2: best.voxels * sx * sy },
  };
}

/** 6-connected components of a mask volume (see componentsOfRuns). */
export function countComponents(mask: Uint8Array, dims: readonly [number, number, number]): number {
  const [nx, ny, nz] = dims;
  return componentsOfRuns(maskRuns(mask, nx, ny * nz, 1), ny, nz);
}

/**
 * 6-connected components (faces only, as scipy.ndimage.label's default) of a volume given as runs
 * per row (row r = y + ny·z): two runs touch through a face when their rows are neighbours in y
 * (same slice) or in z (same y) and their x intervals share a voxel. Runs are joined with
 * union-find; the components are the runs left as their own root.
 */
function componentsOfRuns(runs: Runs, ny: number, nz: number): number {
  const { rowPtr, starts, ends } = runs;
  const parent = new Int32Array(starts.length);
  for (let i = 0; i < parent.length; i++) parent[i] = i;
  const root = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]]; // path halving
      i = parent[i];
    }
    return i;
  };
  // Joins the overlapping runs of rows a and b, both sorted along x: one merge-like sweep.
  const joinRows = (a: number, b: number): void => {
    let i = rowPtr[a];
    let j = rowPtr[b];
    const iEnd = rowPtr[a + 1];
    const jEnd = rowPtr[b + 1];
    while (i < iEnd && j < jEnd) {
      if (starts[i] < ends[j] && starts[j] < ends[i]) {
        const ri = root(i);
        const rj = root(j);
        if (ri !== rj) parent[ri < rj ? rj : ri] = ri < rj ? ri : rj;
      }
      // Advance whichever run ends first: it cannot meet any later run of the other row.
      if (ends[i] < ends[j]) i++;
      else j++;
    }
  };
  for (let z = 0; z < nz; z++)
    for (let y = 0; y < ny; y++) {
      const r = y + ny * z;
      if (rowPtr[r] === rowPtr[r + 1]) continue;
      if (y > 0) joinRows(r - 1, r);
      if (z > 0) joinRows(r - ny, r);
    }
  let count = 0;
  for (let i = 0; i < parent.length; i++) if (parent[i] === i) count++;
  return count;
}
