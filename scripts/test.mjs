// `npm test`: everything, in one command, from a fresh clone. Installs what the tests need on
// first use (Debian's Chromium, ripgrep, the VS Code server), then type-checks, lints, builds,
// runs the unit tests (plain mocha) and the integration tests (inside a real VS Code). It ends
// with the checks' count ("checks: N passed, N failed": type-checks, lint, formatting, build,
// secret scan, packaging) and, last, one line "N passed, N failed" that counts tests only. A
// failed check fails the run (exit 1) all the same.
import { spawnSync } from 'node:child_process';
import { ensureSystemPackages, ensureVSCodeServer } from './vscode-server.mjs';
import { hostTarget } from './packaging.mjs';
import { runIntegrationTests } from './run-integration-tests.mjs';
import { checkVsixInVSCode, universalPackage } from './check-vsix-in-vscode.mjs';
import { harnessCounts, mochaCounts, Tally } from './tally.mjs';

const tally = new Tally();

function run(name, cmd, args, { capture = false } = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const result = spawnSync(cmd, args, {
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
  });
  if (capture) process.stdout.write(result.stdout ?? '');
  return { ok: result.status === 0, stdout: result.stdout ?? '' };
}

function check(name, cmd, args) {
  const { ok } = run(name, 'npx', [cmd, ...args]);
  tally.check(name, ok);
}

check('type-check (extension, CLI, tests)', 'tsc', ['--noEmit', '-p', '.']);
check('type-check (webview)', 'tsc', ['--noEmit', '-p', 'webview']);
check('type-check (UI tests)', 'tsc', ['--noEmit', '-p', 'test/ui']);
check('lint', 'eslint', ['.']);
check('format', 'prettier', ['--check', '.']);
const build = run('build', 'node', ['scripts/build.mjs']);
tally.check('build', build.ok);

/** Runs a mocha suite and adds its counts. */
function mochaSuite(name, args) {
  const suite = run(name, 'npx', ['mocha', ...args], { capture: true });
  const counts = mochaCounts(suite.stdout);
  tally.suite(name, { ...counts, ok: suite.ok });
  console.log(`${name}: ${counts.passed} passed, ${counts.failed} failed`);
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
    tally.check('secret scan of the integration run', r.secretScanOk);
    // A non-zero exit with no failed test and a clean scan: the run itself broke.
    const broke = r.exitCode !== 0 && r.failed === 0 && r.secretScanOk;
    tally.suite('integration tests', { passed: r.passed, failed: r.failed, ok: !broke });
  } catch (error) {
    console.error(`integration tests could not run: ${error instanceof Error ? error.message : error}`);
    tally.suite('integration tests', { passed: 0, failed: 0, ok: false });
  }
  // The viewer in Chromium against a scripted host (render paths, themes, probes, every control).
  const harness = run('viewer harness in Chromium', 'node', ['test/webview-harness/run.mjs'], {
    capture: true,
  });
  const counts = harnessCounts(harness.stdout);
  tally.suite('viewer harness', { ...counts, ok: harness.ok });
  console.log(`viewer harness: ${counts.passed} passed, ${counts.failed} failed`);

  // UI tests drive the real workbench with Playwright: the viewer, the side panel, reloads.
  mochaSuite('UI tests in the real workbench', ['--config', '.mocharc.ui.json']);
} else {
  // Nothing past the unit tests could run without a build.
  tally.suite('integration, viewer harness and UI tests (no build)', { passed: 0, failed: 0, ok: false });
}

// Last, because it replaces dist/ with the production build: the .vsix for this machine, one for
// another OS and CPU (Mach-O arm64) and the universal one (WebAssembly sharp) are made and checked
// (size, native files for their target, nothing missing, the CLI run on shipped samples), and
// the command line's npm tarball installed into a temporary prefix. `npm run package:all` makes all.
if (build.ok) {
  const targets = [hostTarget() ?? 'linux-x64', 'darwin-arm64', 'universal'];
  const { ok } = run('package (.vsix per platform, CLI tarball, checks)', 'node', [
    'scripts/package.mjs',
    '--targets',
    [...new Set(targets)].join(','),
  ]);
  tally.check('package', ok);

  // The universal package installed into a real VS Code (its own --install-extension, a fresh
  // extensions folder): the viewer, the demo endpoint on WebAssembly sharp, the terminal's medparse.
  const universal = universalPackage();
  if (universal) {
    console.log('\n=== the universal package installed in a real VS Code');
    try {
      const r = await checkVsixInVSCode(universal);
      console.log(`universal package in VS Code: ${r.passed} passed, ${r.failed} failed`);
      const broke = r.exitCode !== 0 && r.failed === 0;
      tally.suite('universal package in VS Code', { passed: r.passed, failed: r.failed, ok: !broke });
    } catch (error) {
      console.error(
        `the universal package could not be checked: ${error instanceof Error ? error.message : error}`,
      );
      tally.suite('universal package in VS Code', { passed: 0, failed: 0, ok: false });
    }
  } else {
    tally.suite('universal package in VS Code (no package was built)', { passed: 0, failed: 0, ok: false });
  }
}

console.log('');
for (const line of tally.summary()) console.log(line);
process.exit(tally.exitCode());
