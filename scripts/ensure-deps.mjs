// Installs the npm dependencies when a fresh clone has none (or package-lock.json changed since),
// so `npm start` and `npm test` work as the first command after `git clone`. Node built-ins only:
// nothing else is installed yet when this runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const lock = 'package-lock.json';
const installed = 'node_modules/.package-lock.json';
const stale = !fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs;
if (stale) {
  console.log('[setup] installing npm dependencies (npm ci)');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
