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

/** Figures of a mask volume; any non-zero voxel belongs to the mask. */
export function volumeFigures(mask: Uint8Array, grid: VolumeGrid): VolumeFigures {
  const [nx, ny, nz] = grid.dims;
  const plane = nx * ny;
  if (mask.length !== plane * nz) {
    throw new Error(`mask volume has ${mask.length} voxels, expected ${nx}×${ny}×${nz}`);
  }
  let voxels = 0;
  let first = -1;
  let last = -1;
  let best = { index: -1, voxels: 0 };
  for (let k = 0; k < nz; k++) {
    let onSlice = 0;
    const base = k * plane;
    for (let p = 0; p < plane; p++) if (mask[base + p] !== 0) onSlice++;
    if (onSlice > 0) {
      if (first < 0) first = k;
      last = k;
      if (onSlice > best.voxels) best = { index: k, voxels: onSlice };
    }
    voxels += onSlice;
  }
  const [sx, sy, sz] = grid.spacing;
  return {
    voxels,
    volumeMl: (voxels * sx * sy * sz) / 1000,
    slices: first < 0 ? null : [first, last],
    components: voxels === 0 ? 0 : countComponents(mask, grid.dims),
    largestSlice: best.index < 0 ? null : { ...best, areaMm2: best.voxels * sx * sy },
  };
}

/**
 * Counts 6-connected components with an explicit stack (no recursion: masks can be huge). The
 * neighbour checks are written out inline: a helper closure per visited voxel made this the
 * largest cost of a whole-CT slice-mode run (bench/volume.bench.ts).
 */
export function countComponents(mask: Uint8Array, dims: readonly [number, number, number]): number {
  const [nx, ny, nz] = dims;
  const plane = nx * ny;
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] === 0 || seen[start] !== 0) continue;
    count++;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    while (top > 0) {
      const v = stack[--top];
      const x = v % nx;
      const yz = (v - x) / nx;
      const y = yz % ny;
      const z = (yz - y) / ny;
      let n = v - 1;
      if (x > 0 && mask[n] !== 0 && seen[n] === 0) {
        seen[n] = 1;
        stack[top++] = n;
      }
      n = v + 1;
      if (x < nx - 1 && mask[n] !== 0 && seen[n] === 0) {
        seen[n] = 1;
        stack[top++] = n;
      }
      n = v - nx;
      if (y > 0 && mask[n] !== 0 && seen[n] === 0) {
        seen[n] = 1;
        stack[top++] = n;
      }
      n = v + nx;
      if (y < ny - 1 && mask[n] !== 0 && seen[n] === 0) {
        seen[n] = 1;
        stack[top++] = n;
      }
      n = v - plane;
      if (z > 0 && mask[n] !== 0 && seen[n] === 0) {
        seen[n] = 1;
        stack[top++] = n;
      }
      n = v + plane;
      if (z < nz - 1 && mask[n] !== 0 && seen[n] === 0) {
        seen[n] = 1;
        stack[top++] = n;
      }
    }
  }
  return count;
}
