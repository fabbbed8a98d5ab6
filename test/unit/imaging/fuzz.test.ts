import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fuzzInChild, fuzzSources, writeMutants, type FuzzCase } from '../../support/fuzz';

/** Fixed: the same mutants on every run and machine, so a failure here reproduces. */
const SEED = 20261203;
const COUNT = 300;
/** Generous: a normal input takes well under a second; only a hang gets near this. Caught by a
 * watchdog on a child process, so it does not depend on the event loop of the one hanging. */
const PER_FILE_TIMEOUT_MS = 30_000;

/**
 * Mutated DICOM/NIfTI/PNG/JPEG/TIFF/BMP files (test/support/fuzz.ts): each opens and gives a
 * 1024×1024 model input, or is refused with an ImagingError naming the file and the problem.
 * The larger run is bench/fuzz.bench.ts.
 */
describe(`imaging fuzz: ${COUNT} mutated files, one clear outcome each`, function () {
  // Bounded by the count, not the clock: mocha's limit only catches a run that stopped moving.
  this.timeout(COUNT * PER_FILE_TIMEOUT_MS);
  let dir: string;
  let cases: FuzzCase[];
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-fuzz-'));
    cases = await writeMutants(
      await fuzzSources(dir, { quick: true }),
      path.join(dir, 'mutants'),
      COUNT,
      SEED,
    );
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  it('opens or refuses clearly, never a raw error, a bare number or a hang', async () => {
    const bad: string[] = [];
    const outcomes = { opened: 0, refused: 0 };
    // In a child process, so that even a decoder stuck in a synchronous loop is caught.
    const child = [
      process.execPath,
      ...process.execArgv,
      path.join(__dirname, '..', '..', 'support', 'fuzzChild.ts'),
    ];
    await fuzzInChild(cases, child, dir, PER_FILE_TIMEOUT_MS, (c, outcome) => {
      if (outcome.kind === 'bad') bad.push(`${path.basename(c.file)}: ${outcome.problem}`);
      else outcomes[outcome.kind]++;
    });
    assert.deepEqual(bad, [], `${bad.length} input(s) without a clear outcome:\n${bad.join('\n')}`);
    // Both outcomes occur: the mutations neither break everything nor nothing.
    assert.ok(outcomes.opened > COUNT / 10 && outcomes.refused > COUNT / 10, JSON.stringify(outcomes));
  });
});
