import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** The Python scripts the tests ship (reference steps, pydicom/nibabel decodes). */
export const PYTHON_SUPPORT = __dirname;

const found = new Map<string, string | null>();

/**
 * A Python 3 that imports every one of `modules`, or undefined. Debian's own interpreter first:
 * python3-pydicom, python3-nibabel and python3-skimage (installed by scripts/vscode-server.mjs)
 * live there, while a `python3` earlier on PATH (pyenv, a virtualenv) may not see them.
 */
export function findPython(modules: string[]): string | undefined {
  const key = modules.join(',');
  if (!found.has(key)) {
    const candidates = ['/usr/bin/python3', 'python3'];
    const probe = `import ${modules.join(', ')}`;
    const hit = candidates.find((exe) => spawnSync(exe, ['-c', probe], { stdio: 'ignore' }).status === 0);
    found.set(key, hit ?? null);
  }
  return found.get(key) ?? undefined;
}

/** Runs one of the support scripts; throws with its stderr when it fails. */
export function runPython(python: string, script: string, args: string[], input?: string): string {
  const result = spawnSync(python, [path.join(PYTHON_SUPPORT, script), ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`${script} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}
