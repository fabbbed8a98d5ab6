// Installs something into a shared cache folder exactly once, even when several processes ask at
// the same time (`npm start` and `npm test` on one machine): one installs, under a lock file,
// into a temporary folder beside the cache that is renamed into place only when complete; the
// others wait for it. A cache folder without its ready marker (an install cut off by an older
// version of this script) is removed and installed again; a lock left by a dead process is taken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const READY_MARKER = '.ready';

function sleep(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return error.code === 'EPERM';
  }
}

/** The lock's holder, or undefined when the lock is gone or unreadable (being written). */
function lockHolder(lockFile) {
  try {
    const holder = JSON.parse(fs.readFileSync(lockFile, 'utf8'));
    return typeof holder.pid === 'number' ? holder : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Takes the lock (an exclusively created file naming this process), waiting while a live process
 * holds it; returns a function that releases it.
 */
function acquireLock(lockFile, { timeoutMs, log }) {
  const end = Date.now() + timeoutMs;
  let told = false;
  let unreadableSince;
  for (;;) {
    try {
      const fd = fs.openSync(lockFile, 'wx');
      fs.writeSync(
        fd,
        JSON.stringify({ pid: process.pid, host: os.hostname(), since: new Date().toISOString() }),
      );
      fs.closeSync(fd);
      return () => fs.rmSync(lockFile, { force: true });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
    const holder = lockHolder(lockFile);
    // Another machine sharing the folder cannot be asked whether its process lives: wait for it.
    const stale = holder
      ? holder.host === os.hostname() && !isAlive(holder.pid)
      : Date.now() - (unreadableSince ??= Date.now()) > 5000;
    if (holder) unreadableSince = undefined;
    if (stale) {
      log(`[setup] removing a stale lock ${lockFile}${holder ? ` (process ${holder.pid} is gone)` : ''}`);
      fs.rmSync(lockFile, { force: true });
      continue;
    }
    if (Date.now() > end) {
      throw new Error(
        `Timed out waiting for ${lockFile}${holder ? ` (held by process ${holder.pid} since ${holder.since})` : ''}; remove it if no install is running.`,
      );
    }
    if (!told && holder) {
      log(`[setup] waiting for process ${holder.pid}, which is installing into the same cache`);
      told = true;
    }
    sleep(500);
  }
}

/**
 * Makes sure `dir` holds a complete install: returns at once when its ready marker is there,
 * else runs `install(tempDir)` under the lock into a fresh temporary folder, writes the marker
 * and renames the folder to `dir`. `install` may throw: nothing is left behind then.
 */
export function installOnce(dir, install, { timeoutMs = 30 * 60_000, log = console.log } = {}) {
  const ready = () => fs.existsSync(path.join(dir, READY_MARKER));
  if (ready()) return false;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const release = acquireLock(`${dir}.lock`, { timeoutMs, log });
  try {
    // Someone else may have finished while this process waited.
    if (ready()) return false;
    if (fs.existsSync(dir)) {
      log(`[setup] ${dir} is incomplete (no ${READY_MARKER}); installing it again`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    // Leftovers of installs that were cut off (this process holds the lock: none is running).
    const prefix = `${path.basename(dir)}.partial-`;
    for (const entry of fs.readdirSync(path.dirname(dir))) {
      if (entry.startsWith(prefix))
        fs.rmSync(path.join(path.dirname(dir), entry), { recursive: true, force: true });
    }
    const temp = `${dir}.partial-${process.pid}`;
    fs.mkdirSync(temp, { recursive: true });
    try {
      install(temp);
      fs.writeFileSync(path.join(temp, READY_MARKER), new Date().toISOString() + '\n');
      fs.renameSync(temp, dir);
    } catch (error) {
      fs.rmSync(temp, { recursive: true, force: true });
      throw error;
    }
    return true;
  } finally {
    release();
  }
}

/** Writes a file by renaming a complete copy over it, so a concurrent reader never sees half. */
export function writeFileAtomic(file, text) {
  const temp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(temp, text);
  fs.renameSync(temp, file);
}
