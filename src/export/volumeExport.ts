import { buildSeriesDicomSeg, type SegSeries } from './dicomSeg';
import { encodeNiftiUint8Later, type NiftiGeometry } from './nifti';
import { uniqueFileStems } from './names';

/**
 * The files of a volume result: `labels.nii.gz` (1 … N in prompt order, on the source grid with
 * the source affine), one `<target>.nii.gz` 0/1 mask per target, and `report.json` with the
 * per-target figures; for a DICOM series also `segmentation.dcm`, a multi-frame DICOM SEG over the
 * series (the 2D export's SEG name). Built in memory so the caller writes them as one unit.
 */

export interface VolumeExportTarget {
  name: string;
  label: number;
  /** 0/1 (or 0/255) on the grid. */
  mask: Uint8Array;
  voxels: number;
  volumeMl: number;
  slices: [number, number] | null;
  components: number;
  largestSliceAreaMm2: number | null;
  likelyAbsentSlices: number;
}

export interface VolumeExportRequest {
  /** The file or folder the volume came from (named in the report, never copied). */
  input: string;
  kind: 'nifti' | 'dicom-series';
  seriesInstanceUid?: string;
  /** The DICOM series the volume was read from (grid order): a SEG over it is written too. */
  series?: SegSeries;
  geometry: NiftiGeometry;
  labels: Uint8Array;
  targets: VolumeExportTarget[];
  mode: 'slices' | '3d';
  range: [number, number];
  endpoint: string;
  source: 'endpoint' | 'demo-reference';
  warnings: string[];
  time?: string;
  /** The catalogue site the volume was parsed as (abdomen, brain…): places lesions in the SEG's codes. */
  site?: string;
}

export const VOLUME_REPORT_SCHEMA = 'medimageparse.volume-report/1';

export async function buildVolumeExportFiles(
  request: VolumeExportRequest,
): Promise<{ name: string; data: Buffer }[]> {
  const stems = uniqueFileStems(
    request.targets.map((t) => t.name),
    ['labels', 'report'],
  );
  // The NIfTI files are compressed on the pool threads, all at once, while this thread builds the
  // SEG: for a CT-sized result that is most of the export's time, which the caller (the extension
  // host) would otherwise spend blocked.
  const nifti = Promise.all([
    encodeNiftiUint8Later(request.geometry, request.labels, {
      description: 'MedImageParse labels (research use only)',
      maxValue: request.targets.length,
      intentName: 'labels',
    }),
    ...request.targets.map((t) =>
      encodeNiftiUint8Later(request.geometry, isZeroOne(t.mask) ? t.mask : t.mask.map((v) => (v ? 1 : 0)), {
        description: `MedImageParse mask: ${t.name}`.slice(0, 79),
        maxValue: 1,
        intentName: 'mask',
      }),
    ),
  ]);
  const seg = request.series
    ? buildSeriesDicomSeg(
        request.series,
        request.targets.map((t) => ({ label: t.name, mask: t.mask })),
        { now: request.time ? new Date(request.time) : undefined, site: request.site },
      )
    : undefined;
  const [labels, ...masks] = await nifti;
  const files = [
    { name: 'labels.nii.gz', data: labels },
    ...masks.map((data, i) => ({ name: `${stems[i]}.nii.gz`, data })),
  ];
  if (seg) files.push({ name: 'segmentation.dcm', data: seg });
  const report = {
    schema: VOLUME_REPORT_SCHEMA,
    note:
      request.source === 'demo-reference'
        ? 'reference annotations from the demo endpoint (not model output); research use only'
        : 'model output; research use only, not for clinical use',
    input: request.input,
    kind: request.kind,
    seriesInstanceUid: request.seriesInstanceUid,
    mode: request.mode,
    slicesParsed: request.range,
    endpoint: request.endpoint,
    source: request.source,
    time: request.time ?? new Date().toISOString(),
    grid: {
      dims: request.geometry.dims,
      spacing: request.geometry.spacing,
      affine: request.geometry.affine,
    },
    warnings: request.warnings,
    labelsFile: 'labels.nii.gz',
    // Every file of this result, so a later --overwrite knows the folder holds nothing else.
    files: [...files.map((f) => f.name), 'report.json'],
    targets: request.targets.map((t, i) => ({
      name: t.name,
      label: t.label,
      maskFile: `${stems[i]}.nii.gz`,
      voxels: t.voxels,
      volumeMl: t.volumeMl,
      slices: t.slices,
      components: t.components,
      largestSliceAreaMm2: t.largestSliceAreaMm2,
      likelyAbsentSlices: t.likelyAbsentSlices,
    })),
  };
  files.push({ name: 'report.json', data: Buffer.from(JSON.stringify(report, null, 2) + '\n') });
  return files;
}

/** True when every value is 0 or 1 (an indexed loop: masks have tens of millions of voxels). */
function isZeroOne(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] > 1) return false;
  return true;
}
