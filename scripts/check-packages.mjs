// Inspects .vsix packages: the manifest names the right target; every native file (ELF, Mach-O,
// PE) is built for that target's OS, CPU and C library; nothing the extension loads is missing;
// no sources, tests or source maps ship. Then, where this machine can, runs the packaged CLI on
// the shipped samples: natively for this machine's target, and for the universal package with
// every native sharp build hidden, so it must prepare them on sharp's WebAssembly build.
//
// `node scripts/check-packages.mjs` checks every packages/*.vsix; or name files.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nativeBinaryInfo } from './binary-format.mjs';
import { LAZY_BUNDLES } from './build.mjs';
import { hostTarget, MAX_PACKAGE_BYTES, packagesDir, repoRoot, TARGETS } from './packaging.mjs';

/** Shipped samples the CLI prepares: DICOM, PNG, JPEG, NIfTI (sharp reads the PNG and JPEG). */
export const SMOKE_SAMPLES = [
  'CT_lung_nodule.dcm',
  'covid_1585.png',
  '144DME_as_F.jpeg',
  'patient0500_2CH_half_sequence.nii.gz',
];

/** Files the extension and its CLI load, relative to the package's `extension/` folder. */
function requiredFiles(target) {
  const sharpVersion = JSON.parse(
    fs.readFileSync(path.join(repoRoot, 'node_modules', 'sharp', 'package.json'), 'utf8'),
  ).version;
  const files = [
    'package.json',
    // vsce's names for README.md and LICENSE.
    'readme.md',
    'LICENSE.txt',
    'dist/extension.js',
    'dist/cli.js',
    'bin/medparse',
    'bin/medparse.cmd',
    'dist/imaging-worker.js',
    'dist/evaluate-worker.js',
    'dist/webview.js',
    'dist/webview.css',
    'dist/codicons/codicon.css',
    'dist/codicons/codicon.ttf',
    ...Object.values(LAZY_BUNDLES).map((file) => `dist/${file}.js`),
    'media/icon.png',
    'media/activity.svg',
    ...SMOKE_SAMPLES.map((s) => `media/samples/${s}`),
    'media/samples/demo/06_CT_abdomen.png',
    'media/samples/phantom/synthetic_phantom_ct.nii.gz',
    'node_modules/sharp/package.json',
    'node_modules/sharp/dist/index.cjs',
    'node_modules/detect-libc/package.json',
    'node_modules/semver/package.json',
    'node_modules/@img/colour/package.json',
    'node_modules/@cornerstonejs/codec-openjpeg/dist/openjpegjs.js',
    'node_modules/@cornerstonejs/codec-libjpeg-turbo-8bit/dist/libjpegturbojs.js',
    'node_modules/@cornerstonejs/codec-charls/dist/charlsjs.js',
  ];
  if (target === 'universal') {
    files.push(
      `node_modules/@img/sharp-wasm32/lib/sharp-wasm32-${sharpVersion}.node.wasm`,
      'node_modules/@emnapi/runtime/package.json',
    );
  } else {
    const { os: npmOs, cpu, libc } = TARGETS[target].npm;
    const platform = `${npmOs}${libc === 'musl' ? 'musl' : ''}-${cpu}`;
    files.push(`node_modules/@img/sharp-${platform}/lib/sharp-${platform}-${sharpVersion}.node`);
  }
  return files;
}

function walk(dir, base = dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(full, base));
    else out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

/** The first bytes of a file, enough for any of the three headers. */
function head(file) {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(64 * 1024);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.subarray(0, n);
  } finally {
    fs.closeSync(fd);
  }
}

/** Problems with the native files of an unpacked package (`ext` is its extension/ folder). */
export function nativeProblems(ext, target) {
  const expected = TARGETS[target].binary;
  const problems = [];
  let natives = 0;
  for (const rel of walk(ext)) {
    const file = path.join(ext, rel);
    // musl is told by the strings of the whole file; the header alone says format and CPU.
    let info = nativeBinaryInfo(head(file));
    if (info?.format === 'elf') info = nativeBinaryInfo(fs.readFileSync(file));
    if (!info) continue;
    natives++;
    if (!expected) {
      problems.push(`${rel}: a ${info.format} ${info.cpu} binary in the universal package`);
      continue;
    }
    const ok =
      info.format === expected.format &&
      (info.cpu === expected.cpu || (info.cpus?.includes(expected.cpu) ?? false)) &&
      (expected.musl === undefined || info.musl === expected.musl);
    if (!ok) {
      const what = `${info.format} ${info.cpu}${info.format === 'elf' ? (info.musl ? ' musl' : ' glibc') : ''}`;
      problems.push(`${rel}: built for ${what}, not for ${target}`);
    }
  }
  if (expected && natives === 0) problems.push(`no native file at all (sharp's ${target} build is missing)`);
  return problems;
}

function unpack(vsix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-vsix-'));
  // python3's zipfile is on every machine of this kind; unzip may not be.
  const r = spawnSync('python3', ['-m', 'zipfile', '-e', vsix, dir], { encoding: 'utf8' });
  if (r.status !== 0) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot unpack ${vsix}: ${r.stderr}`);
  }
  return dir;
}

/**
 * Runs the packaged CLI's `preprocess` on the shipped samples. With `hideNativeSharp`, every
 * native sharp package is made unresolvable (scripts/hide-native-sharp.cjs), and the run must
 * show that sharp came from the package's own WebAssembly build.
 */
export function smokeProblems(ext, { hideNativeSharp = false } = {}) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-smoke-'));
  try {
    const samples = SMOKE_SAMPLES.map((s) => path.join(ext, 'media', 'samples', s));
    const preload = hideNativeSharp
      ? ['--require', path.join(repoRoot, 'scripts', 'hide-native-sharp.cjs')]
      : [];
    const r = spawnSync(
      process.execPath,
      [...preload, path.join(ext, 'dist', 'cli.js'), 'preprocess', ...samples, '--out-dir', out],
      // Run from the temp folder: nothing of the repository (its node_modules) can be resolved.
      { encoding: 'utf8', cwd: out, env: { ...process.env, NODE_PATH: '' } },
    );
    const lines = r.stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return { ok: false, line: l };
        }
      });
    const problems = [];
    if (r.status !== 0 || lines.length !== samples.length || !lines.every((l) => l.ok)) {
      problems.push(`the packaged CLI failed on the shipped samples:\n${r.stdout}\n${r.stderr}`);
    }
    if (hideNativeSharp) {
      const loaded = /SHARP_MODULES (.*)/.exec(r.stderr)?.[1];
      const files = loaded ? JSON.parse(loaded) : [];
      const wasm = files.filter((f) => f.includes('sharp-wasm32'));
      if (wasm.length === 0 || !wasm.every((f) => f.startsWith(ext))) {
        problems.push(`sharp's WebAssembly build was not loaded from the package: ${JSON.stringify(files)}`);
      }
    }
    return problems;
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Every problem found with one package (empty when it is good). */
export function checkPackage(vsix, target) {
  const problems = [];
  const size = fs.statSync(vsix).size;
  if (size > MAX_PACKAGE_BYTES) problems.push(`${(size / 1024 / 1024).toFixed(1)} MB, over 25 MB`);
  const dir = unpack(vsix);
  try {
    const ext = path.join(dir, 'extension');
    const manifest = fs.readFileSync(path.join(dir, 'extension.vsixmanifest'), 'utf8');
    const platform = /TargetPlatform="([^"]+)"/.exec(manifest)?.[1];
    if (target === 'universal' ? platform !== undefined : platform !== target) {
      problems.push(
        `the manifest's TargetPlatform is ${platform ?? 'unset'}, expected ${target === 'universal' ? 'unset' : target}`,
      );
    }
    const files = new Set(walk(ext));
    for (const f of requiredFiles(target)) if (!files.has(f)) problems.push(`missing ${f}`);
    for (const f of files) {
      if (/^(src|test|webview|scripts|bench)\//.test(f)) problems.push(`ships a source or test file: ${f}`);
      if (f.endsWith('.map')) problems.push(`ships a source map: ${f}`);
    }
    problems.push(...nativeProblems(ext, target));
    // The terminal's PATH finds the shim only if it is executable once VS Code unpacks it.
    const mode = spawnSync(
      'python3',
      [
        '-c',
        'import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).getinfo("extension/bin/medparse").external_attr >> 16)',
        vsix,
      ],
      { encoding: 'utf8' },
    );
    if (mode.status === 0 && (Number(mode.stdout) & 0o111) === 0)
      problems.push('bin/medparse is not executable');
    if (problems.length === 0 && target === hostTarget()) problems.push(...smokeProblems(ext));
    if (problems.length === 0 && target === 'universal')
      problems.push(...smokeProblems(ext, { hideNativeSharp: true }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return problems;
}

/**
 * Problems with the command line's npm tarball: `npm install -g` of it into a temporary prefix
 * (offline: from npm's cache, as a machine without internet would) must put `medparse` on PATH,
 * and that `medparse` must prepare the shipped samples, sharp included.
 */
export function checkCliTarball(tgz) {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-prefix-'));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-cli-out-'));
  try {
    const install = spawnSync(
      'npm',
      ['install', '--global', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tgz],
      { encoding: 'utf8', cwd: out },
    );
    if (install.status !== 0) return [`npm install -g ${tgz} failed:\n${install.stdout}${install.stderr}`];
    const bin = process.platform === 'win32' ? prefix : path.join(prefix, 'bin');
    // Only the prefix's bin and node's own folder on PATH: `medparse` must come from the install.
    const env = { ...process.env, PATH: [bin, path.dirname(process.execPath)].join(path.delimiter) };
    const shell = process.platform === 'win32';
    const version = spawnSync('medparse', ['--version'], { encoding: 'utf8', env, cwd: out, shell });
    const problems = [];
    if (version.status !== 0 || !/^\d+\.\d+\.\d+/.test(version.stdout)) {
      problems.push(
        `medparse --version from PATH failed: ${version.error?.message ?? ''}${version.stdout}${version.stderr}`,
      );
      return problems;
    }
    const installed = path.join(
      prefix,
      process.platform === 'win32' ? '' : 'lib',
      'node_modules',
      'medimageparse',
    );
    const samples = SMOKE_SAMPLES.map((s) => path.join(installed, 'media', 'samples', s));
    const r = spawnSync('medparse', ['preprocess', ...samples, '--out-dir', out], {
      encoding: 'utf8',
      env,
      cwd: out,
      shell,
    });
    const lines = r.stdout.trim().split('\n').filter(Boolean);
    if (r.status !== 0 || lines.length !== samples.length || !lines.every((l) => JSON.parse(l).ok)) {
      problems.push(`the installed medparse failed on the samples:\n${r.stdout}\n${r.stderr}`);
    }
    return problems;
  } finally {
    fs.rmSync(prefix, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** The target a package was built for, from its file name (medimageparse-<target>-<version>.vsix). */
export function targetOfFile(file) {
  const base = path.basename(file);
  return Object.keys(TARGETS).find((t) => base.includes(`-${t}-`));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const files = process.argv.slice(2);
  const vsixes = files.length
    ? files
    : fs.existsSync(packagesDir)
      ? fs
          .readdirSync(packagesDir)
          .filter((f) => f.endsWith('.vsix'))
          .map((f) => path.join(packagesDir, f))
      : [];
  if (vsixes.length === 0) {
    console.error('No packages to check: run `npm run package` or `npm run package:all` first.');
    process.exit(1);
  }
  let failed = 0;
  for (const tgz of fs.existsSync(packagesDir) && files.length === 0 ? fs.readdirSync(packagesDir) : []) {
    if (!tgz.endsWith('.tgz')) continue;
    const problems = checkCliTarball(path.join(packagesDir, tgz));
    if (problems.length) failed++;
    console.log(
      `${tgz}: ${problems.length ? `\n  ${problems.join('\n  ')}` : 'ok (npm install -g puts medparse on PATH)'}`,
    );
  }
  for (const vsix of vsixes) {
    const target = targetOfFile(vsix);
    const problems = target ? checkPackage(vsix, target) : [`cannot tell the target from the file name`];
    if (problems.length) failed++;
    console.log(`${path.basename(vsix)}: ${problems.length ? `\n  ${problems.join('\n  ')}` : 'ok'}`);
  }
  console.log(`packages: ${vsixes.length - failed} ok, ${failed} with problems`);
  process.exit(failed ? 1 : 0);
}
