import fs from 'node:fs';
import path from 'node:path';
import { cleanStaleTemps, holdTemp, tempPathFor } from './temps';

/**
 * Atomic file writes: content goes to a temporary file in the destination folder (same file
 * system, so the rename is atomic), is flushed, then renamed over the destination. A reader
 * never sees half a file, and a failure leaves no temporary behind.
 */

/** The file operations used, replaceable so tests can make a write fail half-way. */
export interface WriteOps {
  /** Writes all of `data` to a new file (must not exist). */
  writeNew(file: string, data: Uint8Array): Promise<void>;
}

export const defaultWriteOps: WriteOps = {
  async writeNew(file, data) {
    const handle = await fs.promises.open(file, 'wx', 0o644);
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

async function removeQuietly(file: string): Promise<void> {
  await fs.promises.rm(file, { force: true }).catch(() => undefined);
}

function samePathName(a: string, b: string): boolean {
  // Windows and default macOS volumes are case-insensitive: compare as they would.
  if (process.platform === 'win32' || process.platform === 'darwin')
    return a.toLowerCase() === b.toLowerCase();
  return a === b;
}

async function realOrResolved(file: string): Promise<string> {
  try {
    return await fs.promises.realpath(file);
  } catch {
    // The file may not exist yet: resolve its folder instead.
    try {
      return path.join(await fs.promises.realpath(path.dirname(file)), path.basename(file));
    } catch {
      return path.resolve(file);
    }
  }
}

/**
 * Throws when writing `dest` would replace any of `protectedFiles` (by path, real path or
 * identity of the existing file, so symlinks and hard links count too).
 */
export async function assertNotProtected(dest: string, protectedFiles: readonly string[]): Promise<void> {
  if (protectedFiles.length === 0) return;
  const destReal = await realOrResolved(dest);
  const destStat = await fs.promises.stat(dest).catch(() => undefined);
  for (const p of protectedFiles) {
    const same =
      samePathName(path.resolve(dest), path.resolve(p)) ||
      samePathName(destReal, await realOrResolved(p)) ||
      (destStat !== undefined &&
        (await fs.promises.stat(p).then(
          (s) => s.dev === destStat.dev && s.ino === destStat.ino,
          () => false,
        )));
    if (same) throw new Error(`${dest}: refusing to overwrite the source image`);
  }
}

export interface AtomicOptions {
  /** Files that must never be replaced (the source image). */
  protect?: readonly string[];
  ops?: WriteOps;
}

/** Writes one file atomically. */
export async function writeFileAtomic(
  dest: string,
  data: Uint8Array,
  options: AtomicOptions = {},
): Promise<void> {
  await writeFilesAtomic([{ path: dest, data }], options);
}

/**
 * Writes several files as one unit: every file is first written to a temporary file next to
 * its destination; only when all are written are they renamed into place. If any write fails,
 * all temporaries are removed and no destination is touched. If a rename fails (rare: the
 * destination became a folder, permissions changed), the files already renamed by this call
 * are removed too, so the export never leaves a partial set.
 */
export async function writeFilesAtomic(
  files: readonly { path: string; data: Uint8Array }[],
  options: AtomicOptions = {},
): Promise<void> {
  const ops = options.ops ?? defaultWriteOps;
  const protect = options.protect ?? [];
  const seen = new Set<string>();
  for (const f of files) {
    const resolved = path.resolve(f.path);
    if (seen.has(resolved)) throw new Error(`${f.path}: written twice in one export`);
    seen.add(resolved);
    await assertNotProtected(f.path, protect);
    const existing = await fs.promises.lstat(f.path).catch(() => undefined);
    if (existing && !existing.isFile()) throw new Error(`${f.path}: exists and is not a regular file`);
  }

  // What an earlier, killed write left in these folders goes first.
  const names = new Set(files.map((f) => path.basename(f.path)));
  for (const dir of new Set(files.map((f) => path.dirname(path.resolve(f.path)))))
    await cleanStaleTemps(dir, (name) => names.has(name));
  const temps: { temp: string; dest: string }[] = [];
  const releases: (() => void)[] = [];
  try {
    for (const f of files) {
      const temp = tempPathFor(f.path);
      releases.push(holdTemp(temp));
      temps.push({ temp, dest: f.path });
      await ops.writeNew(temp, f.data);
    }
  } catch (error) {
    await Promise.all(temps.map((t) => removeQuietly(t.temp)));
    releases.forEach((r) => r());
    throw error;
  }

  const renamed: string[] = [];
  try {
    for (const t of temps) {
      await fs.promises.rename(t.temp, t.dest);
      renamed.push(t.dest);
    }
  } catch (error) {
    await Promise.all(temps.map((t) => removeQuietly(t.temp)));
    await Promise.all(renamed.map((f) => removeQuietly(f)));
    throw error;
  } finally {
    releases.forEach((r) => r());
  }
}
