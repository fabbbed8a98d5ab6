// Runs the integration tests inside a real VS Code extension host: the VS Code server with this
// extension loaded, its workbench opened in headless Chromium, and the mocha suite in
// out/test/integration/index.js run by the extension host (`extensionTestsPath`).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildIntegrationTests } from './build-tests.mjs';
import { launchBrowser, makeSampleWorkspace, startServer } from './workbench.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const TIMEOUT_MS = Number(process.env.MEDIMAGEPARSE_INTEGRATION_TIMEOUT_MS ?? 15 * 60_000);

/**
 * `grep` selects tests by name; `env` adds variables for the extension host (e.g. the benchmark's
 * MEDIMAGEPARSE_BENCH / MEDIMAGEPARSE_BENCH_OUT). Another suite can run through the same harness:
 * `build` compiles it, `testsPath` is its entry, `extensionPath` the development extension loaded
 * with it (this repository by default) and `extensionsDir` the server's folder of installed
 * extensions (scripts/check-vsix-in-vscode.mjs installs a package there).
 */
export async function runIntegrationTests({
  grep,
  env = {},
  build = buildIntegrationTests,
  testsPath = path.join(repoRoot, 'out', 'test', 'integration', 'index.js'),
  extensionPath = repoRoot,
  extensionsDir,
  logName = 'integration',
} = {}) {
  await build();
  // A random endpoint key the tests store and use; afterwards no log or settings file may hold it.
  const secret = `mip-secret-${crypto.randomBytes(12).toString('hex')}`;
  const resultsFile = path.join(
    fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-results-')),
    'results.json',
  );
  const workspace = makeSampleWorkspace(repoRoot);
  const artifacts = path.join(repoRoot, 'test-results');
  fs.mkdirSync(artifacts, { recursive: true });
  const logFile = path.join(artifacts, `${logName}.log`);
  const log = fs.createWriteStream(logFile);
  const server = await startServer({
    settings: {
      'security.workspace.trust.enabled': false,
      'workbench.startupEditor': 'none',
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'telemetry.telemetryLevel': 'off',
    },
    env: {
      MEDIMAGEPARSE_TEST_RESULTS: resultsFile,
      MEDIMAGEPARSE_TEST_SECRET: secret,
      MEDIMAGEPARSE_TEST_WORKSPACE: workspace,
      MEDIMAGEPARSE_TEST_GREP: grep ?? process.env.MEDIMAGEPARSE_TEST_GREP ?? '',
      ...env,
    },
    log: (line) => log.write(line + '\n'),
    extensionsDir,
  });
  const browser = await launchBrowser();
  let exitCode = 1;
  try {
    const page = await browser.newPage();
    const exited = new Promise((resolve) => {
      page.exposeFunction('codeAutomationExit', (code) => resolve(code));
    });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = (Array.isArray(args) ? args : [args])
        .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
        .join(' ');
      log.write(`[${type}] ${text}\n`);
      // The extension host's console carries mocha's spec output: show it live.
      if (text.includes('[mocha]')) console.log(text.replace(/^.*?\[mocha\] ?/, ''));
    });
    page.on('pageerror', (e) => log.write(`[pageerror] ${e.message}\n`));
    await page.goto(server.url({ extensionPath, workspace, testsPath }));
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), TIMEOUT_MS));
    const result = await Promise.race([exited, timeout]);
    if (result === 'timeout') {
      console.error(`Integration tests did not finish within ${TIMEOUT_MS / 1000} s; see ${logFile}`);
      await page.screenshot({ path: path.join(artifacts, `${logName}-timeout.png`) }).catch(() => {});
    } else {
      exitCode = Number(result);
    }
  } finally {
    await browser.close().catch(() => {});
    await server.stop();
    log.end();
  }
  let counts = { passed: 0, failed: 0, pending: 0, vscodeVersion: 'unknown' };
  const leaks = findSecret(secret, [server.dataDir, logFile]);
  if (leaks.length > 0) {
    console.error(`The test endpoint key appears in: ${leaks.join(', ')}`);
    exitCode = exitCode || 1;
  } else {
    console.log(
      `secret check: the test key appears in none of the logs and settings files (${scanned.count} files searched)`,
    );
  }
  if (fs.existsSync(resultsFile)) counts = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
  else exitCode = exitCode || 1;
  if (counts.passed + counts.failed === 0) {
    console.error(`Integration tests ran no test; extension host log: ${logFile}`);
    exitCode = exitCode || 1;
  }
  fs.rmSync(workspace, { recursive: true, force: true });
  fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
  server.removeDataDir();
  // The secret scan is a check, not a test: reported on its own, not in the counts.
  return { exitCode, ...counts, secretScanOk: leaks.length === 0 };
}

const scanned = { count: 0 };

/** Log files, settings and other JSON/text files under the given paths that contain `secret`. */
function findSecret(secret, roots) {
  const hits = [];
  const visit = (p) => {
    const stat = fs.statSync(p, { throwIfNoEntry: false });
    if (!stat) return;
    if (stat.isDirectory()) {
      // Extension code and caches are not ours to scan.
      if (/(extensions|CachedExtensionVSIXs|node_modules)$/.test(p)) return;
      for (const entry of fs.readdirSync(p)) visit(path.join(p, entry));
    } else if (/\.(log|json|txt)$/.test(p) && stat.size < 50 * 1024 * 1024) {
      scanned.count++;
      if (fs.readFileSync(p, 'utf8').includes(secret)) hits.push(p);
    }
  };
  roots.forEach(visit);
  return hits;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = await runIntegrationTests({ grep: process.argv[2] });
  // Skipped tests (e.g. the batch benchmark outside `npm run bench`) are pending, not failures.
  console.log(
    `integration (VS Code ${r.vscodeVersion}): ${r.passed} passed, ${r.failed} failed, ${r.pending ?? 0} pending`,
  );
  process.exit(r.exitCode);
}
