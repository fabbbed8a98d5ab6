// Builds .vsix packages: one per VS Code target with that platform's sharp binaries, and one
// universal package on sharp's WebAssembly build. Each is made in a staging folder of its own:
// the production bundles, the shipped files, and a node_modules that npm installs for the
// target's os/cpu/libc (`npm install --os --cpu --libc`), then `vsce package --target`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LAZY_BUNDLES } from './build.mjs';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const packagesDir = path.join(repoRoot, 'packages');
export const MAX_PACKAGE_BYTES = 25 * 1024 * 1024;

/**
 * Every target VS Code publishes for, with what npm needs to fetch its sharp binaries and what
 * those binaries must be (format and CPU, checked by check-packages.mjs). `universal` runs
 * anywhere on sharp's WebAssembly build and holds no native file.
 */
export const TARGETS = {
  'win32-x64': { npm: { os: 'win32', cpu: 'x64' }, binary: { format: 'pe', cpu: 'x64' } },
  'win32-arm64': { npm: { os: 'win32', cpu: 'arm64' }, binary: { format: 'pe', cpu: 'arm64' } },
  'darwin-x64': { npm: { os: 'darwin', cpu: 'x64' }, binary: { format: 'macho', cpu: 'x64' } },
  'darwin-arm64': { npm: { os: 'darwin', cpu: 'arm64' }, binary: { format: 'macho', cpu: 'arm64' } },
  'linux-x64': {
    npm: { os: 'linux', cpu: 'x64', libc: 'glibc' },
    binary: { format: 'elf', cpu: 'x64', musl: false },
  },
  'linux-arm64': {
    npm: { os: 'linux', cpu: 'arm64', libc: 'glibc' },
    binary: { format: 'elf', cpu: 'arm64', musl: false },
  },
  'linux-armhf': {
    npm: { os: 'linux', cpu: 'arm', libc: 'glibc' },
    binary: { format: 'elf', cpu: 'arm', musl: false },
  },
  'alpine-x64': {
    npm: { os: 'linux', cpu: 'x64', libc: 'musl' },
    binary: { format: 'elf', cpu: 'x64', musl: true },
  },
  'alpine-arm64': {
    npm: { os: 'linux', cpu: 'arm64', libc: 'musl' },
    binary: { format: 'elf', cpu: 'arm64', musl: true },
  },
  universal: { npm: { cpu: 'wasm32' }, binary: undefined },
};

/** The VS Code target of the machine this runs on (alpine for musl Linux). */
export function hostTarget() {
  const report = process.report?.getReport();
  const musl = process.platform === 'linux' && !report?.header?.glibcVersionRuntime;
  const arch = process.arch === 'arm' ? 'armhf' : process.arch;
  const target = `${musl ? 'alpine' : process.platform}-${arch}`;
  return TARGETS[target] ? target : undefined;
}

/** Packages loaded at run time from node_modules (not bundled), at the versions installed here. */
function runtimeDependencies(target) {
  const version = (name) =>
    JSON.parse(fs.readFileSync(path.join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')).version;
  const deps = {};
  for (const name of [
    'sharp',
    '@cornerstonejs/codec-openjpeg',
    '@cornerstonejs/codec-libjpeg-turbo-8bit',
    '@cornerstonejs/codec-charls',
  ]) {
    deps[name] = version(name);
  }
  // sharp falls back to this build where no native one loads; its version follows sharp's.
  if (target === 'universal') deps['@img/sharp-wasm32'] = deps.sharp;
  return deps;
}

export function packageFileName(target) {
  const { name, version } = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  return `${name}-${target}-${version}.vsix`;
}

function run(cmd, args, cwd, { quiet = false } = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', stdio: quiet ? 'pipe' : 'inherit' });
  if (r.status !== 0) {
    const output = quiet ? `\n${r.stdout ?? ''}${r.stderr ?? ''}` : '';
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${r.status})${output}`);
  }
  return r.stdout ?? '';
}

/** The production bundles, built once for all targets (what `vscode:prepublish` does). */
export function buildProduction() {
  run(process.execPath, ['scripts/build.mjs', '--production'], repoRoot);
}

/** Copies what the package ships (the .vscodeignore allowlist picks from it) into `stage`. */
function stageFiles(stage, target) {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  // The bundles are built already; the staging folder has no scripts to build them with.
  delete manifest.scripts['vscode:prepublish'];
  manifest.dependencies = runtimeDependencies(target);
  delete manifest.devDependencies;
  fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
  for (const entry of ['README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore', 'media', 'docs', 'bin']) {
    const from = path.join(repoRoot, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, entry), { recursive: true });
  }
  fs.cpSync(path.join(repoRoot, 'dist'), path.join(stage, 'dist'), {
    recursive: true,
    filter: (src) => !src.endsWith('.map'),
  });
}

/** npm installs the runtime packages for the target's os/cpu/libc (from the npm cache when it can). */
function installFor(stage, target) {
  const { os: npmOs, cpu, libc } = TARGETS[target].npm;
  const args = ['install', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts', '--prefer-offline'];
  if (npmOs) args.push(`--os=${npmOs}`);
  if (cpu) args.push(`--cpu=${cpu}`);
  if (libc) args.push(`--libc=${libc}`);
  // The universal package: sharp's native builds are optional dependencies, left out.
  if (target === 'universal') args.push('--omit=optional');
  run('npm', args, stage, { quiet: true });
}

/**
 * Builds the .vsix for `target` into `outDir` (the production bundles must be built) and returns
 * its path and size. Throws when a step fails or the package exceeds 25 MB.
 */
export function packageTarget(target, outDir = packagesDir) {
  if (!TARGETS[target])
    throw new Error(`Unknown target ${target}; known: ${Object.keys(TARGETS).join(', ')}`);
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), `medimageparse-stage-${target}-`));
  try {
    stageFiles(stage, target);
    installFor(stage, target);
    fs.mkdirSync(outDir, { recursive: true });
    const out = path.join(outDir, packageFileName(target));
    const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
    const args = ['package', '--out', out, '--allow-missing-repository', '--no-rewrite-relative-links'];
    if (target !== 'universal') args.push('--target', target);
    run(process.execPath, [vsce, ...args], stage, { quiet: true });
    const size = fs.statSync(out).size;
    if (size > MAX_PACKAGE_BYTES) {
      throw new Error(`${out} is ${(size / 1024 / 1024).toFixed(1)} MB, over the 25 MB limit`);
    }
    return { target, file: out, size };
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}

/**
 * The command line on its own: an npm tarball whose `bin` is `medparse`, so `npm install -g
 * <tarball>` puts it on PATH. It holds the CLI bundles and the samples (the demo endpoint answers
 * from them); npm installs sharp (for the installing machine) and the DICOM codecs.
 */
export function packCli(outDir = packagesDir) {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-cli-stage-'));
  try {
    const cli = {
      name: manifest.name,
      version: manifest.version,
      description: `medparse: the ${manifest.displayName} command line. ${manifest.description}`,
      license: manifest.license,
      keywords: manifest.keywords,
      bin: manifest.bin,
      engines: { node: manifest.engines.node },
      // The versions tested here; npm picks sharp's native build for the installing machine.
      dependencies: runtimeDependencies('cli'),
      files: [
        'dist/cli.js',
        'dist/imaging-worker.js',
        'dist/evaluate-worker.js',
        ...Object.values(LAZY_BUNDLES).map((file) => `dist/${file}.js`),
        'media/samples/',
      ],
    };
    for (const key of ['repository', 'bugs', 'homepage']) if (manifest[key]) cli[key] = manifest[key];
    fs.writeFileSync(path.join(stage, 'package.json'), JSON.stringify(cli, null, 2) + '\n');
    for (const entry of ['README.md', 'LICENSE'])
      fs.copyFileSync(path.join(repoRoot, entry), path.join(stage, entry));
    fs.cpSync(path.join(repoRoot, 'dist'), path.join(stage, 'dist'), {
      recursive: true,
      filter: (src) => !src.endsWith('.map'),
    });
    fs.cpSync(path.join(repoRoot, 'media', 'samples'), path.join(stage, 'media', 'samples'), {
      recursive: true,
    });
    fs.mkdirSync(outDir, { recursive: true });
    const json = run('npm', ['pack', '--json', '--pack-destination', outDir], stage, { quiet: true });
    const [{ filename }] = JSON.parse(json);
    return path.join(outDir, filename);
  } finally {
    fs.rmSync(stage, { recursive: true, force: true });
  }
}
