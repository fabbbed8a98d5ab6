// Installs and locates a real VS Code server (from the `code-server` npm package) for offline
// integration tests and `npm start`. @vscode/test-electron downloads VS Code at test time, which
// machines without internet cannot do; the VS Code server runs the same workbench and extension
// host, rendered by Debian's Chromium. See CONTRIBUTING.md "How the tests run VS Code offline".
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { installOnce, writeFileAtomic } from './install-once.mjs';

/** code-server 4.100.3 ships VS Code 1.100.3, the newest whose `engines.node` is 20. */
export const CODE_SERVER_VERSION = '4.100.3';

export const cacheDir =
  process.env.MEDIMAGEPARSE_VSCODE_CACHE ??
  path.join(os.homedir(), '.cache', 'medimageparse', `code-server-${CODE_SERVER_VERSION}`);

const vscodeDirIn = (base) => path.join(base, 'node_modules', 'code-server', 'lib', 'vscode');
export const vscodeDir = vscodeDirIn(cacheDir);
export const serverMain = path.join(vscodeDir, 'out', 'server-main.js');

function run(cmd, args, cwd, extraEnv = {}) {
  const result = spawnSync(cmd, args, {
    cwd,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, ...extraEnv },
  });
  if (result.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed in ${cwd} (exit ${result.status})`);
  }
}

function hasCommand(name) {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

/**
 * Debian packages the tests need: Chromium, ripgrep and Kerberos headers for the server and the
 * browser; dcm2niix and dicom3tools (dciodvfy) as independent tools that check the volumes and
 * DICOM files we write; zsh (macOS's default shell) to run the terminal shim; DCMTK (dcmdjpeg) as IJG's 12-bit JPEG decoder to check ours. Python packages (Debian's interpreter, without recommends): pydicom,
 * nibabel and GDCM with their test files and scikit-image 0.19 (the reference's version) for the
 * corpus tests (test/unit/imaging/corpus.test.ts).
 */
export function ensureSystemPackages() {
  const missing = [];
  if (!fs.existsSync('/usr/bin/chromium')) missing.push('chromium');
  if (!hasCommand('rg')) missing.push('ripgrep');
  if (!fs.existsSync('/usr/include/krb5.h') && !fs.existsSync('/usr/include/krb5/krb5.h')) {
    missing.push('libkrb5-dev');
  }
  if (!hasCommand('dcm2niix')) missing.push('dcm2niix');
  if (!hasCommand('dciodvfy')) missing.push('dicom3tools');
  if (!hasCommand('dcmdump') || !hasCommand('dcmdjpeg')) missing.push('dcmtk');
  // macOS's default shell: the terminal shim is run by it (test/unit/cli/terminalShims.test.ts).
  if (!hasCommand('zsh')) missing.push('zsh');
  // Debian's Python modules some tests compare against: pydicom, nibabel, GDCM and scikit-image
  // (the corpus tests and the reference's colour steps); numpy, pandas and Pillow (the
  // batch-endpoint tests read our files the way Microsoft's notebook does).
  const pythonPackages = {
    pydicom: 'python3-pydicom',
    nibabel: 'python3-nibabel',
    gdcm: 'python3-gdcm',
    skimage: 'python3-skimage',
    numpy: 'python3-numpy',
    pandas: 'python3-pandas',
    PIL: 'python3-pil',
    // The evaluation metrics are checked against scipy.ndimage (test/support/scipyMetrics.ts).
    'scipy.ndimage': 'python3-scipy',
  };
  const missingPython = Object.entries(pythonPackages)
    .filter(([m]) => spawnSync('/usr/bin/python3', ['-c', `import ${m}`], { stdio: 'ignore' }).status !== 0)
    .map(([, pkg]) => pkg);
  if (missing.length === 0 && missingPython.length === 0) return;
  const all = [...missing, ...missingPython];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasCommand('apt-get')) {
    throw new Error(
      `Missing system packages: ${all.join(', ')}. Install them (Debian: apt-get install ${all.join(' ')}) and run again.`,
    );
  }
  console.log(`[setup] installing ${all.join(', ')} with apt-get`);
  run('apt-get', ['update', '-qq'], process.cwd());
  if (missing.length) {
    run('apt-get', ['install', '-y', '-qq', ...missing], process.cwd(), {
      DEBIAN_FRONTEND: 'noninteractive',
    });
  }
  if (missingPython.length) {
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missingPython], process.cwd(), {
      DEBIAN_FRONTEND: 'noninteractive',
    });
  }
}

/**
 * The integration tests sign in through an authentication provider they register themselves.
 * VS Code asks the user before an extension may use a provider's sessions, and refuses that
 * dialog in tests. The product configuration's `trustedExtensionAuthAccess` is VS Code's own way
 * to pre-approve an extension; the web workbench has its product configuration built into
 * workbench.js, so the test server's copy is patched there (the cached test install only).
 */
function trustTestAuthProvider(base) {
  const file = path.join(vscodeDirIn(base), 'out', 'vs', 'code', 'browser', 'workbench', 'workbench.js');
  const text = fs.readFileSync(file, 'utf8');
  const marker = 'trustedExtensionAuthAccess:[';
  const ours = '"medimageparse.medimageparse",';
  if (text.includes(marker + ours)) return;
  if (!text.includes(marker))
    throw new Error(`${file}: no trustedExtensionAuthAccess to extend; was the VS Code server updated?`);
  // Atomic: a server another process is starting may be reading it.
  writeFileAtomic(file, text.replace(marker, marker + ours));
}

/** The install itself, into `base` (a temporary folder that installOnce renames into place). */
function installServer(base) {
  const serverDir = vscodeDirIn(base);
  fs.writeFileSync(path.join(base, 'package.json'), '{"name":"vscode-server-cache","private":true}\n');
  // code-server's own postinstall refuses root and downloads from GitHub: scripts stay off.
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`],
    base,
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts'], serverDir);
  // @vscode/ripgrep's postinstall downloads rg and skips itself when bin/ exists.
  const rgBin = path.join(serverDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgBin, { recursive: true });
  fs.symlinkSync(execFileSync('sh', ['-c', 'command -v rg']).toString().trim(), path.join(rgBin, 'rg'));
  // Native modules (node-pty, kerberos, spdlog…); npm_config_yes keeps `npx node-gyp` from prompting.
  run('npm', ['rebuild'], serverDir, { npm_config_yes: 'true' });
  // Relative, so the folder can be renamed into place.
  fs.symlinkSync('node_modules', path.join(serverDir, 'node_modules.asar'));
  trustTestAuthProvider(base);
}

/**
 * Installs the VS Code server once into the cache folder; later calls return at once. Safe to
 * call from several processes at a time (`npm start` beside `npm test`): see install-once.mjs.
 */
export function ensureVSCodeServer() {
  ensureSystemPackages();
  installOnce(cacheDir, (base) => {
    console.log(
      `[setup] installing VS Code server (code-server ${CODE_SERVER_VERSION}) into ${cacheDir}; about 2 minutes, once`,
    );
    installServer(base);
  });
  // A cache installed before the patch existed gets it now.
  trustTestAuthProvider(cacheDir);
  return serverMain;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureVSCodeServer();
  console.log(`[setup] VS Code server ready: ${serverMain}`);
}
