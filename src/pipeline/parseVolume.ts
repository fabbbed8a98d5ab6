import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { volumeFigures, type VolumeFigures } from '../analysis/volume';
import type { EndpointClient } from '../endpoint/client';
import { EndpointError } from '../endpoint/errors';
import type { VolumeExportTarget } from '../export/volumeExport';
import type { IntensitySpec } from '../imaging';
import type { VolumeSource } from '../imaging/volumeSource';
import type { TargetStatus } from '../shared/protocol';
import { parseSliceMasks } from './parse';

/**
 * A volume parsed slice by slice with the 2D model: one request per slice with all prompts, a
 * few slices in flight at once, each finished slice kept (in memory, or on disk for resuming),
 * then the slices' masks stacked on the source grid. p-values are computed per slice, as the
 * reference does; slices where a target is likely absent are counted.
 */

export interface VolumeParseRequest {
  prompts: string[];
  endpointName: string;
  deployment?: string;
  intensity?: IntensitySpec;
  modalityKey?: string;
  pValueThreshold?: number;
  /** First and last slice (inclusive); all slices by default. */
  range?: [number, number];
  /** Slices in flight at once (default 2). */
  concurrency?: number;
}

export interface VolumeParseOptions {
  signal?: AbortSignal;
  /** After each slice; `fromStore` when it was kept from an earlier run (nothing was sent). */
  onProgress?(done: number, total: number, slice: number, fromStore: boolean): void;
  /**
   * The endpoint said it is busy (HTTP 429) even after the client's own waits: the run goes on
   * one slice at a time and asks for that slice again.
   */
  onRateLimited?(slice: number): void;
  /** Where finished slices are kept so a cancelled or failed run continues where it stopped. */
  store?: SliceStore;
}

/** One finished slice: per prompt, its probability mask (0–255) on the slice and its verdict. */
export interface SliceResult {
  slice: number;
  source: 'endpoint' | 'demo-reference';
  targets: { mask: Uint8Array; status: TargetStatus; pValue: number | null }[];
}

export interface SliceStore {
  load(slice: number): Promise<SliceResult | undefined>;
  save(result: SliceResult): Promise<void>;
}

export interface VolumeTargetResult {
  target: string;
  /** 1 … N in prompt order: the value in labels.nii.gz. */
  label: number;
  /** 0/1 on the grid, mask probability > 0.5. */
  mask: Uint8Array;
  figures: VolumeFigures;
  /** Slices (of those parsed) where the target was found but its p-value says likely absent. */
  likelyAbsentSlices: number;
  /** Those slices' indices, ascending (slice mode; empty in 3D mode). */
  likelyAbsent?: number[];
  /** Per slice of the volume: this target's verdict there (slice mode), null where not parsed. */
  verdicts?: ({ status: TargetStatus; pValue: number | null } | null)[];
}

export interface VolumeParseResult {
  source: 'endpoint' | 'demo-reference';
  range: [number, number];
  /** Slices answered by the endpoint in this run (the rest came from the store). */
  requested: number;
  resumed: number;
  /** Grid order; each voxel has the label of its most probable target above 0.5, else 0. */
  labels: Uint8Array;
  targets: VolumeTargetResult[];
}

const THRESHOLD = 127.5;

/** An endpoint error that means "too many requests" (HTTP 429), however the client wrapped it. */
function isRateLimited(error: unknown): boolean {
  return error instanceof EndpointError && error.kind === 'rate-limited';
}

export async function parseVolume(
  volume: VolumeSource,
  client: EndpointClient,
  request: VolumeParseRequest,
  options: VolumeParseOptions = {},
): Promise<VolumeParseResult> {
  const [nx, ny, nz] = volume.dims;
  const range = request.range ?? [0, nz - 1];
  if (!(
    Number.isInteger(range[0]) &&
    Number.isInteger(range[1]) &&
    range[0] >= 0 &&
    range[0] <= range[1] &&
    range[1] < nz
  )) {
    throw new Error(`${volume.input}: slices ${range[0]}:${range[1]} are outside 0:${nz - 1}`);
  }
  const slices = Array.from({ length: range[1] - range[0] + 1 }, (_, i) => range[0] + i);
  const plane = nx * ny;
  // The highest probability so far per voxel of the slice being placed (for its labels): one
  // plane, not a volume, as a voxel's label only weighs the targets of its own slice.
  const best = new Uint8Array(plane);
  const labels = new Uint8Array(plane * nz);
  const masks = request.prompts.map(() => new Uint8Array(plane * nz));
  const absent = request.prompts.map((): number[] => []);
  const verdicts = request.prompts.map((): ({ status: TargetStatus; pValue: number | null } | null)[] =>
    Array(nz).fill(null),
  );
  let sourceKind: VolumeParseResult['source'] = 'endpoint';
  let requested = 0;
  let resumed = 0;
  let done = 0;

  const place = (result: SliceResult): void => {
    if (result.targets.length !== request.prompts.length) {
      throw new Error(
        `slice ${result.slice}: ${result.targets.length} masks for ${request.prompts.length} prompts`,
      );
    }
    if (result.source === 'demo-reference') sourceKind = 'demo-reference';
    const base = result.slice * plane;
    best.fill(0);
    result.targets.forEach((t, ti) => {
      const onGrid = volume.sliceToGrid(result.slice, t.mask);
      const found = placeMask(onGrid, base, ti + 1, masks[ti], best, labels);
      if (found && t.status === 'likely-absent') absent[ti].push(result.slice);
      verdicts[ti][result.slice] = { status: found ? t.status : 'not-found', pValue: t.pValue };
    });
  };

  const work = async (k: number): Promise<void> => {
    const kept = await options.store?.load(k);
    let result = kept;
    if (!result) {
      options.signal?.throwIfAborted();
      const image = await volume.openSlice(k, options.signal);
      const parsed = await parseSliceMasks(
        image,
        client,
        {
          prompts: request.prompts,
          endpointName: request.endpointName,
          deployment: request.deployment,
          intensity: request.intensity,
          modalityKey: request.modalityKey,
          pValueThreshold: request.pValueThreshold,
        },
        // Slices are prepared one after another while others are in flight: see resizeWorker.
        { signal: options.signal, modelInput: { resizeWorker: false } },
      );
      result = { slice: k, source: parsed.source, targets: parsed.targets };
      await options.store?.save(result);
      requested++;
    } else {
      resumed++;
    }
    place(result);
    done++;
    options.onProgress?.(done, slices.length, k, kept !== undefined);
  };

  // A small pool: the client waits out 429s (Retry-After) itself; one that still fails means the
  // endpoint's limit is below this concurrency, so the run narrows to one slice at a time and
  // that slice is asked for once more (a second 429 on it ends the run, its slices kept).
  const queue = [...slices];
  let allowed = Math.max(1, Math.min(request.concurrency ?? 2, queue.length));
  let failed = false;
  const retried = new Set<number>();
  // Slices being worked on, and who waits for none to be: a refused slice is asked for again only
  // once the other workers' requests have finished, or it would meet the same limit again.
  let active = 0;
  let idle: (() => void)[] = [];
  const whenIdle = () => (active === 0 ? Promise.resolve() : new Promise<void>((r) => idle.push(r)));
  const worker = async (index: number): Promise<void> => {
    // Workers beyond the allowed number stop taking slices (they finish the one they hold); after
    // a failure nothing more is sent (finished slices are kept for the next run).
    while (index < allowed && !failed) {
      const k = queue.shift();
      if (k === undefined) return;
      if (retried.has(k)) await whenIdle();
      active++;
      try {
        await work(k);
      } catch (error) {
        if (!isRateLimited(error) || retried.has(k) || options.signal?.aborted) {
          failed = true;
          throw error;
        }
        retried.add(k);
        allowed = 1;
        options.onRateLimited?.(k);
        queue.unshift(k);
      } finally {
        active--;
        if (active === 0) {
          const waiting = idle;
          idle = [];
          waiting.forEach((resolve) => resolve());
        }
      }
    }
  };
  const workers = Array.from({ length: allowed }, (_, i) => worker(i));
  const outcomes = await Promise.allSettled(workers);
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure) throw failure.reason;

  const grid = { dims: volume.dims, spacing: volume.spacing };
  return {
    source: sourceKind,
    range,
    requested,
    resumed,
    labels,
    targets: request.prompts.map((target, i) => ({
      target,
      label: i + 1,
      mask: masks[i],
      figures: volumeFigures(masks[i], grid),
      likelyAbsentSlices: absent[i].length,
      likelyAbsent: absent[i].sort((a, b) => a - b),
      verdicts: verdicts[i],
    })),
  };
}

/** Bit 7 of each byte of a 32-bit word: a mask value is above 127.5 exactly when it is set. */
const HIGH_BITS = 0x80808080 | 0;

/**
 * Marks the voxels of one slice's mask (grid order, at `base`) above the threshold in `mask`, and
 * gives them `label` where it is the most probable target so far, `best` holding the slice's
 * highest probability per voxel (a plane: index p for voxel base + p). Exported for its tests.
 *
 * Four values at a time: most of a mask is background (no value above 127.5: skipped), and most
 * of the rest is inside a target where no other target was placed yet (all four above 127.5, no
 * best value yet: the four are written as words, exactly what the per-value rule gives there).
 * Only the edges and overlaps take the per-value path. Returns whether any value was above.
 */
export function placeMask(
  onGrid: Uint8Array,
  base: number,
  label: number,
  mask: Uint8Array,
  best: Uint8Array,
  labels: Uint8Array,
): boolean {
  let found = false;
  const n = onGrid.length;
  const aligned =
    onGrid.byteOffset % 4 === 0 &&
    (mask.byteOffset + base) % 4 === 0 &&
    best.byteOffset % 4 === 0 &&
    (labels.byteOffset + base) % 4 === 0;
  const wordCount = aligned ? n >> 2 : 0;
  if (wordCount > 0) {
    const values = new Int32Array(onGrid.buffer, onGrid.byteOffset, wordCount);
    const maskWords = new Int32Array(mask.buffer, mask.byteOffset + base, wordCount);
    const bestWords = new Int32Array(best.buffer, best.byteOffset, wordCount);
    const labelWords = new Int32Array(labels.buffer, labels.byteOffset + base, wordCount);
    const fourLabels = ((label & 255) * 0x01010101) | 0; // labels are bytes: stored modulo 256
    for (let w = 0; w < wordCount; w++) {
      const v = values[w];
      const high = v & HIGH_BITS;
      if (high === 0) continue;
      found = true;
      if (high === HIGH_BITS && bestWords[w] === 0) {
        maskWords[w] = 0x01010101;
        bestWords[w] = v;
        labelWords[w] = fourLabels;
      } else {
        for (let p = w << 2, end = p + 4; p < end; p++)
          placeValue(onGrid[p], base, p, label, mask, best, labels);
      }
    }
  }
  for (let p = wordCount << 2; p < n; p++) {
    if (onGrid[p] > THRESHOLD) {
      found = true;
      placeValue(onGrid[p], base, p, label, mask, best, labels);
    }
  }
  return found;
}

/** One value of a mask at voxel base + p: marked when above the threshold, labelled when the most probable so far. */
function placeValue(
  v: number,
  base: number,
  p: number,
  label: number,
  mask: Uint8Array,
  best: Uint8Array,
  labels: Uint8Array,
): void {
  if (v > THRESHOLD) {
    mask[base + p] = 1;
    if (v > best[p]) {
      best[p] = v;
      labels[base + p] = label;
    }
  }
}

/** The per-target masks and figures of a volume result, as the volume export writes them. */
export function volumeExportTargets(result: VolumeParseResult): VolumeExportTarget[] {
  return result.targets.map((t) => ({
    name: t.target,
    label: t.label,
    mask: t.mask,
    voxels: t.figures.voxels,
    volumeMl: t.figures.volumeMl,
    slices: t.figures.slices,
    components: t.figures.components,
    largestSliceAreaMm2: t.figures.largestSlice?.areaMm2 ?? null,
    likelyAbsentSlices: t.likelyAbsentSlices,
  }));
}

/**
 * Keeps finished slices as files in `dir` (one gzip'd file per slice, written then renamed, so a
 * kill never leaves a half slice), tied to what was asked: a store opened for other prompts,
 * endpoint or intensity starts empty.
 */
export async function folderSliceStore(dir: string, key: object): Promise<SliceStore> {
  await fs.mkdir(dir, { recursive: true });
  const keyFile = path.join(dir, 'request.json');
  const wanted = JSON.stringify(key);
  const existing = await fs.readFile(keyFile, 'utf8').catch(() => undefined);
  if (existing !== wanted) {
    for (const name of await fs.readdir(dir))
      await fs.rm(path.join(dir, name), { force: true, recursive: true });
    await fs.writeFile(keyFile, wanted);
  }
  const fileOf = (k: number) => path.join(dir, `slice-${String(k).padStart(5, '0')}.json.gz`);
  return {
    async load(k) {
      const bytes = await fs.readFile(fileOf(k)).catch(() => undefined);
      if (!bytes) return undefined;
      try {
        const json = JSON.parse(zlib.gunzipSync(bytes).toString('utf8'));
        return {
          slice: json.slice,
          source: json.source,
          targets: json.targets.map((t: { mask: string; status: TargetStatus; pValue: number | null }) => ({
            status: t.status,
            pValue: t.pValue,
            mask: new Uint8Array(Buffer.from(t.mask, 'base64')),
          })),
        };
      } catch {
        return undefined; // unreadable: asked again
      }
    },
    async save(result) {
      const json = {
        slice: result.slice,
        source: result.source,
        targets: result.targets.map((t) => ({ ...t, mask: Buffer.from(t.mask).toString('base64') })),
      };
      const file = fileOf(result.slice);
      const temp = `${file}.${process.pid}.tmp`;
      await fs.writeFile(temp, zlib.gzipSync(JSON.stringify(json)));
      await fs.rename(temp, file);
    },
  };
}
