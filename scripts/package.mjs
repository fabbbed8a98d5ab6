// `npm run package`: a .vsix for this platform. sharp ships native binaries per platform, so the
// package is platform-specific (`vsce package --target`); `.vscodeignore` keeps it to what runs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  [
    'vsce',
    'package',
    '--target',
    target,
    '--out',
    out,
    '--allow-missing-repository',
    '--no-rewrite-relative-links',
  ],
  { stdio: 'inherit' },
);
if (r.status !== 0) process.exit(r.status ?? 1);
const size = fs.statSync(out).size;
console.log(`${out}: ${(size / 1024 / 1024).toFixed(1)} MB`);
if (size > 25 * 1024 * 1024) {
  console.error('The package is larger than 25 MB.');
  process.exit(1);
}

// Smoke test of what ships: unpack the .vsix and run its bundled CLI on shipped samples, which
// loads sharp (native), the DICOM codecs and the bundle exactly as the installed extension does.
const unpacked = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-vsix-'));
// python3's zipfile is on every machine of this kind; unzip may not be.
const unzip = spawnSync('python3', ['-m', 'zipfile', '-e', out, unpacked], { stdio: 'inherit' });
if (unzip.status !== 0) {
  console.error('Could not unpack the .vsix.');
  process.exit(1);
}
const ext = path.join(unpacked, 'extension');
const forbidden = ['src', 'test', 'webview', 'scripts', 'bench'].filter((d) =>
  fs.existsSync(path.join(ext, d)),
);
if (forbidden.length) {
  console.error(`The package holds sources or tests: ${forbidden.join(', ')}`);
  process.exit(1);
}
const samples = ['CT_lung_nodule.dcm', 'covid_1585.png', 'patient0500_2CH_half_sequence.nii.gz'].map((f) =>
  path.join(ext, 'media', 'samples', f),
);
const smoke = spawnSync(
  process.execPath,
  [path.join(ext, 'dist', 'cli.js'), 'preprocess', ...samples, '--out-dir', path.join(unpacked, 'out')],
  { encoding: 'utf8' },
);
const lines = smoke.stdout
  .trim()
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l));
if (smoke.status !== 0 || lines.length !== samples.length || !lines.every((l) => l.ok)) {
  console.error(`The packaged CLI failed on the shipped samples:\n${smoke.stdout}\n${smoke.stderr}`);
  process.exit(1);
}
console.log(
  `smoke test: the packaged extension prepared ${lines.length} shipped samples (DICOM, PNG, NIfTI)`,
);
fs.rmSync(unpacked, { recursive: true, force: true });
