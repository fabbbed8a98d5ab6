import { promisify } from 'node:util';
import * as zlib from 'node:zlib';

const gunzip = promisify(zlib.gunzip);

/**
 * The bytes of volumes being browsed slice by slice (a viewer's slice and frame sliders), so that
 * moving to another slice decodes it from memory instead of reading, and for .nii.gz inflating,
 * the whole file again: 150–450 ms per step for a 512×512×200 CT, a few ms from here.
 *
 * Entries are keyed by path and only used while the file's size and modification time are
 * unchanged. They hold what the decoders read: the file's bytes, or for a gzip-compressed NIfTI
 * its inflated bytes, inflated in the background after the first slice was shown (that first
 * slice comes from a partial inflate, which is faster). Least recently used entries go first
 * once the total passes the budget; an entry goes when its viewer closes (forget), and any entry
 * after IDLE_MS without use, so the extension host does not hold hundreds of MB for nothing.
 */
export interface FileStamp {
  size: number;
  mtimeMs: number;
}

interface Entry {
  stamp: FileStamp;
  bytes: Buffer;
  lastUsed: number;
}

const IDLE_MS = 5 * 60_000;

export class VolumeCache {
  private readonly entries = new Map<string, Entry>();
  private readonly inflating = new Map<string, Promise<void>>();
  /** Files forgotten while their background inflate runs: its result is not kept. */
  private readonly forgotten = new Set<string>();
  private total = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    /** Total bytes kept; a single volume larger than this is never kept. */
    private budgetBytes: number,
    private readonly idleMs = IDLE_MS,
  ) {}

  /** A new total (the user's setting); 0 keeps nothing. Evicts down to it at once. */
  setBudget(bytes: number): void {
    this.budgetBytes = Math.max(0, bytes);
    this.evictOverBudget();
  }

  /** The kept bytes of `file` if they are of this version of it. */
  get(file: string, stamp: FileStamp): Buffer | undefined {
    const entry = this.entries.get(file);
    if (!entry) return undefined;
    if (entry.stamp.size !== stamp.size || entry.stamp.mtimeMs !== stamp.mtimeMs) {
      this.delete(file);
      return undefined;
    }
    entry.lastUsed = Date.now();
    // Map order is the eviction order: re-inserting makes it the most recently used.
    this.entries.delete(file);
    this.entries.set(file, entry);
    return entry.bytes;
  }

  /** Keeps `bytes` (what the decoders read) for this version of `file`. */
  put(file: string, stamp: FileStamp, bytes: Buffer): void {
    if (bytes.length > this.budgetBytes) return;
    this.delete(file);
    this.entries.set(file, { stamp, bytes, lastUsed: Date.now() });
    this.total += bytes.length;
    this.evictOverBudget();
    this.scheduleExpiry();
  }

  /** Drops least recently used entries (the Map's first) until the total fits the budget. */
  private evictOverBudget(): void {
    for (const [key] of this.entries) {
      if (this.total <= this.budgetBytes) break;
      this.delete(key);
    }
  }

  /**
   * Inflates a gzip file's bytes in the background (on the libuv pool) and keeps the result.
   * `expectedBytes` (from the header) lets a volume over the budget be skipped before inflating.
   * Resolves when done; never rejects (a failure just leaves nothing kept).
   */
  putInflated(file: string, stamp: FileStamp, gzipped: Buffer, expectedBytes: number): Promise<void> {
    if (expectedBytes > this.budgetBytes) return Promise.resolve();
    const pending = this.inflating.get(file);
    if (pending) return pending;
    const work = gunzip(gzipped, { maxOutputLength: this.budgetBytes })
      .then((bytes) => {
        if (!this.forgotten.has(file)) this.put(file, stamp, bytes);
      })
      .catch(() => undefined)
      .finally(() => this.inflating.delete(file));
    this.inflating.set(file, work);
    return work;
  }

  /** Done when no background inflate is running (tests). */
  async settled(): Promise<void> {
    await Promise.all(this.inflating.values());
  }

  /** Bytes kept now (tests, diagnostics). */
  get size(): number {
    return this.total;
  }

  /** Drops the kept bytes of `file` (its viewer closed), and any still being inflated for it. */
  forget(file: string): void {
    this.delete(file);
    const pending = this.inflating.get(file);
    if (!pending) return;
    this.forgotten.add(file);
    void pending.finally(() => this.forgotten.delete(file));
  }

  clear(): void {
    for (const key of [...this.entries.keys()]) this.delete(key);
  }

  private delete(file: string): void {
    const entry = this.entries.get(file);
    if (!entry) return;
    this.entries.delete(file);
    this.total -= entry.bytes.length;
  }

  private scheduleExpiry(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      const now = Date.now();
      for (const [key, entry] of [...this.entries]) if (now - entry.lastUsed >= this.idleMs) this.delete(key);
      if (this.entries.size > 0) this.scheduleExpiry();
    }, this.idleMs);
    this.timer.unref();
  }
}

/** Default budget: a few CT or MR volumes (a 512×512×300 int16 CT is 157 MB). */
export const DEFAULT_VOLUME_MEMORY_MB = 512;

/**
 * The process-wide cache used by openImage's `keepVolume`; the extension sets its budget from
 * `medimageparse.viewer.volumeMemoryMB`.
 */
export const volumeCache = new VolumeCache(DEFAULT_VOLUME_MEMORY_MB * 1024 ** 2);
