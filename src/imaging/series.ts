import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import type * as dicomParser from 'dicom-parser';
import { parseDataSet } from './decode/dicomDataSet';
import { ImagingError } from './errors';

/**
 * DICOM series assembly: which files (or frames of an enhanced multi-frame file) make one volume,
 * in which order, with which spacing and orientation. Only headers are read here; pixel data is
 * decoded per slice by the DICOM decoder.
 *
 * The order comes from ImagePositionPatient projected on the slice normal (the cross product of
 * the row and column directions of ImageOrientationPatient), never from file names or
 * InstanceNumber, and the slice spacing from those positions, never from SliceThickness, as
 * dcm2niix and ITK do. Geometry that cannot be stacked (mixed sizes or orientations, two slices
 * at one position) is an error naming the series; geometry that can be stacked but is not a
 * regular grid (a missing slice, uneven spacing, gantry tilt) gives warnings.
 */

/** One slice of a series: a single-frame file, or one frame of a multi-frame file. */
export interface SeriesSlice {
  file: string;
  /** Frame index inside `file` (0 for single-frame files). */
  frame: number;
  /** ImagePositionPatient (LPS, mm) of the first transmitted pixel. */
  position: [number, number, number];
  /** Position projected on the slice normal (mm): the sort key. */
  location: number;
  instanceNumber?: number;
  sopInstanceUID?: string;
  sopClassUID?: string;
}

export interface DicomSeries {
  seriesInstanceUid: string;
  description?: string;
  modality?: string;
  rows: number;
  columns: number;
  /** ImageOrientationPatient: row direction (along a row, increasing column) then column direction. */
  orientation: [number, number, number, number, number, number];
  /** mm: [between columns, between rows, between slices]. */
  spacing: [number, number, number];
  /** Slices sorted by their location along the normal, ascending. */
  slices: SeriesSlice[];
  /**
   * Voxel (column, row, slice) → RAS+ world coordinates in mm, a 4×4 row-major matrix; the slice
   * axis follows the mean step between first and last slice, so a gantry tilt shows as shear.
   */
  affine: number[][];
  /** Things a reader of this volume should know: missing slices, uneven spacing, tilt. */
  warnings: string[];
}

/** Header fields of one DICOM file that series assembly needs. */
export interface SliceHeader {
  file: string;
  seriesInstanceUid?: string;
  description?: string;
  modality?: string;
  rows: number;
  columns: number;
  pixelSpacing?: [number, number];
  orientation?: number[];
  /** One position per frame (one entry for single-frame files). */
  positions: (number[] | undefined)[];
  instanceNumber?: number;
  sopInstanceUID?: string;
  sopClassUID?: string;
}

/** Bytes read first when looking for a header; the whole file is read when the header is longer. */
const HEADER_PROBE_BYTES = 64 * 1024;

/** Reads the header of a DICOM file (everything before the pixel data). */
export async function readSliceHeader(file: string): Promise<SliceHeader> {
  const handle = await fs.open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new ImagingError(file, error.code === 'ENOENT' ? 'no such file' : `cannot read (${error.code})`);
  });
  let bytes: Uint8Array;
  try {
    const { size } = await handle.stat();
    const probe = Buffer.alloc(Math.min(size, HEADER_PROBE_BYTES));
    await handle.read(probe, 0, probe.length, 0);
    bytes = probe;
    const parsed = tryParse(bytes);
    if (parsed) return headerFrom(file, parsed);
    if (size > probe.length) bytes = await handle.readFile();
  } finally {
    await handle.close();
  }
  const ds = tryParse(bytes);
  if (!ds) throw new ImagingError(file, 'not a readable DICOM file');
  return headerFrom(file, ds);
}

/** The parsed header, or undefined when `bytes` do not hold a whole one. */
function tryParse(bytes: Uint8Array): dicomParser.DataSet | undefined {
  try {
    // parseDataSet: a file whose data set is written in another VR than its transfer syntax says
    // is read as the decoder reads it.
    return parseDataSet(bytes, {
      untilTag: 'x7fe00010',
      inflater: (arr: Uint8Array, position: number) => {
        // Headers only: inflating the whole deflated dataset is the decoder's job (with its limits).
        const inflated = zlib.inflateRawSync(arr.subarray(position), { maxOutputLength: 16 * 1024 * 1024 });
        const full = new Uint8Array(position + inflated.length);
        full.set(arr.subarray(0, position));
        full.set(inflated, position);
        return full;
      },
    }).ds;
  } catch {
    return undefined;
  }
}

function numbers(ds: dicomParser.DataSet, tag: string): number[] | undefined {
  const text = ds.string(tag);
  if (!text) return undefined;
  const values = text.split('\\').map(Number);
  return values.every(Number.isFinite) ? values : undefined;
}

function text(ds: dicomParser.DataSet, tag: string): string | undefined {
  const value = ds.string(tag)?.trim();
  return value ? value : undefined;
}

/** The first item of a sequence inside `ds`, if any. */
function firstItem(ds: dicomParser.DataSet | undefined, tag: string): dicomParser.DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

function headerFrom(file: string, ds: dicomParser.DataSet): SliceHeader {
  const frames = Math.max(1, Math.floor(Number(text(ds, 'x00280008') ?? '1')) || 1);
  // Enhanced multi-frame objects keep geometry in functional groups (shared, then per frame).
  const shared = firstItem(ds, 'x52009229');
  const perFrame = ds.elements.x52009230?.items ?? [];
  const orientation = numbers(ds, 'x00200037') ?? numbers(firstItem(shared, 'x00209116') ?? ds, 'x00200037');
  const spacing = numbers(ds, 'x00280030') ?? numbers(firstItem(shared, 'x00289110') ?? ds, 'x00280030');
  let positions: (number[] | undefined)[];
  if (frames > 1 && perFrame.length === frames) {
    positions = perFrame.map((item) => {
      const plane = firstItem(item.dataSet, 'x00209113');
      return plane ? numbers(plane, 'x00200032') : undefined;
    });
  } else {
    positions = [numbers(ds, 'x00200032')];
  }
  const instance = Number(text(ds, 'x00200013'));
  return {
    file,
    seriesInstanceUid: text(ds, 'x0020000e'),
    description: text(ds, 'x0008103e'),
    modality: text(ds, 'x00080060'),
    rows: ds.uint16('x00280010') ?? 0,
    columns: ds.uint16('x00280011') ?? 0,
    pixelSpacing: spacing && spacing.length >= 2 ? [spacing[0], spacing[1]] : undefined,
    orientation: orientation && orientation.length === 6 ? orientation : undefined,
    positions,
    instanceNumber: Number.isFinite(instance) ? instance : undefined,
    sopInstanceUID: text(ds, 'x00080018'),
    sopClassUID: text(ds, 'x00080016'),
  };
}

/** Reads the headers of every DICOM file in `folder` (not below it) and assembles its series. */
export async function findSeries(folder: string): Promise<DicomSeries[]> {
  let names: string[];
  try {
    names = (await fs.readdir(folder, { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.'))
      .map((e) => e.name)
      .sort();
  } catch (error) {
    throw new ImagingError(folder, `cannot list folder (${(error as NodeJS.ErrnoException).code})`);
  }
  const headers: SliceHeader[] = [];
  for (const name of names) {
    const file = path.join(folder, name);
    if (!(await isDicomFile(file))) continue;
    try {
      headers.push(await readSliceHeader(file));
    } catch {
      // A file that starts like DICOM but has no readable header is not part of any series.
    }
  }
  if (headers.length === 0) throw new ImagingError(folder, 'no DICOM files in this folder');
  return assembleSeries(headers, folder);
}

async function isDicomFile(file: string): Promise<boolean> {
  if (/\.(dcm|dicom|ima)$/i.test(file)) return true;
  const handle = await fs.open(file, 'r');
  try {
    const head = Buffer.alloc(132);
    const { bytesRead } = await handle.read(head, 0, 132, 0);
    return bytesRead === 132 && head.toString('latin1', 128, 132) === 'DICM';
  } finally {
    await handle.close();
  }
}

/** Groups headers by SeriesInstanceUID and builds each series; largest series first. */
export function assembleSeries(headers: readonly SliceHeader[], where = 'series'): DicomSeries[] {
  const groups = new Map<string, SliceHeader[]>();
  for (const header of headers) {
    const key = header.seriesInstanceUid ?? '(no SeriesInstanceUID)';
    const group = groups.get(key) ?? [];
    group.push(header);
    groups.set(key, group);
  }
  const series = [...groups.entries()].map(([uid, group]) => buildSeries(uid, group, where));
  return series.sort((a, b) => b.slices.length - a.slices.length);
}

const cross = (a: number[], b: number[]): [number, number, number] => [
  a[1] * b[2] - a[2] * b[1],
  a[2] * b[0] - a[0] * b[2],
  a[0] * b[1] - a[1] * b[0],
];
const dot = (a: number[], b: number[]): number => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
const norm = (a: number[]): number => Math.sqrt(dot(a, a));

/** Orientations that differ by less than this (direction cosines) count as the same. */
const ORIENTATION_TOLERANCE = 1e-4;

function buildSeries(uid: string, group: SliceHeader[], where: string): DicomSeries {
  const name = `series ${uid} in ${where}`;
  const first = group[0];
  for (const header of group) {
    if (header.rows !== first.rows || header.columns !== first.columns) {
      throw new ImagingError(
        header.file,
        `${name} mixes image sizes (${first.columns}×${first.rows} in ${path.basename(first.file)}, ${header.columns}×${header.rows} here); it cannot be stacked into one volume`,
      );
    }
  }
  const orientation = first.orientation;
  if (!orientation) {
    throw new ImagingError(
      first.file,
      `${name} has no ImageOrientationPatient; slices cannot be ordered in space`,
    );
  }
  for (const header of group) {
    const o = header.orientation;
    if (!o || o.some((v, i) => Math.abs(v - orientation[i]) > ORIENTATION_TOLERANCE)) {
      throw new ImagingError(
        header.file,
        `${name} mixes slice orientations (ImageOrientationPatient ${o?.join('\\') ?? 'missing'} vs ${orientation.join('\\')})`,
      );
    }
  }
  const row = orientation.slice(0, 3);
  const column = orientation.slice(3, 6);
  const normal = cross(row, column);
  if (Math.abs(norm(normal) - 1) > 0.01 || Math.abs(dot(row, column)) > 0.01) {
    throw new ImagingError(
      first.file,
      `${name}: ImageOrientationPatient ${orientation.join('\\')} is not two orthonormal directions`,
    );
  }

  const slices: SeriesSlice[] = [];
  for (const header of group) {
    header.positions.forEach((position, frame) => {
      if (!position || position.length !== 3) {
        throw new ImagingError(
          header.file,
          `${name}: ${header.positions.length > 1 ? `frame ${frame} has` : 'file has'} no ImagePositionPatient; slices cannot be ordered in space`,
        );
      }
      slices.push({
        file: header.file,
        frame,
        position: [position[0], position[1], position[2]],
        location: dot(position, normal),
        instanceNumber: header.instanceNumber,
        sopInstanceUID: header.sopInstanceUID,
        sopClassUID: header.sopClassUID,
      });
    });
  }
  slices.sort((a, b) => a.location - b.location);

  const warnings: string[] = [];
  const steps = slices.slice(1).map((s, i) => s.location - slices[i].location);
  const duplicate = steps.findIndex((step) => Math.abs(step) < 1e-3);
  if (duplicate >= 0) {
    const [a, b] = [slices[duplicate], slices[duplicate + 1]];
    throw new ImagingError(
      b.file,
      `${name} has two slices at the same position (${fmt(a.location)} mm along the normal: ${describe(a)} and ${describe(b)}); it may hold several acquisitions`,
    );
  }
  const sliceSpacing = steps.length ? median(steps) : 1;
  if (steps.length) {
    const gaps = steps
      .map((step, i) => ({ step, i }))
      .filter(({ step }) => step > 1.5 * sliceSpacing)
      .map(({ step, i }) => {
        const missing = Math.round(step / sliceSpacing) - 1;
        return `${missing} missing slice${missing === 1 ? '' : 's'} between ${fmt(slices[i].location)} and ${fmt(slices[i + 1].location)} mm`;
      });
    if (gaps.length) warnings.push(`${gaps.join('; ')} (slice spacing ${fmt(sliceSpacing)} mm)`);
    const uneven = steps.filter(
      (step) =>
        step <= 1.5 * sliceSpacing && Math.abs(step - sliceSpacing) > Math.max(0.01, sliceSpacing * 0.01),
    );
    if (uneven.length) {
      const lo = Math.min(...steps);
      const hi = Math.max(...steps.filter((s) => s <= 1.5 * sliceSpacing));
      warnings.push(
        `uneven slice spacing: steps from ${fmt(lo)} to ${fmt(hi)} mm (median ${fmt(sliceSpacing)} mm)`,
      );
    }
  }
  const total =
    slices.length > 1
      ? sub(slices[slices.length - 1].position, slices[0].position)
      : normal.map((v) => v * sliceSpacing);
  const step = slices.length > 1 ? total.map((v) => v / (slices.length - 1)) : total;
  if (slices.length > 1) {
    const cosine = dot(step, normal) / norm(step);
    const tilt = (Math.acos(Math.min(1, Math.abs(cosine))) * 180) / Math.PI;
    if (tilt > 0.01) {
      warnings.push(
        `gantry tilt of ${tilt.toFixed(2)}°: slices are stacked as stored, not resampled to an orthogonal grid`,
      );
    }
  }
  const [rowSpacing, columnSpacing] = first.pixelSpacing ?? [1, 1];
  if (!first.pixelSpacing) warnings.push('no PixelSpacing: 1 mm assumed');
  const origin = slices[0].position;
  // LPS (DICOM) → RAS (NIfTI convention): negate x and y.
  const lpsColumns = [row.map((v) => v * columnSpacing), column.map((v) => v * rowSpacing), step];
  const affine = [0, 1, 2].map((axis) => {
    const sign = axis < 2 ? -1 : 1;
    return [...lpsColumns.map((c) => sign * c[axis] + 0), sign * origin[axis] + 0];
  });
  affine.push([0, 0, 0, 1]);
  return {
    seriesInstanceUid: uid,
    description: first.description,
    modality: first.modality,
    rows: first.rows,
    columns: first.columns,
    orientation: orientation as DicomSeries['orientation'],
    spacing: [columnSpacing, rowSpacing, sliceSpacing],
    slices,
    affine,
    warnings,
  };
}

function sub(a: number[], b: number[]): number[] {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function fmt(value: number): string {
  return String(Number(value.toFixed(3)));
}

function describe(slice: SeriesSlice): string {
  return slice.frame ? `${path.basename(slice.file)} frame ${slice.frame}` : path.basename(slice.file);
}
