import type { SourceImage } from '../imaging';
import { writeExports, type ExportResult, type SourceInfo } from '../export';
import type { ParseResult } from '../shared/protocol';

/** What the exporters need of an opened image; DICOM SEG needs all four UIDs or is skipped. */
export function toSourceInfo(image: SourceImage): SourceInfo {
  const d = image.dicom;
  const dicom =
    d?.sopInstanceUID && d.sopClassUID && d.studyInstanceUID && d.seriesInstanceUID
      ? {
          sopInstanceUID: d.sopInstanceUID,
          sopClassUID: d.sopClassUID,
          studyInstanceUID: d.studyInstanceUID,
          seriesInstanceUID: d.seriesInstanceUID,
          frameOfReferenceUID: d.frameOfReferenceUID,
        }
      : undefined;
  return {
    file: image.file,
    format: image.format === 'dicom' && !dicom ? 'raster' : image.format,
    width: image.width,
    height: image.height,
    pixelSpacing: image.pixelSpacing,
    slice: image.slice,
    frame: image.frame,
    dicom,
    nifti: image.nifti && {
      // The imaging stage keeps dim[0..rank] / pixdim[0..rank]; the exporter reads the header's
      // eight entries (dim[0] = rank), so pad them back (a 4D file was read as plain dims before).
      dims: headerArray(image.nifti.dims, 1),
      pixdim: headerArray(image.nifti.pixdim, 0),
      affine: image.nifti.affine,
    },
  };
}

function headerArray(values: readonly number[], fill: number): number[] {
  return [...values.slice(0, 8), ...Array<number>(Math.max(0, 8 - values.length)).fill(fill)];
}

/** Writes every export of a result (masks, label map, report, SEG/NIfTI, screenshot). Shared by UI, batch and CLI. */
export function exportParseResult(
  image: SourceImage,
  result: ParseResult,
  options: {
    /** Exactly this folder (see ExportRequest.outDir); `overwrite` replaces a previous result there. */
    outDir?: string;
    overwrite?: boolean;
    /** Without outDir: where the `<image>.medimageparse` result folder is made (default: beside the image). */
    parentDir?: string;
    endpointUrl?: string;
    pValueThreshold?: number;
    screenshotPng?: Uint8Array;
  },
): Promise<ExportResult> {
  return writeExports({
    source: toSourceInfo(image),
    targets: result.targets.map((t) => ({
      name: t.target,
      mask: t.mask,
      assessment: { status: t.status, pValue: t.pValue },
    })),
    outDir: options.outDir,
    overwrite: options.overwrite,
    parentDir: options.parentDir,
    modality: { key: result.modalityKey, modality: result.modality, site: result.site },
    prompts: result.prompts,
    endpoint: { url: options.endpointUrl, deployment: result.deployment },
    pThreshold: options.pValueThreshold,
    labelMap: result.labelMap && result.labels ? { labels: result.labels, map: result.labelMap } : undefined,
    screenshotPng: options.screenshotPng,
    resultSource: result.source,
  });
}
