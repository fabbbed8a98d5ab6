import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * How to start a worker thread: the bundled `bundledName` (e.g. imaging-worker.js) beside the
 * bundle, or (under tsx: unit tests, bench) `worker.ts` in `sourceDir` through tsx's CommonJS
 * hook. Node 20 refuses a .ts worker file even with `--import tsx` in execArgv, so the worker is
 * a two-line eval that registers tsx first. Undefined when neither can start.
 */
export function workerEntry(
  bundledName: string,
  sourceDir: string,
): { code: string; eval: boolean } | undefined {
  // In the bundle every module's __dirname is the bundle's folder.
  const bundled = path.join(__dirname, bundledName);
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  const source = path.join(sourceDir, 'worker.ts');
  if (!__filename.endsWith('.ts') || !fs.existsSync(source)) return undefined;
  try {
    const tsx = require.resolve('tsx/cjs');
    return { code: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, eval: true };
  } catch {
    return undefined;
  }
}
