import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import type { ParseResult } from '../shared/protocol';
import { writeFileAtomic } from '../export/atomic';
import type { VolumeRun } from '../pipeline/volumeView';
import {
  decodeVolumeRecord,
  encodeVolumeRecord,
  volumeHistorySummary,
  type VolumeRecord,
  type VolumeRecordGrid,
} from './volumeRecord';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** What the History view lists; the masks stay in the result file until a result is opened. */
export interface HistoryEntry {
  id: string;
  /** Absolute path of the image. */
  file: string;
  prompts: string[];
  kind: ParseResult['kind'];
  endpointName: string;
  source: ParseResult['source'];
  time: string;
  slice?: number;
  frame?: number;
  modality?: string;
  site?: string;
  /** The CT window the model input was made with; Run Again uses it (see rerun.ts). */
  ctWindow?: string;
  /** e.g. "3 valid, 1 likely absent". */
  summary: string;
  exportFolder?: string;
  /** A whole-volume result (its masks are in a volume record, see volumeRecord.ts). */
  volume?: HistoryVolume;
  /**
   * The DICOM series a single image's result was made on, when `file` is a folder (which may
   * hold several); a volume's is in `volume`.
   */
  seriesInstanceUid?: string;
}

/** What was run on a volume: enough to list it, reopen it on the right series and run it again. */
export interface HistoryVolume {
  mode: VolumeRun['mode'];
  /** Acquisition slices parsed, first and last (0-based). */
  range: [number, number];
  dims: [number, number, number];
  seriesInstanceUid?: string;
}

const FORMAT = 'medimageparse-result';
const VERSION = 1;

/** Summarises target validity for the History view. */
export function validitySummary(result: ParseResult): string {
  const counts = new Map<string, number>();
  for (const t of result.targets) counts.set(t.status, (counts.get(t.status) ?? 0) + 1);
  const order: [string, string][] = [
    ['valid', 'valid'],
    ['likely-absent', 'likely absent'],
    ['not-found', 'not found'],
    ['not-assessed', 'not assessed'],
  ];
  return order
    .filter(([k]) => counts.has(k))
    .map(([k, label]) => `${counts.get(k)} ${label}`)
    .join(', ');
}

/**
 * Past results on disk (the workspace's storage folder): an index of entries, and one gzip file per
 * result holding its JSON with the masks as binary blobs. Opening a result never calls an endpoint.
 */
export class ResultStore {
  private index?: HistoryEntry[];

  constructor(private readonly dir: string) {}

  private indexFile(): string {
    return path.join(this.dir, 'history.json');
  }

  private resultFile(id: string): string {
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(id)) throw new Error(`invalid result id '${id}'`);
    return path.join(this.dir, 'results', `${id}.bin.gz`);
  }

  async list(): Promise<HistoryEntry[]> {
    if (!this.index) {
      try {
        const parsed = JSON.parse(await fs.readFile(this.indexFile(), 'utf8')) as {
          entries?: HistoryEntry[];
        };
        this.index = Array.isArray(parsed.entries) ? parsed.entries : [];
      } catch {
        this.index = [];
      }
    }
    return [...this.index].sort((a, b) => b.time.localeCompare(a.time));
  }

  private async saveIndex(): Promise<void> {
    await fs.mkdir(this.dir, { recursive: true });
    await writeFileAtomic(
      this.indexFile(),
      Buffer.from(JSON.stringify({ version: VERSION, entries: this.index ?? [] }, null, 1)),
    );
  }

  async add(
    file: string,
    result: ParseResult,
    exportFolder?: string,
    seriesInstanceUid?: string,
  ): Promise<HistoryEntry> {
    await this.list();
    await fs.mkdir(path.dirname(this.resultFile(result.id)), { recursive: true });
    await writeFileAtomic(this.resultFile(result.id), await encodeResult(result));
    const entry: HistoryEntry = {
      id: result.id,
      file,
      prompts: result.prompts,
      kind: result.kind,
      endpointName: result.endpointName,
      source: result.source,
      time: result.time,
      slice: result.slice,
      frame: result.frame,
      modality: result.modality,
      site: result.site,
      ...(result.ctWindow ? { ctWindow: result.ctWindow } : {}),
      summary: validitySummary(result),
      exportFolder,
      ...(seriesInstanceUid ? { seriesInstanceUid } : {}),
    };
    this.index = [...(this.index ?? []).filter((e) => e.id !== result.id), entry];
    await this.saveIndex();
    return entry;
  }

  /** Keeps a whole-volume result (`file`: the NIfTI, or the series folder) and lists it. */
  async addVolume(file: string, run: VolumeRun, grid: VolumeRecordGrid): Promise<HistoryEntry> {
    await this.list();
    await fs.mkdir(path.dirname(this.resultFile(run.id)), { recursive: true });
    await writeFileAtomic(this.resultFile(run.id), await encodeVolumeRecord({ run, grid }));
    const entry: HistoryEntry = {
      id: run.id,
      file,
      prompts: run.prompts,
      kind: 'parse',
      endpointName: run.endpointName,
      source: run.result.source,
      time: run.time,
      modality: run.modality,
      site: run.site,
      ...(run.ctWindow ? { ctWindow: run.ctWindow } : {}),
      summary: volumeHistorySummary(run),
      volume: {
        mode: run.mode,
        range: run.result.range,
        dims: grid.dims,
        ...(grid.seriesInstanceUid ? { seriesInstanceUid: grid.seriesInstanceUid } : {}),
      },
    };
    this.index = [...(this.index ?? []).filter((e) => e.id !== run.id), entry];
    await this.saveIndex();
    return entry;
  }

  /** A whole-volume result kept by addVolume; undefined when gone or unreadable. */
  async loadVolume(id: string): Promise<VolumeRecord | undefined> {
    try {
      return await decodeVolumeRecord(await fs.readFile(this.resultFile(id)));
    } catch {
      return undefined;
    }
  }

  async setExportFolder(id: string, folder: string): Promise<void> {
    await this.list();
    const entry = this.index?.find((e) => e.id === id);
    if (!entry) return;
    entry.exportFolder = folder;
    await this.saveIndex();
  }

  async get(id: string): Promise<HistoryEntry | undefined> {
    return (await this.list()).find((e) => e.id === id);
  }

  async load(id: string): Promise<ParseResult | undefined> {
    try {
      return await decodeResult(await fs.readFile(this.resultFile(id)));
    } catch {
      return undefined;
    }
  }

  async delete(id: string): Promise<void> {
    await this.list();
    this.index = (this.index ?? []).filter((e) => e.id !== id);
    await this.saveIndex();
    await fs.rm(this.resultFile(id), { force: true });
  }

  async clear(): Promise<void> {
    this.index = [];
    await this.saveIndex();
    await fs.rm(path.join(this.dir, 'results'), { recursive: true, force: true });
  }
}

/** JSON header (masks replaced by blob indexes) + the blobs, gzipped. */
export async function encodeResult(result: ParseResult): Promise<Buffer> {
  const blobs: Uint8Array[] = [];
  const blob = (data: Uint8Array) => blobs.push(data) - 1;
  const header = {
    format: FORMAT,
    version: VERSION,
    result: {
      ...result,
      labelMap: result.labelMap ? blob(result.labelMap) : undefined,
      targets: result.targets.map((t) => ({ ...t, mask: blob(t.mask) })),
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

export async function decodeResult(data: Buffer): Promise<ParseResult> {
  const raw = await gunzip(data);
  const jsonLength = raw.readUInt32LE(0);
  const header = JSON.parse(raw.subarray(4, 4 + jsonLength).toString('utf8'));
  if (header.format !== FORMAT || header.version !== VERSION)
    throw new Error('not a MedImageParse result file');
  const blobs: Uint8Array[] = [];
  let offset = 4 + jsonLength;
  for (const size of header.blobSizes as number[]) {
    blobs.push(new Uint8Array(raw.subarray(offset, offset + size)));
    offset += size;
  }
  const r = header.result;
  return {
    ...r,
    labelMap: typeof r.labelMap === 'number' ? blobs[r.labelMap] : undefined,
    targets: r.targets.map((t: { mask: number }) => ({ ...t, mask: blobs[t.mask] })),
  } as ParseResult;
}
