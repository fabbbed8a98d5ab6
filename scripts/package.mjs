// `npm run package`: a .vsix for this platform. sharp ships native binaries per platform, so the
// package is platform-specific (`vsce package --target`); `.vscodeignore` keeps it to what runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

const targets = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-x64',
  'darwin-arm64': 'darwin-arm64',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};
const target = targets[`${process.platform}-${process.arch}`];
if (!target) {
  console.error(`No VS Code target for ${process.platform}-${process.arch}.`);
  process.exit(1);
}
const { version, name } = JSON.parse(fs.readFileSync('package.json', 'utf8'));
const out = `${name}-${target}-${version}.vsix`;
const r = spawnSync(
  'npx',
  ['vsce', 'package', '--target', target, '--out', out, '--allow-missing-repository'],
  { stdio: 'inherit' },
);
if (r.status !== 0) process.exit(r.status ?? 1);
const size = fs.statSync(out).size;
console.log(`${out}: ${(size / 1024 / 1024).toFixed(1)} MB`);
if (size > 25 * 1024 * 1024) {
  console.error('The package is larger than 25 MB.');
  process.exit(1);
}
