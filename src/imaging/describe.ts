import { ImagingError } from './errors';
import { openImage } from './open';
import type { DicomSeries } from './series';

/**
 * What an image, volume or DICOM series is, as one JSON-ready object (`medparse inspect`, the
 * agents' inspect tool): kind, size, slices, frames, spacing, RAS+ affine, modality.
 */

/** A DICOM series folder: the largest series, or the one `wanted` names. */
export function describeSeriesFolder(folder: string, all: DicomSeries[], wanted?: string): object {
  const series = wanted ? all.find((s) => s.seriesInstanceUid === wanted) : all[0];
  if (!series) {
    throw new ImagingError(
      folder,
      `no series ${wanted} here (found: ${all.map((s) => s.seriesInstanceUid).join(', ')})`,
    );
  }
  return {
    input: folder,
    kind: series.slices.length > 1 ? 'volume' : 'image',
    width: series.columns,
    height: series.rows,
    slices: series.slices.length,
    frames: 1,
    spacing: series.spacing,
    affine: series.affine,
    modality: series.modality ?? null,
    seriesInstanceUid: series.seriesInstanceUid,
    description: series.description ?? null,
    warnings: series.warnings,
    otherSeries: all
      .filter((s) => s !== series)
      .map((s) => ({
        seriesInstanceUid: s.seriesInstanceUid,
        description: s.description ?? null,
        modality: s.modality ?? null,
        slices: s.slices.length,
      })),
  };
}

/** One file: an image, a multi-frame DICOM or a NIfTI volume. */
export async function describeImageFile(file: string): Promise<object> {
  const image = await openImage(file, { slice: 0, frame: 0 });
  const slices = image.slice?.count ?? 1;
  const frames = image.frame?.count ?? 1;
  const base = {
    input: file,
    kind: slices > 1 || frames > 1 ? 'volume' : 'image',
    width: image.width,
    height: image.height,
    slices,
    frames,
  };
  if (image.nifti) {
    const { pixdim, affine } = image.nifti;
    return {
      ...base,
      spacing: [pixdim[1] ?? 1, pixdim[2] ?? 1, pixdim[3] ?? 1],
      affine: [0, 1, 2, 3].map((r) => affine.slice(r * 4, r * 4 + 4)),
      modality: image.modalityHint ?? null,
    };
  }
  if (image.dicom) {
    const { imageOrientationPatient: o, imagePositionPatient: p } = image.dicom;
    const [rowSpacing, columnSpacing] = image.pixelSpacing ?? [1, 1];
    const z = image.dicom.sliceThickness ?? 1;
    // One file: the third axis is the slice normal, its length the slice thickness.
    const affine =
      o?.length === 6 && p?.length === 3 ? singleSliceAffine(o, p, columnSpacing, rowSpacing, z) : null;
    return {
      ...base,
      spacing: [columnSpacing, rowSpacing, z],
      affine,
      modality: image.dicom.modality ?? null,
      seriesInstanceUid: image.dicom.seriesInstanceUID ?? null,
      ...(image.warnings?.length ? { warnings: image.warnings } : {}),
    };
  }
  return { ...base, spacing: [...(image.pixelSpacing ?? [1, 1]).reverse(), 1], affine: null, modality: null };
}

function singleSliceAffine(o: number[], p: number[], dx: number, dy: number, dz: number): number[][] {
  const normal = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const rows = [0, 1, 2].map((axis) => {
    const sign = axis < 2 ? -1 : 1;
    return [
      sign * o[axis] * dx + 0,
      sign * o[3 + axis] * dy + 0,
      sign * normal[axis] * dz + 0,
      sign * p[axis] + 0,
    ];
  });
  return [...rows, [0, 0, 0, 1]];
}
