// The count `npm test` ends with. Checks (type-checks, lint, formatting, build, packaging, the
// integration run's secret scan) are not tests: they are counted apart, on their own line, and a
// failed one still fails the run. The last line counts tests only, "N passed, N failed", alone on
// its line (CI reads it).

export class Tally {
  checks = { passed: 0, failed: 0 };
  tests = { passed: 0, failed: 0 };
  /** Names of the failed checks and of the suites that broke. */
  broken = [];

  /** A check that passed or failed. */
  check(name, ok) {
    if (ok) this.checks.passed++;
    else {
      this.checks.failed++;
      this.broken.push(name);
    }
  }

  /**
   * A suite's own counts. A suite whose process failed without reporting a failing test (it
   * crashed, or never started) counts as one failed test: its tests did not pass.
   */
  suite(name, { passed, failed, ok }) {
    this.tests.passed += passed;
    this.tests.failed += failed;
    if (!ok && failed === 0) this.tests.failed++;
    if (!ok || failed > 0) this.broken.push(name);
  }

  /** The closing lines: what broke (if anything), the checks, and last the tests. */
  summary() {
    const lines = [];
    if (this.broken.length > 0) lines.push(`failed: ${this.broken.join(', ')}`);
    lines.push(`checks: ${this.checks.passed} passed, ${this.checks.failed} failed`);
    lines.push(`${this.tests.passed} passed, ${this.tests.failed} failed`);
    return lines;
  }

  exitCode() {
    return this.checks.failed === 0 && this.tests.failed === 0 ? 0 : 1;
  }
}

/** Passing and failing counts from mocha's spec or dot reporter output. */
export function mochaCounts(stdout) {
  const count = (re) => Number(stdout.match(re)?.[1] ?? 0);
  return { passed: count(/^\s*(\d+) passing/m), failed: count(/^\s*(\d+) failing/m) };
}

/** Passing and failing counts from the viewer harness's output (✔ and ✘ lines). */
export function harnessCounts(stdout) {
  return {
    passed: (stdout.match(/^\s*✔ /gm) ?? []).length,
    failed: (stdout.match(/^\s*✘ /gm) ?? []).length,
  };
}
