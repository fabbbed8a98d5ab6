import { promises as fs } from 'node:fs';
import * as dicomParser from 'dicom-parser';

/**
 * Ground truth from a DICOM Segmentation (binary or fractional, multi-frame): its segments by
 * number and label, the series and instances it references, and per frame the segment, the
 * source instance and the position. A segment is placed on a prediction's grid either by the
 * source instance (one image) or by the frame's ImagePositionPatient through the grid's affine
 * (a volume), so the SEG's own frame order does not matter.
 */

const SEG_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

export interface SegFile {
  file: string;
  /** Segment number → label. */
  segments: Map<number, string>;
  seriesInstanceUid?: string;
  referencedInstances: string[];
  rows: number;
  columns: number;
  frames: { segment: number; source?: string; position?: number[] }[];
  /** Value of frame f's pixel p (0/1 for binary; 0–255 for fractional). */
  pixel(f: number, p: number): number;
  fractional: boolean;
}

/** The grid a segment is placed on: a 2D image (by its SOP instance) or a volume (by its affine). */
export interface SegGrid {
  dims: number[];
  /** Voxel → RAS world (mm), 4×4 row-major: volumes. */
  affine?: number[][];
  /** The image's SOP Instance UID: single images. */
  sopInstanceUid?: string;
}

const item = (ds: dicomParser.DataSet, tag: string, i = 0): dicomParser.DataSet | undefined =>
  ds.elements[tag]?.items?.[i]?.dataSet;

/** Reads `file` as a SEG; undefined when it is some other DICOM (or not DICOM at all). */
export async function readSeg(file: string): Promise<SegFile | undefined> {
  const bytes = new Uint8Array(await fs.readFile(file));
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes);
  } catch {
    return undefined;
  }
  if (ds.string('x00080016') !== SEG_SOP_CLASS && ds.string('x00080060') !== 'SEG') return undefined;
  const bad = (what: string) => new Error(`${file}: DICOM SEG ${what}`);
  const rows = ds.uint16('x00280010');
  const columns = ds.uint16('x00280011');
  const bits = ds.uint16('x00280100');
  const frameCount = Number(ds.string('x00280008') ?? '1');
  if (!rows || !columns || !(frameCount >= 1)) throw bad('has no Rows, Columns or NumberOfFrames');
  if (bits !== 1 && bits !== 8) throw bad(`with BitsAllocated ${bits} is not supported (1 or 8)`);
  const transfer = ds.string('x00020010');
  if (transfer && !['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'].includes(transfer))
    throw bad(`in transfer syntax ${transfer} is not supported (uncompressed only)`);
  const segments = new Map<number, string>();
  for (const s of ds.elements.x00620002?.items ?? []) {
    const number = s.dataSet?.uint16('x00620004');
    const label = s.dataSet?.string('x00620005');
    if (number !== undefined && label) segments.set(number, label);
  }
  if (segments.size === 0) throw bad('has no labelled segments');
  const pixelData = ds.elements.x7fe00010;
  if (!pixelData) throw bad('has no PixelData');
  const data = ds.byteArray.subarray(pixelData.dataOffset, pixelData.dataOffset + pixelData.length);
  const plane = rows * columns;
  if (data.length < Math.ceil((plane * frameCount * bits) / 8))
    throw bad('PixelData is shorter than its frames');
  const perFrame = ds.elements.x52009230?.items ?? [];
  const sharedSegment = item(ds, 'x52009229') && item(item(ds, 'x52009229')!, 'x0062000a');
  const frames = Array.from({ length: frameCount }, (_, f) => {
    const group = perFrame[f]?.dataSet;
    const segment =
      (group && item(group, 'x0062000a')?.uint16('x0062000b')) ?? sharedSegment?.uint16('x0062000b') ?? 1;
    const derivation = group && item(group, 'x00089124');
    const source = derivation && item(derivation, 'x00082112')?.string('x00081155');
    const position = group && item(group, 'x00209113')?.string('x00200032')?.split('\\').map(Number);
    return { segment, source: source || undefined, position: position?.length === 3 ? position : undefined };
  });
  const refSeries = item(ds, 'x00081115');
  const referencedInstances = (refSeries?.elements.x0008114a?.items ?? [])
    .map((i) => i.dataSet?.string('x00081155'))
    .filter((u): u is string => !!u);
  return {
    file,
    segments,
    seriesInstanceUid: refSeries?.string('x0020000e'),
    referencedInstances,
    rows,
    columns,
    frames,
    fractional: bits === 8,
    pixel: (f, p) => {
      if (bits === 8) return data[f * plane + p];
      const bit = f * plane + p;
      return (data[bit >> 3] >> (bit & 7)) & 1;
    },
  };
}

/**
 * Segment `segment` of a SEG as a 0/1 mask on `grid` (fractional values count from 128). Frames
 * that reference another image, or lie off the grid, are an error naming the file.
 */
export function segMaskOnGrid(seg: SegFile, segment: number, grid: SegGrid): Uint8Array {
  const [w, h] = grid.dims;
  const depth = grid.dims.length === 3 ? grid.dims[2] : 1;
  if (w !== seg.columns || h !== seg.rows)
    throw new Error(
      `${seg.file}: frames of ${seg.columns}×${seg.rows} do not fit the prediction's ${w}×${h} grid`,
    );
  const plane = w * h;
  const out = new Uint8Array(plane * depth);
  const inside = seg.fractional ? (v: number) => v >= 128 : (v: number) => v !== 0;
  seg.frames.forEach((frame, f) => {
    if (frame.segment !== segment) return;
    let k = 0;
    if (depth > 1) {
      if (!grid.affine || !frame.position)
        throw new Error(`${seg.file}: frame ${f + 1} has no position to place it in the volume`);
      k = sliceOf(grid.affine, frame.position, depth, seg.file, f);
    } else if (grid.sopInstanceUid && frame.source && frame.source !== grid.sopInstanceUid) return;
    for (let p = 0; p < plane; p++) if (inside(seg.pixel(f, p))) out[k * plane + p] = 1;
  });
  return out;
}

/** The grid slice a frame's ImagePositionPatient (LPS) falls on, by the grid's affine (RAS). */
function sliceOf(affine: number[][], lps: number[], depth: number, file: string, f: number): number {
  const ras = [-lps[0], -lps[1], lps[2]];
  const d = [0, 1, 2].map((a) => ras[a] - affine[a][3]);
  const step = [0, 1, 2].map((a) => affine[a][2]);
  const k = (d[0] * step[0] + d[1] * step[1] + d[2] * step[2]) / (step[0] ** 2 + step[1] ** 2 + step[2] ** 2);
  const index = Math.round(k);
  if (Math.abs(k - index) > 0.1 || index < 0 || index >= depth)
    throw new Error(
      `${file}: frame ${f + 1} at position ${lps.join('\\')} is not on a slice of the prediction's grid`,
    );
  return index;
}

/** Whether a file name may be a DICOM file worth looking into for a SEG. */
export function mayBeDicom(name: string): boolean {
  return /\.(dcm|dicom)$/i.test(name) || !/\.[A-Za-z0-9]{1,5}$/.test(name);
}
