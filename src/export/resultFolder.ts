import fs from 'node:fs';
import path from 'node:path';
import { assertNotProtected, defaultWriteOps, type WriteOps } from './atomic';
import { cleanStaleTemps, holdTemp, isOurTemp, tempPathFor } from './temps';

/**
 * Result folders: one folder holds exactly one export, written whole. Files are first written
 * into a hidden staging folder beside the destination and the staging folder is then renamed
 * into place, so a reader (or a resumed batch) sees either the whole result or none of it.
 * An existing result is never changed piecemeal: a new run goes to a numbered sibling
 * (`scan.png.medimageparse-2`), or, when the caller asked for it, replaces the old folder as
 * one unit.
 */

/** Appended to the source's whole file name: `scan.png` → `scan.png.medimageparse`. */
export const RESULT_FOLDER_SUFFIX = '.medimageparse';

/**
 * The stable result folder name of a source: its whole file name plus the suffix, so `scan.png`,
 * `scan.dcm` and `scan.jpeg` never share one, and a name that is never an image file's own.
 */
export function resultFolderName(sourceFile: string): string {
  return `${path.basename(sourceFile)}${RESULT_FOLDER_SUFFIX}`;
}

/** True for result folders this module writes (and their numbered siblings). */
export function isResultFolderName(name: string): boolean {
  return /\.medimageparse(-\d+)?$/i.test(name);
}

/** `base` for n = 1, else `base-n`: the numbered siblings of a result folder. */
export function numberedFolder(base: string, n: number): string {
  return n <= 1 ? base : `${base}-${n}`;
}

/** Where an export goes. */
export type FolderTarget =
  /** The first of `base`, `base-2`, `base-3`… that does not exist yet (or is empty). */
  | { kind: 'next-free'; base: string }
  /**
   * Exactly `dir`: written when it is absent or empty; when it holds a previous result, replaced
   * as one unit if `overwrite`, else refused.
   */
  | { kind: 'exact'; dir: string; overwrite?: boolean };

/** Extensions of the files an export writes; anything else in a folder is not ours to replace. */
const EXPORT_FILE = /\.(png|json|dcm|nii\.gz)$/i;
const REPORT_FILE = /^report(_slice\d+)?(_frame\d+)?\.json$/;

async function entriesOf(dir: string): Promise<fs.Dirent[] | undefined> {
  try {
    return await fs.promises.readdir(dir, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ENOTDIR') throw new Error(`${dir}: exists and is not a folder`, { cause: error });
    throw error;
  }
}

function listSome(names: string[]): string {
  return names.slice(0, 3).join(', ') + (names.length > 3 ? `, … (${names.length} in all)` : '');
}

/**
 * The checks that can refuse an export, made before anything is sent: an exact folder that holds
 * files needs `overwrite`, and `overwrite` replaces only a folder that holds nothing but a
 * previous MedImageParse result (never a folder of the user's own files).
 */
export async function checkFolderTarget(target: FolderTarget): Promise<void> {
  if (target.kind === 'next-free') {
    const parent = path.dirname(path.resolve(target.base));
    const stat = await fs.promises.stat(parent).catch(() => undefined);
    if (stat && !stat.isDirectory()) throw new Error(`${parent}: exists and is not a folder`);
    return;
  }
  const dir = path.resolve(target.dir);
  const entries = (await entriesOf(dir))?.filter((e) => !isOurTemp(e.name));
  if (!entries || entries.length === 0) return;
  if (!target.overwrite) {
    throw new Error(
      `${dir} already holds files (${listSome(entries.map((e) => e.name))}); choose a new or empty folder, or pass --overwrite to replace the previous result there as a whole`,
    );
  }
  const listed = await filesOfReports(dir, entries);
  const foreign = entries.filter((e) => !e.isFile() || !listed.has(e.name)).map((e) => e.name);
  if (foreign.length > 0 || listed.size === 0) {
    throw new Error(
      `${dir} is not a MedImageParse result folder${foreign.length ? ` (it holds ${listSome(foreign)})` : ''}; --overwrite only replaces a previous result, so choose a new or empty folder`,
    );
  }
}

/** The reports in a folder and the files they list: what a previous export wrote there. */
async function filesOfReports(dir: string, entries: fs.Dirent[]): Promise<Set<string>> {
  const listed = new Set<string>();
  for (const e of entries) {
    if (!e.isFile() || !REPORT_FILE.test(e.name)) continue;
    try {
      const report = JSON.parse(await fs.promises.readFile(path.join(dir, e.name), 'utf8')) as {
        files?: unknown;
      };
      if (!Array.isArray(report.files)) continue;
      listed.add(e.name);
      for (const f of report.files) if (typeof f === 'string' && EXPORT_FILE.test(f)) listed.add(f);
    } catch {
      // Not a report of ours: its name alone does not make the folder replaceable.
    }
  }
  return listed;
}

export interface CommitOptions {
  /** Files that must never be replaced (the source image). */
  protect?: readonly string[];
  ops?: WriteOps;
}

/**
 * Writes `files` (names inside the folder) as one result folder and returns its path. Nothing
 * outside the staging folder is touched until every file is written and flushed.
 */
export async function commitResultFolder(
  files: readonly { name: string; data: Uint8Array }[],
  target: FolderTarget,
  options: CommitOptions = {},
): Promise<string> {
  const ops = options.ops ?? defaultWriteOps;
  const wanted = target.kind === 'exact' ? path.resolve(target.dir) : path.resolve(target.base);
  const parent = path.dirname(wanted);
  await checkFolderTarget(target);
  for (const f of files) {
    if (f.name !== path.basename(f.name) || f.name === '.' || f.name === '..')
      throw new Error(`${f.name}: not a plain file name inside the export folder`);
  }
  await fs.promises.mkdir(parent, { recursive: true });
  await cleanStaleTemps(parent, (name) => isResultFolderName(name) || name === path.basename(wanted));

  const staging = tempPathFor(wanted);
  const release = holdTemp(staging);
  try {
    await fs.promises.mkdir(staging);
    for (const f of files) await ops.writeNew(path.join(staging, f.name), f.data);
    return await placeFolder(staging, target, options.protect ?? []);
  } finally {
    await fs.promises.rm(staging, { recursive: true, force: true }).catch(() => undefined);
    release();
  }
}

/** An empty folder may be taken over: removes it and says so; false when it holds anything. */
async function removeIfEmpty(dir: string): Promise<boolean> {
  try {
    await fs.promises.rmdir(dir);
    return true;
  } catch {
    return false;
  }
}

async function placeFolder(
  staging: string,
  target: FolderTarget,
  protect: readonly string[],
): Promise<string> {
  if (target.kind === 'next-free') {
    const base = path.resolve(target.base);
    for (let n = 1; n < 10_000; n++) {
      const dest = numberedFolder(base, n);
      await assertNotProtected(dest, protect);
      const existing = await fs.promises.lstat(dest).catch(() => undefined);
      if (existing && !(existing.isDirectory() && (await removeIfEmpty(dest)))) continue;
      try {
        await fs.promises.rename(staging, dest);
        return dest;
      } catch (error) {
        // Taken meanwhile by another export of the same image: try the next number.
        const code = (error as NodeJS.ErrnoException).code;
        const taken = await fs.promises.lstat(dest).then(
          () => true,
          () => false,
        );
        if (taken && (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR' || code === 'EPERM'))
          continue;
        throw error;
      }
    }
    throw new Error(`${base}: too many numbered result folders`);
  }

  const dest = path.resolve(target.dir);
  await assertNotProtected(dest, protect);
  const existing = await fs.promises.lstat(dest).catch(() => undefined);
  if (!existing || (existing.isDirectory() && (await removeIfEmpty(dest)))) {
    await fs.promises.rename(staging, dest);
    return dest;
  }
  // Replace as one unit: the old folder steps aside under a hidden name (put back by
  // cleanStaleTemps if this process dies before the new one is in place), then is removed.
  await checkFolderTarget(target);
  const destReal = await fs.promises.realpath(dest);
  for (const file of protect) {
    const real = await fs.promises.realpath(file).catch(() => path.resolve(file));
    if (path.dirname(real) === destReal)
      throw new Error(`${dest}: refusing to replace the folder of the source image`);
  }
  const aside = tempPathFor(dest, 'replaced');
  const release = holdTemp(aside);
  try {
    await fs.promises.rename(dest, aside);
    try {
      await fs.promises.rename(staging, dest);
    } catch (error) {
      await fs.promises.rename(aside, dest).catch(() => undefined);
      throw error;
    }
    await fs.promises.rm(aside, { recursive: true, force: true });
    return dest;
  } finally {
    release();
  }
}
