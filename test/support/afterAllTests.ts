const CLEANUPS = Symbol.for('medimageparse.test.cleanups');
type Cleanup = () => void | Promise<void>;

/** The cleanups registered so far (kept on globalThis: see removeAfterAllTests). */
export function registeredCleanups(): Cleanup[] {
  const g = globalThis as { [CLEANUPS]?: Cleanup[] };
  return (g[CLEANUPS] ??= []);
}

/**
 * Removes something shared by several spec files (e.g. generated fixtures) after the last test,
 * before the unit suite's root hook (tempCheck.ts) checks the temporary folder; in a run without
 * that hook (a single file with --no-config), when the process exits. The list lives on
 * globalThis because the root hook and the spec files may load this module as different
 * instances (require vs import).
 */
export function removeAfterAllTests(cleanup: () => void): void {
  registeredCleanups().push(cleanup);
  process.once('exit', () => {
    try {
      cleanup();
    } catch {
      // best effort at exit
    }
  });
}
