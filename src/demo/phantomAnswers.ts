import * as zlib from 'node:zlib';
import { loadSharp } from '../runtime/optionalModules';
import { encodeNiftiUint8 } from '../export/nifti';
import { decodeNifti, isGzip, looksLikeNifti } from '../imaging/decode/nifti';
import { PHANTOM_DIMS, phantomLabels, phantomLabelsFor, readSliceCode } from './phantom';

/**
 * The demo endpoint's answers for the synthetic phantom: the exact labels of the slice (2D model
 * input) or of the whole volume (3D request) it was sent, found by the slice code each phantom
 * slice carries (see phantom.ts), so any window or storage order works.
 */

const MODEL_SIDE = 1024;
/** The phantom's slices are square: the model input is the slice scaled by 1024 / 256. */
const SCALE = MODEL_SIDE / PHANTOM_DIMS[0];

/** The phantom slice a model-input PNG shows, or undefined when it is not a phantom slice. */
export async function phantomSliceOf(png: Buffer): Promise<number | undefined> {
  const { data, info } = await loadSharp()(png).raw().toBuffer({ resolveWithObject: true });
  if (info.width !== MODEL_SIDE || info.height !== MODEL_SIDE) return undefined;
  // Pixel centres of the source map to (src + 0.5) · scale − 0.5 in the model input.
  const at = (src: number) => Math.round((src + 0.5) * SCALE - 0.5);
  return readSliceCode((row, col) => data[(at(row) * MODEL_SIDE + at(col)) * info.channels] > 127);
}

/** Masks (0/255, 1024²) for slice k, one per prompt; undefined where the phantom has no such target. */
export function phantomSliceMasks(k: number, prompts: readonly string[]): (Uint8Array | undefined)[] {
  const [ni, nj] = PHANTOM_DIMS;
  const labels = phantomLabels();
  return prompts.map((prompt) => {
    const wanted = phantomLabelsFor(prompt);
    if (!wanted) return undefined;
    const mask = new Uint8Array(MODEL_SIDE * MODEL_SIDE);
    for (let y = 0; y < MODEL_SIDE; y++) {
      const i = Math.min(ni - 1, Math.floor(y / SCALE));
      for (let x = 0; x < MODEL_SIDE; x++) {
        const j = Math.min(nj - 1, Math.floor(x / SCALE));
        if (wanted.includes(labels[i + ni * (j + nj * k)])) mask[y * MODEL_SIDE + x] = 255;
      }
    }
    return mask;
  });
}

/**
 * The mask volume (.nii.gz) of `target` for a phantom volume sent to the 3D protocol, on the grid
 * it was sent on: the NIfTI's own order (rows along i) or a DICOM series' (columns first).
 * Undefined when the volume is not the phantom; throws for a target the phantom does not have.
 */
export async function phantomVolumeMask(
  bytes: Buffer,
  target: string,
): Promise<Buffer | 'unknown-target' | undefined> {
  let raw = bytes;
  if (isGzip(raw)) {
    try {
      raw = zlib.gunzipSync(raw, { maxOutputLength: 512 * 1024 * 1024 });
    } catch {
      return undefined;
    }
  }
  if (!looksLikeNifti(raw)) return undefined;
  const name = 'volume sent to the demo endpoint';
  let first;
  try {
    first = await decodeNifti(name, raw, { slice: 0 });
  } catch {
    return undefined;
  }
  const { dims, affine, pixdim } = first.nifti!;
  const [d1, d2, d3] = [dims[1], dims[2], dims[0] >= 3 ? dims[3] : 1];
  const [ni, nj, nk] = PHANTOM_DIMS;
  if (d1 * d2 !== ni * nj || d3 !== nk) return undefined;
  // Which storage order: try reading every slice's code both ways.
  const layouts = [
    { transposed: false, ok: true },
    { transposed: true, ok: true },
  ];
  for (let k = 0; k < nk; k++) {
    const slice = k === 0 ? first : await decodeNifti(name, raw, { slice: k });
    const value = (r: number, c: number) => slice.pixels[r * slice.width + c];
    // Bright: far above soft tissue in any units a CT can be in (HU, or stored values + 1024).
    const threshold = 500;
    for (const layout of layouts) {
      if (!layout.ok) continue;
      const code = readSliceCode((row, col) =>
        layout.transposed ? value(col, row) > threshold : value(row, col) > threshold,
      );
      if (code !== k) layout.ok = false;
    }
  }
  const layout = layouts.find((l) => l.ok);
  if (!layout) return undefined;
  const wanted = phantomLabelsFor(target);
  if (!wanted) return 'unknown-target';
  const labels = phantomLabels();
  const mask = new Uint8Array(ni * nj * nk);
  for (let k = 0; k < nk; k++)
    for (let j = 0; j < nj; j++)
      for (let i = 0; i < ni; i++) {
        if (!wanted.includes(labels[i + ni * (j + nj * k)])) continue;
        // Sent as the NIfTI (grid i, j) or as the series (grid j, i).
        mask[layout.transposed ? j + nj * (i + ni * k) : i + ni * (j + nj * k)] = 1;
      }
  const rows = [0, 1, 2, 3].map((r) => affine.slice(r * 4, r * 4 + 4));
  return encodeNiftiUint8(
    { dims: [d1, d2, d3], spacing: [pixdim[1] || 1, pixdim[2] || 1, pixdim[3] || 1], affine: rows },
    mask,
    {
      description: `demo: reference labels of the synthetic phantom (${target})`,
      maxValue: 1,
      intentName: 'mask',
    },
  );
}
