import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * Temporaries of exports: `.<name>.<pid>.<8 hex>.tmp` (files and staging folders) and
 * `.<name>.<pid>.<8 hex>.replaced.tmp` (a result folder being replaced). Names carry the writing
 * process's id so that a later run can tell a killed writer's leftovers from a live one's.
 */
const TEMP = /^\.(.+)\.(\d+)\.[0-9a-f]{8}(\.replaced)?\.tmp$/;
/** Temporaries this process is writing right now. */
const activeTemps = new Set<string>();

export function isOurTemp(name: string): boolean {
  return TEMP.test(name);
}

export function tempPathFor(dest: string, kind: 'temp' | 'replaced' = 'temp'): string {
  return path.join(
    path.dirname(dest),
    `.${path.basename(dest)}.${process.pid}.${crypto.randomBytes(4).toString('hex')}${kind === 'replaced' ? '.replaced' : ''}.tmp`,
  );
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Marks a temporary as in use by this process until `release` is called. */
export function holdTemp(file: string): () => void {
  const key = path.resolve(file);
  activeTemps.add(key);
  return () => activeTemps.delete(key);
}

/**
 * Removes what killed exports left in `dir` (only names of the exact pattern above): temporaries and staging folders of processes that
 * are gone (or of this process, when no write of it holds them). A result folder that was being
 * replaced when the writer died is put back when nothing took its place, so a kill never loses
 * the previous result. Returns the paths removed or restored.
 */
export async function cleanStaleTemps(
  dir: string,
  /** Which destinations' temporaries to consider (by the name they were for); default: all. */
  isOurs: (name: string) => boolean = () => true,
): Promise<string[]> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true }).catch(() => []);
  const cleaned: string[] = [];
  for (const entry of entries) {
    const m = TEMP.exec(entry.name);
    if (!m || !isOurs(m[1])) continue;
    const full = path.join(dir, entry.name);
    const pid = Number(m[2]);
    if (activeTemps.has(full) || (pid !== process.pid && processAlive(pid))) continue;
    if (m[3]) {
      // The writer died between moving the old result aside and putting the new one in place.
      const original = path.join(dir, m[1]);
      const taken = await fs.promises.lstat(original).then(
        () => true,
        () => false,
      );
      if (
        !taken &&
        (await fs.promises.rename(full, original).then(
          () => true,
          () => false,
        ))
      ) {
        cleaned.push(full);
        continue;
      }
    }
    await fs.promises.rm(full, { recursive: true, force: true }).catch(() => undefined);
    cleaned.push(full);
  }
  return cleaned;
}
