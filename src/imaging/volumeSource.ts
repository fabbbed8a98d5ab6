import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ImagingError } from './errors';
import { openImage } from './open';
import { findSeries, type DicomSeries } from './series';
import type { SourceImage } from './types';

/**
 * A volume as slices the 2D model can take, and the voxel grid its results are stored on.
 *
 * Each slice is opened exactly as a single image would be (so its model input is the reference's:
 * `volume[:, :, k]` for NIfTI, rows × columns for DICOM), and `placeSlice` puts a mask computed on
 * that slice's pixels at the right voxels of the output grid. The grid keeps the source's own
 * storage order and affine, so outputs overlay the source in any viewer.
 */
export interface VolumeSource {
  kind: 'nifti' | 'dicom-series';
  /** The file or folder the volume was read from. */
  input: string;
  /** Voxels along the grid's axes (first fastest); the third axis is the slice axis. */
  dims: [number, number, number];
  /** mm along each grid axis. */
  spacing: [number, number, number];
  /** Grid voxel → RAS+ world (mm), 4×4 row-major. */
  affine: number[][];
  /** DICOM series only. */
  series?: DicomSeries;
  /** Warnings a user should see before trusting volumes (missing slices, tilt …). */
  warnings: string[];
  openSlice(k: number, signal?: AbortSignal): Promise<SourceImage>;
  /**
   * A mask of slice k (source image pixels, row-major, width × height of that slice) in grid
   * order: the plane of voxels (i, j) at slice k, first axis fastest.
   */
  sliceToGrid<T extends Uint8Array | Float32Array>(k: number, sliceMask: T): T;
  /** The inverse of sliceToGrid: plane k of the grid (first axis fastest) as slice k's pixels, row-major. */
  gridToSlice<T extends Uint8Array | Float32Array>(k: number, gridPlane: T): T;
}

/** Opens a NIfTI file or a folder holding a DICOM series (the largest, unless `series` names one). */
export async function openVolumeSource(
  input: string,
  options: { series?: string } = {},
): Promise<VolumeSource> {
  const stat = await fs.stat(input).catch(() => {
    throw new ImagingError(input, 'no such file or folder');
  });
  if (stat.isDirectory()) return seriesSource(input, await findSeries(input), options.series);
  const first = await openImage(input, { slice: 0 });
  if (first.nifti) return niftiSource(input, first);
  throw new ImagingError(
    input,
    first.format === 'dicom'
      ? 'is a single DICOM file; give the folder that holds its series to parse it as a volume'
      : 'is a 2D image, not a volume (give a NIfTI file or a DICOM series folder)',
  );
}

function niftiSource(file: string, first: SourceImage): VolumeSource {
  const { dims, pixdim, affine } = first.nifti!;
  const [d1, d2] = [dims[1], dims[2]];
  const d3 = dims[0] >= 3 ? dims[3] : 1;
  return {
    kind: 'nifti',
    input: file,
    dims: [d1, d2, d3],
    spacing: [pixdim[1] || 1, pixdim[2] || 1, pixdim[3] || 1],
    affine: [0, 1, 2, 3].map((r) => affine.slice(r * 4, r * 4 + 4)),
    warnings: [],
    openSlice: (k, signal) => openImage(file, { slice: k, signal, keepVolume: true }),
    sliceToGrid(k, sliceMask) {
      // The reference reads slice k as volume[:, :, k]: image row r is voxel i, column c is voxel j.
      checkSliceMask(file, k, sliceMask, d1 * d2);
      const plane = sliceMask instanceof Float32Array ? new Float32Array(d1 * d2) : new Uint8Array(d1 * d2);
      for (let r = 0; r < d1; r++) for (let c = 0; c < d2; c++) plane[r + c * d1] = sliceMask[r * d2 + c];
      return plane as typeof sliceMask;
    },
    gridToSlice(k, gridPlane) {
      checkSliceMask(file, k, gridPlane, d1 * d2);
      const image = gridPlane instanceof Float32Array ? new Float32Array(d1 * d2) : new Uint8Array(d1 * d2);
      for (let r = 0; r < d1; r++) for (let c = 0; c < d2; c++) image[r * d2 + c] = gridPlane[r + c * d1];
      return image as typeof gridPlane;
    },
  };
}

function seriesSource(folder: string, all: DicomSeries[], wanted: string | undefined): VolumeSource {
  const series = wanted ? all.find((s) => s.seriesInstanceUid === wanted) : all[0];
  if (!series) {
    throw new ImagingError(
      folder,
      `no series ${wanted} here (found: ${all.map((s) => s.seriesInstanceUid).join(', ')})`,
    );
  }
  return seriesVolumeSource(folder, series);
}

/** A DICOM series already assembled (e.g. the one a viewer shows) as a volume source. */
export function seriesVolumeSource(folder: string, series: DicomSeries): VolumeSource {
  const { rows, columns } = series;
  const plane = rows * columns;
  return {
    kind: 'dicom-series',
    input: folder,
    dims: [columns, rows, series.slices.length],
    spacing: series.spacing,
    affine: series.affine,
    series,
    warnings: series.warnings,
    openSlice: (k, signal) => {
      const slice = series.slices[k];
      return openImage(slice.file, { frame: slice.frame, signal });
    },
    sliceToGrid(k, sliceMask) {
      // Grid axes are (column, row, slice): a row-major slice is already in grid order.
      checkSliceMask(path.basename(series.slices[k].file), k, sliceMask, plane);
      return sliceMask;
    },
    gridToSlice(k, gridPlane) {
      checkSliceMask(path.basename(series.slices[k].file), k, gridPlane, plane);
      return gridPlane;
    },
  };
}

/**
 * The whole volume's values in grid order (first axis fastest), slice by slice as the viewer and
 * the 2D path read them (rescale and scl_slope applied). Grey volumes only.
 */
export async function readVolumeValues(volume: VolumeSource, signal?: AbortSignal): Promise<Float32Array> {
  const [nx, ny, nz] = volume.dims;
  const plane = nx * ny;
  const values = new Float32Array(plane * nz);
  for (let k = 0; k < nz; k++) {
    const image = await volume.openSlice(k, signal);
    if (image.channels !== 1)
      throw new ImagingError(image.file, 'colour volumes cannot be sent to the 3D model');
    const pixels = image.pixels instanceof Float32Array ? image.pixels : Float32Array.from(image.pixels);
    values.set(volume.sliceToGrid(k, pixels), k * plane);
  }
  return values;
}

function checkSliceMask(where: string, k: number, mask: ArrayLike<number>, expected: number): void {
  if (mask.length !== expected) {
    throw new ImagingError(where, `mask of slice ${k} has ${mask.length} pixels, expected ${expected}`);
  }
}
