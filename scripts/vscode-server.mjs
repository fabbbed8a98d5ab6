// Installs and locates a real VS Code server (from the `code-server` npm package) for offline
// integration tests and `npm start`. @vscode/test-electron downloads VS Code at test time, which
// machines without internet cannot do; the VS Code server runs the same workbench and extension
// host, rendered by Debian's Chromium. See CONTRIBUTING.md "How the tests run VS Code offline".
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** code-server 4.100.3 ships VS Code 1.100.3, the newest whose `engines.node` is 20. */
export const CODE_SERVER_VERSION = '4.100.3';

export const cacheDir =
  process.env.MEDIMAGEPARSE_VSCODE_CACHE ??
  path.join(os.homedir(), '.cache', 'medimageparse', `code-server-${CODE_SERVER_VERSION}`);

export const vscodeDir = path.join(cacheDir, 'node_modules', 'code-server', 'lib', 'vscode');
export const serverMain = path.join(vscodeDir, 'out', 'server-main.js');
const readyMarker = path.join(cacheDir, '.ready');

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
 * DICOM files we write.
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
  if (!hasCommand('dcmdump')) missing.push('dcmtk');
  // Debian's Python with numpy, pandas and Pillow: the batch-endpoint tests read our files the way
  // Microsoft's notebook does (pd.read_csv, json.loads, np.frombuffer, PIL).
  for (const [module, pkg] of [
    ['numpy', 'python3-numpy'],
    ['pandas', 'python3-pandas'],
    ['PIL', 'python3-pil'],
  ]) {
    if (spawnSync('/usr/bin/python3', ['-c', `import ${module}`], { stdio: 'ignore' }).status !== 0)
      missing.push(pkg);
  }
  if (missing.length === 0) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!isRoot || !hasCommand('apt-get')) {
    throw new Error(
      `Missing system packages: ${missing.join(', ')}. Install them (Debian: apt-get install ${missing.join(' ')}) and run again.`,
    );
  }
  console.log(`[setup] installing ${missing.join(', ')} with apt-get`);
  run('apt-get', ['update', '-qq'], process.cwd());
  run('apt-get', ['install', '-y', '-qq', ...missing], process.cwd(), {
    DEBIAN_FRONTEND: 'noninteractive',
  });
}

/**
 * The integration tests sign in through an authentication provider they register themselves.
 * VS Code asks the user before an extension may use a provider's sessions, and refuses that
 * dialog in tests. The product configuration's `trustedExtensionAuthAccess` is VS Code's own way
 * to pre-approve an extension; the web workbench has its product configuration built into
 * workbench.js, so the test server's copy is patched there (the cached test install only).
 */
function trustTestAuthProvider() {
  const file = path.join(vscodeDir, 'out', 'vs', 'code', 'browser', 'workbench', 'workbench.js');
  const text = fs.readFileSync(file, 'utf8');
  const marker = 'trustedExtensionAuthAccess:[';
  const ours = '"medimageparse.medimageparse",';
  if (text.includes(marker + ours)) return;
  if (!text.includes(marker))
    throw new Error(`${file}: no trustedExtensionAuthAccess to extend; was the VS Code server updated?`);
  fs.writeFileSync(file, text.replace(marker, marker + ours));
}

/** Installs the VS Code server once into the cache folder; later calls return at once. */
export function ensureVSCodeServer() {
  ensureSystemPackages();
  if (fs.existsSync(readyMarker) && fs.existsSync(serverMain)) {
    trustTestAuthProvider();
    return serverMain;
  }
  console.log(
    `[setup] installing VS Code server (code-server ${CODE_SERVER_VERSION}) into ${cacheDir}; about 2 minutes, once`,
  );
  fs.mkdirSync(cacheDir, { recursive: true });
  if (!fs.existsSync(path.join(cacheDir, 'package.json'))) {
    fs.writeFileSync(path.join(cacheDir, 'package.json'), '{"name":"vscode-server-cache","private":true}\n');
  }
  // code-server's own postinstall refuses root and downloads from GitHub: scripts stay off.
  run(
    'npm',
    ['install', '--no-audit', '--no-fund', '--ignore-scripts', `code-server@${CODE_SERVER_VERSION}`],
    cacheDir,
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--omit=dev', '--ignore-scripts'], vscodeDir);
  // @vscode/ripgrep's postinstall downloads rg and skips itself when bin/ exists.
  const rgBin = path.join(vscodeDir, 'node_modules', '@vscode', 'ripgrep', 'bin');
  fs.mkdirSync(rgBin, { recursive: true });
  const rgLink = path.join(rgBin, 'rg');
  if (!fs.existsSync(rgLink))
    fs.symlinkSync(execFileSync('sh', ['-c', 'command -v rg']).toString().trim(), rgLink);
  // Native modules (node-pty, kerberos, spdlog…); npm_config_yes keeps `npx node-gyp` from prompting.
  run('npm', ['rebuild'], vscodeDir, { npm_config_yes: 'true' });
  const asar = path.join(vscodeDir, 'node_modules.asar');
  if (!fs.existsSync(asar)) fs.symlinkSync('node_modules', asar);
  trustTestAuthProvider();
  fs.writeFileSync(readyMarker, new Date().toISOString() + '\n');
  return serverMain;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureVSCodeServer();
  console.log(`[setup] VS Code server ready: ${serverMain}`);
}
