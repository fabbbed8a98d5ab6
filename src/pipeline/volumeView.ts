import { findComponents } from '../analysis';
import { volumeFigures } from '../analysis/volume';
import { extractPlane, type PlaneGrid, type VolumePlane } from '../imaging/reformat';
import type { VolumeSource } from '../imaging/volumeSource';
import type { ParseResult, TargetResult, VolumeSummary } from '../shared/protocol';
import type { VolumeParseResult } from './parseVolume';

/**
 * A whole-volume result as the viewer shows it: the share of each slice (or reformatted plane)
 * as an ordinary per-image result, so browsing slices shows each slice's masks; the per-target
 * volume figures for the legend; and the variant without the slices where a target is likely
 * absent. No `vscode` here.
 */

export interface VolumeRun {
  /** Stable id; each plane image's result id starts with it. */
  id: string;
  mode: 'slices' | '3d';
  prompts: string[];
  endpointName: string;
  deployment?: string;
  modality?: string;
  site?: string;
  modalityKey?: string;
  /** The CT window the model input was made with (e.g. 'lung'); Run Again makes it the same way. */
  ctWindow?: string;
  /** ISO time the run finished. */
  time: string;
  result: VolumeParseResult;
}

/**
 * The result with each target's likely-absent slices left out (its mask cleared there, its
 * figures recomputed); a voxel that loses its label takes the first other target found there.
 */
export function withoutLikelyAbsent(
  result: VolumeParseResult,
  grid: Pick<PlaneGrid, 'dims' | 'spacing'>,
): VolumeParseResult {
  const [nx, ny] = grid.dims;
  const plane = nx * ny;
  if (!result.targets.some((t) => (t.likelyAbsent?.length ?? 0) > 0)) return result;
  const labels = result.labels.slice();
  const targets = result.targets.map((t) => {
    const slices = t.likelyAbsent ?? [];
    if (slices.length === 0) return t;
    const mask = t.mask.slice();
    for (const k of slices) mask.fill(0, k * plane, (k + 1) * plane);
    return { ...t, mask, figures: volumeFigures(mask, grid) };
  });
  result.targets.forEach((t, ti) => {
    for (const k of t.likelyAbsent ?? []) {
      for (let p = k * plane; p < (k + 1) * plane; p++) {
        if (labels[p] !== ti + 1) continue;
        const other = targets.findIndex((o) => o.mask[p] !== 0);
        labels[p] = other < 0 ? 0 : other + 1;
      }
    }
  });
  return { ...result, labels, targets };
}

/** The figures the legend and the volume panel show, per target. */
export function volumeSummary(
  run: VolumeRun,
  shown: VolumeParseResult,
  hideLikelyAbsent: boolean,
): VolumeSummary {
  return {
    id: run.id,
    mode: run.mode,
    prompts: run.prompts,
    endpointName: run.endpointName,
    time: run.time,
    source: run.result.source,
    range: run.result.range,
    requested: run.result.requested,
    resumed: run.result.resumed,
    hideLikelyAbsent,
    targets: shown.targets.map((t) => ({
      target: t.target,
      label: t.label,
      voxels: t.figures.voxels,
      volumeMl: t.figures.volumeMl,
      slices: t.figures.slices,
      components: t.figures.components,
      largestSliceAreaMm2: t.figures.largestSlice?.areaMm2 ?? null,
      likelyAbsentSlices: t.likelyAbsentSlices,
    })),
  };
}

/**
 * The share of plane image `index` of `plane` as an ordinary parse result: masks 0/255 on that
 * image's pixels (for the acquisition plane, in the slice's own pixel order, as the viewer shows
 * the slice), each target's components there, and its verdict on that slice when it was parsed
 * on its own (slice mode); reformats have no per-image verdict.
 */
export function planeResult(
  run: VolumeRun,
  shown: VolumeParseResult,
  volume: Pick<VolumeSource, 'dims' | 'spacing' | 'affine' | 'gridToSlice'>,
  plane: VolumePlane,
  index: number,
  image: { width: number; height: number; pixelSpacing?: [number, number] },
): ParseResult {
  const grid: PlaneGrid = { dims: volume.dims, spacing: volume.spacing, affine: volume.affine };
  const acquired = plane.fixed === 2;
  const planeSize = volume.dims[0] * volume.dims[1];
  const targets = shown.targets.map((t): TargetResult => {
    let mask: Uint8Array;
    if (acquired) {
      mask = volume.gridToSlice(index, t.mask.subarray(index * planeSize, (index + 1) * planeSize).slice());
    } else {
      mask = extractPlane(t.mask, grid, plane, index);
    }
    const bytes = new Uint8Array(mask.length);
    for (let p = 0; p < mask.length; p++) if (mask[p] !== 0) bytes[p] = 255;
    if (bytes.length !== image.width * image.height) {
      throw new Error(
        `the ${plane.name} image ${index + 1} is ${image.width}×${image.height} but the volume's masks there have ${bytes.length} pixels`,
      );
    }
    const detection = findComponents(bytes, image.width, image.height, { pixelSpacing: image.pixelSpacing });
    const verdict = acquired ? t.verdicts?.[index] : undefined;
    const found = detection.totalArea > 0;
    return {
      target: t.target,
      label: t.target,
      mask: bytes,
      // A likely-absent slice stays marked so, also when its masks are left out.
      status:
        verdict?.status === 'likely-absent'
          ? 'likely-absent'
          : !found
            ? 'not-found'
            : (verdict?.status ?? 'not-assessed'),
      pValue: verdict?.pValue ?? null,
      area: detection.totalArea,
      areaMm2: image.pixelSpacing
        ? detection.totalArea * image.pixelSpacing[0] * image.pixelSpacing[1]
        : undefined,
      components: detection.components,
    };
  });
  return {
    id: `${run.id}:${plane.name}:${index}`,
    kind: 'parse',
    source: run.result.source,
    endpointName: run.endpointName,
    deployment: run.deployment,
    modality: run.modality,
    site: run.site,
    modalityKey: run.modalityKey,
    prompts: run.prompts,
    time: run.time,
    width: image.width,
    height: image.height,
    slice: index,
    targets,
    volumeId: run.id,
    plane: plane.name,
  };
}
