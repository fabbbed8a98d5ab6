import * as assert from 'node:assert/strict';

type TallyModule = typeof import('../../../scripts/tally.mjs', { with: { 'resolution-mode': 'import' } });

describe('npm test: the closing count', () => {
  let Tally: TallyModule['Tally'];
  let mochaCounts: TallyModule['mochaCounts'];
  let harnessCounts: TallyModule['harnessCounts'];
  before(async () => {
    ({ Tally, mochaCounts, harnessCounts } = await import('../../../scripts/tally.mjs'));
  });

  it('counts checks on their own line and only tests on the last line', () => {
    const tally = new Tally();
    for (const name of ['type-check', 'lint', 'format', 'build', 'package']) tally.check(name, true);
    tally.suite('unit tests', { passed: 350, failed: 0, ok: true });
    tally.suite('viewer harness', { passed: 40, failed: 0, ok: true });
    assert.deepEqual(tally.summary(), ['checks: 5 passed, 0 failed', '390 passed, 0 failed']);
    assert.equal(tally.exitCode(), 0);
  });

  it('a failed check fails the run without counting as a failed test', () => {
    const tally = new Tally();
    tally.check('type-check', true);
    tally.check('lint', false);
    tally.suite('unit tests', { passed: 10, failed: 0, ok: true });
    const lines = tally.summary();
    assert.deepEqual(lines, ['failed: lint', 'checks: 1 passed, 1 failed', '10 passed, 0 failed']);
    assert.match(lines[lines.length - 1], /^\d+ passed, \d+ failed$/);
    assert.equal(tally.exitCode(), 1);
  });

  it('failed tests fail the run; a suite that broke without a failing test counts as one', () => {
    const tally = new Tally();
    tally.check('build', true);
    tally.suite('unit tests', { passed: 7, failed: 2, ok: false });
    tally.suite('UI tests', { passed: 0, failed: 0, ok: false });
    assert.deepEqual(tally.summary().slice(-2), ['checks: 1 passed, 0 failed', '7 passed, 3 failed']);
    assert.deepEqual(tally.broken, ['unit tests', 'UI tests']);
    assert.equal(tally.exitCode(), 1);
  });

  it('reads the counts from mocha and the viewer harness', () => {
    assert.deepEqual(mochaCounts('  ....\n\n  357 passing (2m)\n  3 pending\n  2 failing\n'), {
      passed: 357,
      failed: 2,
    });
    assert.deepEqual(mochaCounts('Error: cannot find module'), { passed: 0, failed: 0 });
    assert.deepEqual(harnessCounts('  ✔ renders\n  ✘ themes\n  ✔ probes\nsummary ✔ \n'), {
      passed: 2,
      failed: 1,
    });
  });
});
