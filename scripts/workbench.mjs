// Starts a real VS Code (the VS Code server from `code-server`) with this extension loaded, and
// optionally drives it with headless Chromium. Shared by the integration tests, the UI tests and
// `npm start`. See CONTRIBUTING.md "How the tests run VS Code offline".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { ensureVSCodeServer } from './vscode-server.mjs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts the VS Code server. `settings` become the user settings of a fresh profile.
 * `env` is passed to the server and so to the extension host (tests read their options there).
 * `extensionsDir` is the folder of installed extensions (the server's own default otherwise).
 */
export async function startServer({
  port,
  settings = {},
  env = {},
  dataDir,
  extensionsDir,
  log = () => {},
} = {}) {
  const serverMain = ensureVSCodeServer();
  port ??= await freePort();
  // A data folder made here is ours to remove (removeDataDir); one passed in is the caller's.
  const ownDataDir = dataDir === undefined;
  dataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-vscode-'));
  const userDir = path.join(dataDir, 'data', 'User');
  fs.mkdirSync(userDir, { recursive: true });
  const settingsFile = path.join(userDir, 'settings.json');
  if (!fs.existsSync(settingsFile)) {
    fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2));
  }
  const child = spawn(
    process.execPath,
    [
      serverMain,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--without-connection-token',
      '--accept-server-license-terms',
      '--server-data-dir',
      dataDir,
      ...(extensionsDir ? ['--extensions-dir', extensionsDir] : []),
    ],
    { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => log(`[server] ${d.trimEnd()}`));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('VS Code server did not start within 60 s')), 60_000);
    child.stdout.on('data', (d) => {
      log(`[server] ${d.trimEnd()}`);
      if (d.includes('Extension host agent listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`VS Code server exited early (code ${code})`));
    });
  });
  return {
    port,
    dataDir,
    settingsFile,
    /** The workbench address; `testsPath` makes the workbench run an extension test entry. */
    url({ extensionPath, workspace, testsPath }) {
      const remote = (p) => `vscode-remote://127.0.0.1:${port}${p}`;
      const payload = [
        ['extensionDevelopmentPath', remote(extensionPath)],
        ['skipWelcome', 'true'],
      ];
      if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
      const folder = workspace ? `folder=${encodeURIComponent(workspace)}&` : '';
      return `http://127.0.0.1:${port}/?${folder}payload=${encodeURIComponent(JSON.stringify(payload))}`;
    },
    /** Removes the server's data folder if startServer made it (after stop, and any scan of it). */
    removeDataDir() {
      if (ownDataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => {
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 5000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/** Launches Debian's Chromium through playwright-core (never a downloaded browser). */
export async function launchBrowser({ headless = true } = {}) {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: '/usr/bin/chromium', headless, args: CHROMIUM_ARGS });
}

/** A scratch workspace holding copies of the shipped sample images, so tests never touch the repo. */
export function makeSampleWorkspace(repoRoot, prefix = 'medimageparse-ws-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.cpSync(path.join(repoRoot, 'media', 'samples'), dir, { recursive: true });
  return dir;
}
