import path from 'node:path';
import { findComponents, DEFAULT_MASK_THRESHOLD } from '../analysis/components';
import { maskMax, type TargetAssessment } from '../analysis/pvalue';
import { encodeGrayPng } from '../analysis/rasterIO';
import { APP_NAME, APP_VERSION } from '../shared/version';
import type { WriteOps } from './atomic';
import { buildDicomSeg } from './dicomSeg';
import { uniqueFileStems } from './names';
import { buildNiftiLabels } from './nifti';
import { commitResultFolder, resultFolderName, type FolderTarget } from './resultFolder';
import {
  detectionFields,
  redactUrl,
  REPORT_SCHEMA_VERSION,
  type ExportReport,
  type ReportTarget,
} from './report';
import type { SourceInfo } from './sourceInfo';

export interface ExportTarget {
  /** Target name as prompted (becomes the file name, safe-ified, and the segment label). */
  name: string;
  /** Probability map at source resolution: width × height values, probability × 255. */
  mask: Uint8Array;
  /** Invalid-prompt verdict computed on the model input; without it the report says not assessed. */
  assessment?: TargetAssessment;
}

export type ExportFormat = 'masks' | 'labelMap' | 'report' | 'dicomSeg' | 'nifti' | 'screenshot';

export interface ExportRequest {
  source: SourceInfo;
  targets: readonly ExportTarget[];
  /**
   * Exactly this export folder: written when absent or empty; a folder holding files is refused
   * unless `overwrite`, which replaces a previous result there as one unit.
   */
  outDir?: string;
  overwrite?: boolean;
  /**
   * Without `outDir`: the folder in which the result folder (`<image file name>.medimageparse`, or
   * its first free numbered sibling `…-2`, `…-3`) is made; default: the image's own folder.
   */
  parentDir?: string;
  modality?: { key?: string; modality?: string; site?: string };
  /** Prompt texts sent to the endpoint. */
  prompts?: readonly string[];
  /** Where the masks came from (the URL is redacted in the report). */
  endpoint?: { url?: string; deployment?: string };
  /** Mask threshold on the 0–255 scale (default 127.5, i.e. ≥ 128). */
  threshold?: number;
  /** Significance level used for the verdicts, recorded in the report. */
  pThreshold?: number;
  /**
   * A label map to write instead of the one derived from the masks (e.g. recognition's), at
   * source resolution; label i + 1 is `labels[i]`.
   */
  labelMap?: { labels: readonly string[]; map: Uint8Array };
  /** Overlay screenshot rendered by the webview (PNG bytes). */
  screenshotPng?: Uint8Array;
  /** Where the masks came from: model output, or the demo endpoint's reference annotations. */
  resultSource?: 'endpoint' | 'demo-reference';
  /** Formats to write; default: everything that applies to the source. */
  formats?: readonly ExportFormat[];
  now?: Date;
  /** For tests: the low-level writer. */
  ops?: WriteOps;
}

export interface ExportResult {
  /** Absolute export folder. */
  dir: string;
  /** Absolute paths of the files written. */
  files: string[];
  report: ExportReport;
}

/**
 * The source name without its image extension(s): "scan.nii.gz" → "scan". Result folders were
 * named so in earlier versions (so scan.png and scan.dcm collided); kept to recognise those folders.
 */
export function sourceStem(file: string): string {
  const base = path.basename(file);
  const stem = base.replace(/\.(nii\.gz|nii|dcm|dicom|png|jpe?g|tiff?|bmp|gif|webp)$/i, '');
  return stem || base;
}

/**
 * The stable result folder of a source: `<folder>/<whole file name>.medimageparse` (later runs
 * go to numbered siblings of it). Earlier versions used `<folder>/<stem>`, see `sourceStem`.
 */
export function defaultExportDir(source: Pick<SourceInfo, 'file'>, parentDir?: string): string {
  return path.join(
    path.resolve(parentDir ?? path.dirname(path.resolve(source.file))),
    resultFolderName(source.file),
  );
}

/** Where an export request writes: its exact folder, or the first free result folder. */
export function exportFolderTarget(request: {
  source: Pick<SourceInfo, 'file'>;
  outDir?: string;
  overwrite?: boolean;
  parentDir?: string;
}): FolderTarget {
  return request.outDir
    ? { kind: 'exact', dir: path.resolve(request.outDir), overwrite: request.overwrite }
    : { kind: 'next-free', base: defaultExportDir(request.source, request.parentDir) };
}

/** Label map from the masks: each pixel goes to the target with the highest value above the threshold. */
function labelMapFromMasks(targets: readonly ExportTarget[], n: number, threshold: number): Uint8Array {
  const map = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = threshold;
    for (let t = 0; t < targets.length; t++) {
      const v = targets[t].mask[i];
      if (v > bestV) {
        bestV = v;
        best = t + 1;
      }
    }
    map[i] = best;
  }
  return map;
}

function binaryMask(mask: Uint8Array, threshold: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let i = 0; i < mask.length; i++) out[i] = mask[i] > threshold ? 255 : 0;
  return out;
}

/**
 * Writes the export files for one image: a 0/255 PNG per target at source resolution, a label
 * map PNG, a JSON report, a DICOM SEG (DICOM sources) or NIfTI labels (NIfTI sources), and the
 * overlay screenshot when given. Everything is rendered in memory first and then written as one
 * result folder: on any error (or a kill) no file of this export is left in view, an existing
 * result is never mixed with a new one, and the source image is never overwritten.
 */
export async function writeExports(request: ExportRequest): Promise<ExportResult> {
  const { source } = request;
  const threshold = request.threshold ?? DEFAULT_MASK_THRESHOLD;
  const { width, height } = source;
  const n = width * height;
  if (!Number.isInteger(width) || !Number.isInteger(height) || n <= 0) {
    throw new Error(`${source.file}: invalid source size ${width}×${height}`);
  }
  if (request.targets.length === 0 && !request.labelMap && !request.screenshotPng) {
    throw new Error(`${source.file}: nothing to export (no targets)`);
  }
  for (const t of request.targets) {
    if (t.mask.length !== n) {
      throw new Error(
        `mask of '${t.name}' has ${t.mask.length} values, expected ${width}×${height} for ${source.file}`,
      );
    }
  }
  const isDicom = source.format === 'dicom' || (source.format === undefined && source.dicom !== undefined);
  const isNifti = source.format === 'nifti' || (source.format === undefined && source.nifti !== undefined);
  const wanted = new Set<ExportFormat>(
    request.formats ?? ['masks', 'labelMap', 'report', 'dicomSeg', 'nifti', 'screenshot'],
  );
  const suffix =
    (source.slice && source.slice.count > 1 ? `_slice${source.slice.index}` : '') +
    (source.frame && source.frame.count > 1 ? `_frame${source.frame.index}` : '');

  // File names first: a refused target name stops the export before anything is rendered.
  const fixed = { labels: 'labels', report: 'report', seg: 'segmentation', overlay: 'overlay' };
  const stems = uniqueFileStems(
    request.targets.map((t) => t.name),
    Object.values(fixed),
  );

  const labelNames = request.labelMap ? [...request.labelMap.labels] : request.targets.map((t) => t.name);
  if (labelNames.length > 255)
    throw new Error(`too many labels for an 8-bit label map (${labelNames.length})`);
  const labelMap = request.labelMap?.map ?? labelMapFromMasks(request.targets, n, threshold);
  if (labelMap.length !== n) throw new Error(`label map has ${labelMap.length} values, expected ${n}`);

  const files: { name: string; data: Uint8Array }[] = [];
  const reportTargets: ReportTarget[] = [];
  for (let i = 0; i < request.targets.length; i++) {
    const t = request.targets[i];
    const detection = findComponents(t.mask, width, height, { threshold, pixelSpacing: source.pixelSpacing });
    const assessment: TargetAssessment =
      t.assessment ??
      (maskMax(t.mask) <= threshold
        ? { status: 'not-found', pValue: null }
        : { status: 'not-assessed', pValue: null });
    const entry: ReportTarget = {
      name: t.name,
      ...detectionFields(detection),
      pValue: assessment.pValue,
      validity: assessment.status,
      label: labelNames.indexOf(t.name) + 1,
    };
    if (wanted.has('masks')) {
      entry.maskFile = `${stems[i]}${suffix}.png`;
      files.push({
        name: entry.maskFile,
        data: await encodeGrayPng(binaryMask(t.mask, threshold), width, height),
      });
    }
    reportTargets.push(entry);
  }
  if (wanted.has('labelMap')) {
    files.push({ name: `${fixed.labels}${suffix}.png`, data: await encodeGrayPng(labelMap, width, height) });
  }
  if (wanted.has('dicomSeg') && isDicom && request.targets.length > 0) {
    const seg = buildDicomSeg(
      source,
      request.targets.map((t) => ({ label: t.name, mask: t.mask })),
      { threshold, now: request.now, site: request.modality?.site },
    );
    files.push({ name: `${fixed.seg}${suffix}.dcm`, data: seg });
  }
  if (wanted.has('nifti') && isNifti) {
    files.push({ name: `${fixed.labels}${suffix}.nii.gz`, data: buildNiftiLabels(source, labelMap) });
  }
  if (wanted.has('screenshot') && request.screenshotPng) {
    const png = request.screenshotPng;
    const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
    if (png.length < 8 || signature.some((b, i) => png[i] !== b))
      throw new Error('overlay screenshot is not a PNG');
    files.push({ name: `${fixed.overlay}${suffix}.png`, data: png });
  }

  const reportName = `${fixed.report}${suffix}.json`;
  const report: ExportReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    app: { name: APP_NAME, version: APP_VERSION },
    createdAt: (request.now ?? new Date()).toISOString(),
    source: {
      file: path.resolve(source.file),
      ...(source.format ? { format: source.format } : {}),
      width,
      height,
      ...(source.pixelSpacing ? { pixelSpacing: source.pixelSpacing } : {}),
      ...(source.slice ? { slice: source.slice } : {}),
      ...(source.frame ? { frame: source.frame } : {}),
      ...(source.dicom ? { sopInstanceUID: source.dicom.sopInstanceUID } : {}),
    },
    modality: { ...request.modality },
    prompts: [...(request.prompts ?? [])],
    endpoint: {
      ...(request.endpoint?.url ? { url: redactUrl(request.endpoint.url) } : {}),
      ...(request.endpoint?.deployment ? { deployment: request.endpoint.deployment } : {}),
    },
    maskThreshold: threshold,
    ...(request.pThreshold !== undefined ? { pThreshold: request.pThreshold } : {}),
    targets: reportTargets,
    labels: ['background', ...labelNames],
    files: [...files.map((f) => f.name), ...(wanted.has('report') ? [reportName] : [])],
    ...(request.resultSource ? { resultSource: request.resultSource } : {}),
    notice:
      request.resultSource === 'demo-reference'
        ? 'Reference annotations from the demo endpoint, not model output. Research use only; not for clinical use.'
        : 'Research use only. Not a medical device; not for diagnosis or treatment.',
  };
  if (wanted.has('report')) {
    files.push({ name: reportName, data: Buffer.from(JSON.stringify(report, null, 2) + '\n', 'utf8') });
  }

  // One folder, written whole: staged, then renamed into place (see resultFolder.ts).
  const dir = await commitResultFolder(files, exportFolderTarget(request), {
    protect: [source.file],
    ops: request.ops,
  });
  return { dir, files: files.map((f) => path.join(dir, f.name)), report };
}
