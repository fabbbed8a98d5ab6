// The universal package in a real VS Code: installs packages/medimageparse-universal-*.vsix with
// the VS Code server's own `--install-extension` into a fresh extensions folder (its name has a
// space and a non-ASCII letter, as user folders do), starts that server on it and runs
// test/package/*.test.ts in its extension host: the installed copy opens a PNG and a DICOM in the
// viewer, parses with the demo endpoint on sharp's WebAssembly build (native sharp hidden), and
// its terminal shim runs under sh, bash and zsh. About 30 s; `npm test` runs it after packaging.
//
// `node scripts/check-vsix-in-vscode.mjs [file.vsix]` (default: the newest universal package).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { packagesDir, repoRoot } from './packaging.mjs';
import { runIntegrationTests } from './run-integration-tests.mjs';
import { ensureVSCodeServer } from './vscode-server.mjs';

const testerDir = path.join(repoRoot, 'out', 'test', 'package');

/**
 * Compiles the suite beside the integration tests' mocha entry, as a development extension of
 * its own (another id), so the workbench runs it while the extension under test is the installed one.
 */
async function buildTester() {
  fs.rmSync(testerDir, { recursive: true, force: true });
  const tests = fs.readdirSync(path.join(repoRoot, 'test', 'package')).filter((f) => f.endsWith('.test.ts'));
  await esbuild.build({
    entryPoints: [
      { in: path.join(repoRoot, 'test', 'integration', 'index.ts'), out: 'index' },
      ...tests.map((f) => ({ in: path.join(repoRoot, 'test', 'package', f), out: f.replace(/\.ts$/, '') })),
    ],
    outdir: testerDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  fs.writeFileSync(
    path.join(testerDir, 'package.json'),
    JSON.stringify({
      name: 'medimageparse-package-tests',
      publisher: 'medimageparse-tests',
      version: '0.0.0',
      engines: { vscode: '^1.100.0' },
    }),
  );
}

/** Installs `vsix` into a fresh extensions folder with the server's CLI; returns that folder. */
function install(vsix, base) {
  const extensionsDir = path.join(base, 'extensions ü');
  fs.mkdirSync(extensionsDir);
  const r = spawnSync(
    process.execPath,
    [
      ensureVSCodeServer(),
      '--install-extension',
      vsix,
      '--extensions-dir',
      extensionsDir,
      '--server-data-dir',
      path.join(base, 'install-data'),
      '--accept-server-license-terms',
    ],
    { encoding: 'utf8' },
  );
  if (r.status !== 0 || !/successfully installed/.test(r.stdout)) {
    throw new Error(`VS Code could not install ${vsix} (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  }
  return extensionsDir;
}

/** Installs and checks `vsix`; returns the test counts as runIntegrationTests does. */
export async function checkVsixInVSCode(vsix) {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-vsix-vscode-'));
  try {
    const extensionsDir = install(vsix, base);
    console.log(`installed ${path.basename(vsix)} into ${extensionsDir}`);
    return await runIntegrationTests({
      build: buildTester,
      testsPath: path.join(testerDir, 'index.js'),
      extensionPath: testerDir,
      extensionsDir,
      env: { MEDIMAGEPARSE_VSIX_EXTENSIONS_DIR: extensionsDir },
      logName: 'universal-vsix',
    });
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
}

/** The newest universal package in packages/, if any. */
export function universalPackage() {
  if (!fs.existsSync(packagesDir)) return undefined;
  const files = fs
    .readdirSync(packagesDir)
    .filter((f) => /^medimageparse-universal-.*\.vsix$/.test(f))
    .map((f) => path.join(packagesDir, f))
    .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs);
  return files[0];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const vsix = process.argv[2] ? path.resolve(process.argv[2]) : universalPackage();
  if (!vsix || !fs.existsSync(vsix)) {
    console.error('No universal package: run `npm run package -- --targets universal` first.');
    process.exit(1);
  }
  const r = await checkVsixInVSCode(vsix);
  console.log(`universal package in VS Code ${r.vscodeVersion}: ${r.passed} passed, ${r.failed} failed`);
  process.exit(r.exitCode);
}
