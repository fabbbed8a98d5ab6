// `npm test`: everything, in one command, from a fresh clone. Installs what the tests need on
// first use (Debian's Chromium, ripgrep, the VS Code server), then type-checks, lints, builds,
// runs the unit tests (plain mocha) and the integration tests (inside a real VS Code), and ends
// with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { ensureSystemPackages, ensureVSCodeServer } from './vscode-server.mjs';
import { runIntegrationTests } from './run-integration-tests.mjs';

const steps = [];
let passed = 0;
let failed = 0;

function run(name, cmd, args, { capture = false } = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, {
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (capture) process.stdout.write(result.stdout ?? '');
  steps.push({ name, ok: result.status === 0 });
  return { ok: result.status === 0, stdout: result.stdout ?? '' };
}

// A check that is not a test still fails the run: count it as one.
function check(name, cmd, args) {
  const { ok } = run(name, 'npx', [cmd, ...args]);
  if (ok) passed++;
  else failed++;
}

check('type-check (extension, CLI, tests)', 'tsc', ['--noEmit', '-p', '.']);
check('type-check (webview)', 'tsc', ['--noEmit', '-p', 'webview']);
check('type-check (UI tests)', 'tsc', ['--noEmit', '-p', 'test/ui']);
check('lint', 'eslint', ['.']);
check('format', 'prettier', ['--check', '.']);
const build = run('build', 'node', ['scripts/build.mjs']);
if (!build.ok) failed++;

/** Runs a mocha suite and adds its counts; a suite that fails to load counts as one failure. */
function mochaSuite(name, args) {
  const suite = run(name, 'npx', ['mocha', ...args], { capture: true });
  const count = (re) => Number(suite.stdout.match(re)?.[1] ?? 0);
  const ok = count(/^\s*(\d+) passing/m);
  const bad = count(/^\s*(\d+) failing/m);
  if (!suite.ok && bad === 0) failed++;
  passed += ok;
  failed += bad;
  console.log(`${name}: ${ok} passed, ${bad} failed`);
}

// Before the unit tests: some of them check our output with independent tools (dcm2niix).
try {
  ensureSystemPackages();
} catch (error) {
  console.error(`system packages: ${error instanceof Error ? error.message : error}`);
}
mochaSuite('unit tests', []);
if (build.ok) {
  console.log('\n=== integration tests in a real VS Code (server + headless Chromium)');
  try {
    ensureVSCodeServer();
    const r = await runIntegrationTests();
    console.log(`integration (VS Code ${r.vscodeVersion}): ${r.passed} passed, ${r.failed} failed`);
    passed += r.passed;
    failed += r.failed;
    if (r.exitCode !== 0 && r.failed === 0) failed++;
  } catch (error) {
    console.error(`integration tests could not run: ${error instanceof Error ? error.message : error}`);
    failed++;
  }
  // The viewer in Chromium against a scripted host (render paths, themes, probes, every control).
  const harness = run('viewer harness in Chromium', 'node', ['test/webview-harness/run.mjs'], {
    capture: true,
  });
  const ok = (harness.stdout.match(/^\s*✔ /gm) ?? []).length;
  const bad = (harness.stdout.match(/^\s*✘ /gm) ?? []).length;
  passed += ok;
  failed += bad;
  if (!harness.ok && bad === 0) failed++;
  console.log(`viewer harness: ${ok} passed, ${bad} failed`);

  // UI tests drive the real workbench with Playwright: the viewer, the side panel, reloads.
  mochaSuite('UI tests in the real workbench', ['--config', '.mocharc.ui.json']);
} else {
  failed++;
}

// Last, because it replaces dist/ with the production build: the .vsix is made, checked (size,
// no sources or tests) and its bundled CLI run on shipped samples.
if (build.ok) {
  const { ok } = run('package (.vsix, size and smoke test)', 'node', ['scripts/package.mjs']);
  if (ok) passed++;
  else failed++;
}

const broken = steps.filter((s) => !s.ok).map((s) => s.name);
if (broken.length) console.log(`\nfailed steps: ${broken.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
