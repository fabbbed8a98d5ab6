import * as path from 'node:path';
import { promises as fs } from 'node:fs';
import { openImage, type SourceImage } from '../imaging';
import { ImagingError } from '../imaging/errors';
import { findSeries, type DicomSeries } from '../imaging/series';
import {
  dicomSliceOrientation,
  displayOrientation,
  niftiSliceOrientation,
  type DisplayOrientation,
} from '../shared/orientation';
import * as l10n from '@vscode/l10n';

/**
 * What a viewer shows: one file (an image, a NIfTI volume's slices, a multi-frame file's frames)
 * or a DICOM series folder whose sorted slices the slice slider steps through. No `vscode` here.
 */
export interface SliceSource {
  /** The file or the series folder. */
  readonly path: string;
  readonly series?: DicomSeries;
  /** Decodes slice `slice` (series: index in the sorted slices) and frame `frame`. */
  open(slice: number | undefined, frame: number | undefined): Promise<SourceImage>;
  /** The radiological display of `image` (one of this source's). */
  orientation(image: SourceImage): DisplayOrientation | undefined;
  /** Warnings about the whole volume, shown with every slice. */
  readonly warnings: string[];
  /**
   * The default window of the whole volume (its DICOM window, else the value range of all its
   * slices), so that browsing slices does not change the brightness; undefined for single images.
   */
  volumeWindow(signal?: AbortSignal): Promise<DisplayWindow | undefined>;
}

export interface DisplayWindow {
  lower: number;
  upper: number;
}

/** The value range over slices 0 … count−1, read one at a time (yielding between them). */
async function rangeOfSlices(
  count: number,
  open: (k: number) => Promise<SourceImage>,
  signal?: AbortSignal,
): Promise<DisplayWindow | undefined> {
  let lower = Infinity;
  let upper = -Infinity;
  for (let k = 0; k < count; k++) {
    if (signal?.aborted) return undefined;
    const { range } = await open(k);
    lower = Math.min(lower, range.min);
    upper = Math.max(upper, range.max);
  }
  if (!Number.isFinite(lower) || !Number.isFinite(upper)) return undefined;
  return { lower, upper: upper > lower ? upper : lower + 1 };
}

/** A window the file itself gives (DICOM WindowCenter/Width) rather than one made from its range. */
function fileWindow(image: SourceImage): DisplayWindow | undefined {
  const w = image.defaultWindow;
  if (!w || (w.lower === image.range.min && (w.upper === image.range.max || w.upper === image.range.min + 1)))
    return undefined;
  return w;
}

/** A single file: slices and frames as the file has them, kept in memory while browsing. */
export function fileSource(file: string): SliceSource {
  return {
    path: file,
    warnings: [],
    open: (slice, frame) => openImage(file, { slice, frame, keepVolume: true }),
    orientation: imageOrientation,
    async volumeWindow(signal) {
      const first = await openImage(file, { keepVolume: true, signal });
      const count = first.slice?.count ?? 1;
      if (first.format !== 'nifti' || count < 2 || first.channels !== 1) return undefined;
      const frame = first.frame?.index;
      return rangeOfSlices(
        count,
        (k) => openImage(file, { slice: k, frame, keepVolume: true, signal }),
        signal,
      );
    },
  };
}

/** The display orientation a single image's own header gives (NIfTI affine, DICOM orientation). */
export function imageOrientation(image: SourceImage): DisplayOrientation | undefined {
  if (image.nifti)
    return image.nifti.orientationKnown === false ? undefined : niftiSliceOrientation(image.nifti.affine);
  const iop = image.dicom?.imageOrientationPatient;
  return iop ? dicomSliceOrientation(iop) : undefined;
}

/**
 * A DICOM series as slices, sorted along the slice normal. Each slice is decoded alone (as a single
 * file would be, with its own rescale), so the first one shows without decoding the others.
 */
export function seriesSource(folder: string, series: DicomSeries): SliceSource {
  const count = series.slices.length;
  const a = series.affine;
  // Image x runs along the series' columns (affine column 0), y along its rows (column 1).
  const orientation = displayOrientation([a[0][0], a[1][0], a[2][0]], [a[0][1], a[1][1], a[2][1]]);
  return {
    path: folder,
    series,
    warnings: series.warnings,
    orientation: () => orientation,
    async volumeWindow(signal) {
      const open = (k: number) => this.open(k, undefined);
      const middle = await open(Math.floor(count / 2));
      if (middle.channels !== 1) return undefined;
      return fileWindow(middle) ?? rangeOfSlices(count, open, signal);
    },
    async open(slice) {
      // The middle slice first, as for a NIfTI volume.
      const index = Math.max(0, Math.min(count - 1, slice ?? Math.floor(count / 2)));
      const { file, frame } = series.slices[index];
      const image = await openImage(file, { frame });
      if (image.width !== series.columns || image.height !== series.rows) {
        throw new ImagingError(
          file,
          l10n.t(
            'slice {0} of the series is {1}×{2}, the series header said {3}×{4}',
            index + 1,
            image.width,
            image.height,
            series.columns,
            series.rows,
          ),
        );
      }
      // Within a series, the frames of a multi-frame file are slices like any other.
      return { ...image, slice: { index, count }, frame: undefined };
    },
  };
}

/** Whether `target` is a folder (a series) rather than a file. */
export async function isFolder(target: string): Promise<boolean> {
  return (await fs.stat(target).catch(() => undefined))?.isDirectory() ?? false;
}

/**
 * The series to show from `folder`: the one with `seriesUid`, else the one holding `file`, else
 * the largest. Errors name the folder.
 */
export async function chooseSeries(
  folder: string,
  wanted: { seriesUid?: string; file?: string } = {},
): Promise<{ series: DicomSeries; all: DicomSeries[] }> {
  const all = await findSeries(folder);
  const series =
    (wanted.seriesUid && all.find((s) => s.seriesInstanceUid === wanted.seriesUid)) ||
    (wanted.file &&
      all.find((s) => s.slices.some((sl) => path.resolve(sl.file) === path.resolve(wanted.file!)))) ||
    all[0];
  return { series, all };
}

/** One line per series for the pick list: what a user recognises a series by. */
export function seriesPickItem(series: DicomSeries): {
  label: string;
  description: string;
  detail: string;
  series: DicomSeries;
} {
  const n = series.slices.length;
  return {
    label: series.description ?? l10n.t('(no description)'),
    description: [
      series.modality,
      n === 1 ? l10n.t('1 slice') : l10n.t('{0} slices', n),
      `${series.columns}×${series.rows}`,
    ]
      .filter(Boolean)
      .join(' · '),
    detail: series.seriesInstanceUid,
    series,
  };
}

/**
 * One image of a file or series folder, for runs outside a viewer (History's Run Again): a folder
 * is its largest series, `slice` an index in its sorted slices.
 */
export async function openSourceImage(
  target: string,
  options: { slice?: number; frame?: number; signal?: AbortSignal } = {},
): Promise<SourceImage> {
  if (!(await isFolder(target))) return openImage(target, options);
  const { series } = await chooseSeries(target);
  return seriesSource(target, series).open(options.slice, options.frame);
}
