import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { VolumeRun } from '../pipeline/volumeView';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/**
 * A whole-volume result as History keeps it: the run (what was asked, of which endpoint — its
 * name only, never a key — and when), its label volume and per-target masks on the source grid,
 * and the grid it was made on, so that a result is never put on a volume that has since changed.
 * The file is a JSON header (arrays replaced by blob indexes) followed by the blobs, gzipped.
 */

const FORMAT = 'medimageparse-volume-result';
const VERSION = 1;

/** What a volume result lies on: checked again when the result is shown. */
export interface VolumeRecordGrid {
  dims: [number, number, number];
  /** The DICOM series the result was made on (a folder may hold several). */
  seriesInstanceUid?: string;
}

export interface VolumeRecord {
  run: VolumeRun;
  grid: VolumeRecordGrid;
}

export async function encodeVolumeRecord(record: VolumeRecord): Promise<Buffer> {
  const { run, grid } = record;
  const voxels = grid.dims[0] * grid.dims[1] * grid.dims[2];
  if (run.result.labels.length !== voxels)
    throw new Error(
      `the volume result has ${run.result.labels.length} voxels but its grid ${grid.dims.join('×')} has ${voxels}`,
    );
  const blobs: Uint8Array[] = [];
  const blob = (data: Uint8Array) => blobs.push(data) - 1;
  const header = {
    format: FORMAT,
    version: VERSION,
    grid,
    run: {
      ...run,
      result: {
        ...run.result,
        labels: blob(run.result.labels),
        targets: run.result.targets.map((t) => ({ ...t, mask: blob(t.mask) })),
      },
    },
    blobSizes: [] as number[],
  };
  header.blobSizes = blobs.map((b) => b.length);
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return gzip(
    Buffer.concat([length, json, ...blobs.map((b) => Buffer.from(b.buffer, b.byteOffset, b.length))]),
    { level: 6 },
  );
}

export async function decodeVolumeRecord(data: Buffer): Promise<VolumeRecord> {
  const raw = await gunzip(data);
  const jsonLength = raw.readUInt32LE(0);
  const header = JSON.parse(raw.subarray(4, 4 + jsonLength).toString('utf8'));
  if (header.format !== FORMAT || header.version !== VERSION)
    throw new Error('not a MedImageParse volume result file');
  const blobs: Uint8Array[] = [];
  let offset = 4 + jsonLength;
  for (const size of header.blobSizes as number[]) {
    if (offset + size > raw.length) throw new Error('the volume result file is cut short');
    blobs.push(new Uint8Array(raw.subarray(offset, offset + size)));
    offset += size;
  }
  const grid = header.grid as VolumeRecordGrid;
  const voxels = grid.dims[0] * grid.dims[1] * grid.dims[2];
  const r = header.run;
  const run: VolumeRun = {
    ...r,
    result: {
      ...r.result,
      labels: blobs[r.result.labels],
      targets: r.result.targets.map((t: { mask: number }) => ({ ...t, mask: blobs[t.mask] })),
    },
  };
  if (run.result.labels?.length !== voxels || run.result.targets.some((t) => t.mask?.length !== voxels))
    throw new Error('the volume result file does not match its own grid');
  return { run, grid };
}

/** The History line of a volume result: each target's volume, e.g. "liver 1520.3 mL, spleen 210.0 mL". */
export function volumeHistorySummary(run: VolumeRun): string {
  return run.result.targets
    .map((t) => `${t.target} ${t.figures.voxels ? `${t.figures.volumeMl.toFixed(1)} mL` : 'not found'}`)
    .join(', ');
}
