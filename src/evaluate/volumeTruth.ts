import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { maskRuns, overlapOfRuns } from '../analysis/maskRuns';
import { sourceStem } from '../export';
import { extractPlane, type VolumePlane } from '../imaging/reformat';
import type { VolumeSource } from '../imaging/volumeSource';
import { readLooseMasks, targetKey } from './discover';
import { binaryOf, loadMask, MaskCache } from './loadMask';
import { mayBeDicom } from './segTruth';

/**
 * "Compare with ground truth" for whole-volume results (slice by slice or 3D): the ground truth
 * beside the volume's source, read onto the result's grid, and the comparison the viewer shows,
 * volume-wide Dice per target for the legend and true/false positive/negative voxels of one
 * slice at a time for the overlay.
 *
 * Ground truth is what `evaluate` reads (see discover.ts), found in the source's folder or a
 * sibling `<folder>_mask` / `<folder>_masks`: a NIfTI label volume `<stem>.nii[.gz]` (or
 * `<stem>_labels`, `_label`, `_seg`, `_gt`) with its label map sidecar `<that stem>.json`, NIfTI
 * masks `<stem>_<target>.nii[.gz]`, or a DICOM SEG of the source's series.
 */

export interface VolumeGrid {
  /** [x, y, slices], x fastest. */
  dims: readonly [number, number, number];
  /** Voxel → RAS world (mm), 4×4 row-major: places a DICOM SEG's frames. */
  affine?: number[][];
  /** The source series (DICOM): a SEG must reference it. */
  seriesInstanceUid?: string;
}

export interface VolumeTruthTarget {
  target: string;
  file: string;
  /** 0/1 per voxel of the grid, x fastest. */
  mask: Uint8Array;
}

export async function findTruthBesideVolume(
  sourceFile: string,
  targets: readonly string[],
  grid: VolumeGrid,
): Promise<{ targets: VolumeTruthTarget[]; warnings: string[] }> {
  const source = path.resolve(sourceFile);
  const dir = path.dirname(source);
  const stem = sourceStem(source);
  const files: string[] = [];
  for (const folder of [dir, `${dir}_mask`, `${dir}_masks`]) {
    const names = await fs.readdir(folder).catch(() => [] as string[]);
    for (const name of names.sort()) {
      const file = path.join(folder, name);
      if (file === source) continue;
      // Label volumes, their sidecars and masks; DICOM only where it may be a SEG of this series
      // (a series folder's own slices are not read one by one).
      if (/\.(nii(\.gz)?|json)$/i.test(name)) files.push(file);
      else if (grid.seriesInstanceUid && mayBeDicom(name) && (folder !== dir || /seg/i.test(name)))
        files.push(file);
    }
  }
  const warnings: string[] = [];
  const images = await readLooseMasks(files, warnings);
  const matching = images.filter(
    (image) =>
      image.key === stem ||
      image.aliases.includes(stem) ||
      (grid.seriesInstanceUid !== undefined && image.key === `series:${grid.seriesInstanceUid}`),
  );
  const wanted = new Map(targets.map((t) => [targetKey(t), t]));
  const out: VolumeTruthTarget[] = [];
  const cache = new MaskCache();
  const n = grid.dims[0] * grid.dims[1] * grid.dims[2];
  for (const image of matching)
    for (const [key, t] of image.targets) {
      const target = wanted.get(key);
      if (!target || !t.mask || out.some((o) => o.target === target)) continue;
      try {
        const m = await loadMask(t.mask, cache, { dims: [...grid.dims], affine: grid.affine });
        const dims = m.dims.length === 2 ? [...m.dims, 1] : m.dims;
        if (dims.join('×') !== grid.dims.join('×') || m.mask.length !== n) {
          warnings.push(
            `${t.mask.file}: ${dims.join('×')} voxels, but the result is ${grid.dims.join('×')}; not compared`,
          );
          continue;
        }
        out.push({ target, file: t.mask.file, mask: binaryOf(m) });
      } catch (error) {
        warnings.push(error instanceof Error ? error.message : String(error));
      }
    }
  return { targets: out, warnings };
}

export interface TargetAgreement {
  target: string;
  /** Dice over the whole volume; 1 when both are empty. */
  dice: number;
  tp: number;
  fp: number;
  fn: number;
}

/** Volume-wide agreement of each predicted target with its ground truth (0/1 masks on one grid). */
export function volumeAgreement(
  predicted: readonly { target: string; mask: Uint8Array }[],
  truth: readonly VolumeTruthTarget[],
  dims: readonly [number, number, number],
): TargetAgreement[] {
  const rows = dims[1] * dims[2];
  const out: TargetAgreement[] = [];
  for (const t of truth) {
    const p = predicted.find((q) => targetKey(q.target) === targetKey(t.target));
    if (!p) continue;
    const o = overlapOfRuns(maskRuns(p.mask, dims[0], rows, 1), maskRuns(t.mask, dims[0], rows, 1), dims);
    const sum = 2 * o.tp + o.fp + o.fn;
    out.push({ target: t.target, dice: sum === 0 ? 1 : (2 * o.tp) / sum, tp: o.tp, fp: o.fp, fn: o.fn });
  }
  return out;
}

/** Per voxel of one slice: what the overlay colours. */
export const AGREEMENT = { none: 0, truePositive: 1, falsePositive: 2, falseNegative: 3 } as const;

/** The agreement codes (AGREEMENT) of slice `z` of a predicted and a ground-truth 0/1 volume. */
export function sliceAgreement(
  predicted: Uint8Array,
  truth: Uint8Array,
  dims: readonly [number, number, number],
  z: number,
): Uint8Array {
  if (!Number.isInteger(z) || z < 0 || z >= dims[2])
    throw new Error(`slice ${z} is outside 0…${dims[2] - 1}`);
  const plane = dims[0] * dims[1];
  const out = new Uint8Array(plane);
  const base = z * plane;
  for (let i = 0; i < plane; i++) {
    const p = predicted[base + i] !== 0;
    const t = truth[base + i] !== 0;
    out[i] = p ? (t ? AGREEMENT.truePositive : AGREEMENT.falsePositive) : t ? AGREEMENT.falseNegative : 0;
  }
  return out;
}

/**
 * Image `index` of `plane` of a 0/1 truth volume, in the pixel order the viewer shows that plane
 * image and its share of the volume result (see planeResult in src/pipeline/volumeView.ts): the
 * acquisition slice in the slice's own order, a reformat as extractPlane cuts it.
 */
export function truthOnPlane(
  truth: Uint8Array,
  volume: Pick<VolumeSource, 'dims' | 'spacing' | 'affine' | 'gridToSlice'>,
  plane: VolumePlane,
  index: number,
): Uint8Array {
  if (plane.fixed === 2) {
    const size = volume.dims[0] * volume.dims[1];
    return volume.gridToSlice(index, truth.subarray(index * size, (index + 1) * size).slice());
  }
  return extractPlane(
    truth,
    { dims: volume.dims, spacing: volume.spacing, affine: volume.affine },
    plane,
    index,
  );
}
