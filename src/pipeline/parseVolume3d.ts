import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { volumeFigures } from '../analysis/volume';
import type { EndpointClient } from '../endpoint/client';
import { encodeNiftiFloat32Later } from '../export/nifti';
import { ImagingError } from '../imaging/errors';
import { decodeNifti, isGzip, looksLikeNifti } from '../imaging/decode/nifti';
import { readVolumeValues, type VolumeSource } from '../imaging/volumeSource';
import type { VolumeParseResult } from './parseVolume';

const gunzip = promisify(zlib.gunzip);

/**
 * A volume parsed with the MedImageParse 3D model: the volume is sent once per target as a
 * NIfTI of its real values on its own grid (for a DICOM series, built from the sorted slices
 * with their affine: voxels and geometry only, no names or dates), and each returned mask must
 * lie on exactly that grid (shape, and affine within float32 round-off); anything else is an
 * error, never a silent shift.
 */

export interface Volume3dRequest {
  prompts: string[];
}

export interface Volume3dOptions {
  signal?: AbortSignal;
  onProgress?(done: number, total: number, target: string): void;
}

/** Float32 round-off of the affine through the NIfTI header, with room for a reader's own math. */
const AFFINE_TOLERANCE = 1e-4;

export async function parseVolume3d(
  volume: VolumeSource,
  client: EndpointClient,
  request: Volume3dRequest,
  options: Volume3dOptions = {},
): Promise<VolumeParseResult> {
  const values = await readVolumeValues(volume, options.signal);
  const geometry = { dims: volume.dims, spacing: volume.spacing, affine: volume.affine };
  const nifti = await encodeVolumeForUpload(volume, values);
  const [nx, ny, nz] = volume.dims;
  const plane = nx * ny;
  const labels = new Uint8Array(plane * nz);
  const best = new Float32Array(plane * nz);
  let source: VolumeParseResult['source'] = 'endpoint';
  const targets: VolumeParseResult['targets'] = [];
  for (const [index, target] of request.prompts.entries()) {
    options.signal?.throwIfAborted();
    const answer = await client.segmentVolume(nifti, target, { signal: options.signal });
    if (answer.source === 'demo-reference') source = 'demo-reference';
    const probabilities = await maskOnGrid(volume, answer.mask, target);
    const mask = new Uint8Array(plane * nz);
    for (let p = 0; p < mask.length; p++) {
      const v = probabilities[p];
      if (v > 0.5) {
        mask[p] = 1;
        if (v > best[p]) {
          best[p] = v;
          labels[p] = index + 1;
        }
      }
    }
    targets.push({
      target,
      label: index + 1,
      mask,
      figures: volumeFigures(mask, geometry),
      likelyAbsentSlices: 0,
    });
    options.onProgress?.(index + 1, request.prompts.length, target);
  }
  return { source, range: [0, nz - 1], requested: request.prompts.length, resumed: 0, labels, targets };
}

/**
 * The .nii.gz sent to the 3D model: the volume's real values (grid order) on its own grid, with
 * only voxels and geometry in the header.
 */
export function encodeVolumeForUpload(volume: VolumeSource, values: Float32Array): Promise<Buffer> {
  const geometry = { dims: volume.dims, spacing: volume.spacing, affine: volume.affine };
  // An indexed loop: for…of over 52 M floats took ~0.6 s of the 1.5 s budget (bench/volume.bench.ts).
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i] > max) max = values[i];
  // gzip level 1: level 6 took ~5 s of a 512×512×200 CT's 1.5 s budget (bench/volume.bench.ts).
  // Compressed on the pool: the caller (the extension host) is not blocked for the half second.
  return encodeNiftiFloat32Later(geometry, values, { description: '', maxValue: max, gzipLevel: 1 });
}

/**
 * The returned mask volume as probabilities on the source grid (grid order). Masks in 0…255
 * are scaled to 0…1. Checks the grid before reading a voxel.
 */
async function maskOnGrid(volume: VolumeSource, bytes: Buffer, target: string): Promise<Float32Array> {
  const name = `3D mask for '${target}'`;
  let raw = bytes;
  if (isGzip(raw)) {
    try {
      raw = await gunzip(raw, { maxOutputLength: 2 * 1024 ** 3 - 1 });
    } catch {
      throw new ImagingError(name, 'the endpoint sent a mask that is not valid gzip data');
    }
  }
  if (!looksLikeNifti(raw)) throw new ImagingError(name, 'the endpoint sent a mask that is not a NIfTI file');
  const first = await decodeNifti(name, raw, { slice: 0 });
  const { dims, affine } = first.nifti!;
  const got = [dims[1], dims[2], dims[0] >= 3 ? dims[3] : 1];
  const [nx, ny, nz] = volume.dims;
  if (got[0] !== nx || got[1] !== ny || got[2] !== nz) {
    throw new ImagingError(
      name,
      `the mask is ${got.join('×')} voxels but the volume sent was ${nx}×${ny}×${nz}`,
    );
  }
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 4; c++) {
      const expected = volume.affine[r][c];
      const actual = affine[r * 4 + c];
      if (Math.abs(actual - expected) > AFFINE_TOLERANCE * Math.max(1, Math.abs(expected))) {
        throw new ImagingError(
          name,
          `the mask's affine differs from the volume sent (row ${r + 1}, column ${c + 1}: ${actual} instead of ${expected}); it would not overlay the source`,
        );
      }
    }
  }
  const plane = nx * ny;
  const out = new Float32Array(plane * nz);
  let max = 0;
  for (let k = 0; k < nz; k++) {
    const slice = k === 0 ? first : await decodeNifti(name, raw, { slice: k });
    const pixels = slice.pixels instanceof Float32Array ? slice.pixels : Float32Array.from(slice.pixels);
    // The mask is a NIfTI on the source's grid: its slices transpose the same way as a NIfTI source's.
    const grid = transposeNiftiSlice(pixels, nx, ny);
    out.set(grid, k * plane);
    for (let p = 0; p < grid.length; p++) if (grid[p] > max) max = grid[p];
  }
  if (max > 1) for (let p = 0; p < out.length; p++) out[p] /= 255;
  return out;
}

/** A NIfTI slice as the imaging stage returns it (rows along i) back to grid order (i fastest). */
function transposeNiftiSlice(pixels: Float32Array, nx: number, ny: number): Float32Array {
  const plane = new Float32Array(nx * ny);
  for (let r = 0; r < nx; r++) for (let c = 0; c < ny; c++) plane[r + c * nx] = pixels[r * ny + c];
  return plane;
}
