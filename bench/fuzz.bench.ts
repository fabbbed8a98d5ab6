/**
 * The larger fuzz run (the unit suite runs 300 inputs of the same fuzzer, test/support/fuzz.ts):
 * mutated DICOM (every transfer syntax we decode, JPEG 2000 included), NIfTI, PNG, JPEG, TIFF and
 * BMP files, each opened and prepared as the model input. Prints the outcomes per seed file, the
 * slowest inputs and every input without a clear outcome (exit 1 when there is one).
 * Run: npm run bench fuzz   (MEDPARSE_FUZZ_COUNT, default 2000; MEDPARSE_FUZZ_SEED, default 1)
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fuzzChildMain, fuzzInChild, fuzzSources, writeMutants } from '../test/support/fuzz';

const COUNT = Number(process.env.MEDPARSE_FUZZ_COUNT ?? 2000);
const SEED = Number(process.env.MEDPARSE_FUZZ_SEED ?? 1);
const PER_FILE_TIMEOUT_MS = 60_000;

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-fuzz-bench-'));
  try {
    const sources = await fuzzSources(dir);
    const cases = await writeMutants(sources, path.join(dir, 'mutants'), COUNT, SEED);
    const perSource = new Map<string, { opened: number; refused: number; bad: number }>();
    const bad: string[] = [];
    const times: { ms: number; file: string }[] = [];
    const started = performance.now();
    // In a child process (this script with --child), watched: a decoder stuck in a synchronous
    // loop is caught and killed, and the run goes on with the next input.
    const child = [process.execPath, ...process.execArgv, __filename, '--child'];
    await fuzzInChild(cases, child, dir, PER_FILE_TIMEOUT_MS, (c, outcome) => {
      const tally = perSource.get(c.source) ?? { opened: 0, refused: 0, bad: 0 };
      tally[outcome.kind === 'bad' ? 'bad' : outcome.kind]++;
      perSource.set(c.source, tally);
      times.push({ ms: outcome.ms, file: path.basename(c.file) });
      if (outcome.kind === 'bad') {
        bad.push(`${path.basename(c.file)}: ${outcome.problem}`);
        console.log(`BAD ${path.basename(c.file)}: ${outcome.problem}`);
      }
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${cases.length} mutants of ${sources.length} seed files (seed ${SEED}) in ${seconds.toFixed(0)} s`,
    );
    for (const [source, t] of perSource)
      console.log(`  ${source.padEnd(24)} opened ${t.opened}, refused ${t.refused}, unclear ${t.bad}`);
    const sorted = times.map((t) => t.ms).sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    console.log(`median per input ${median} ms; slowest:`);
    for (const t of [...times].sort((a, b) => b.ms - a.ms).slice(0, 5))
      console.log(`  ${t.ms} ms  ${t.file}`);
    console.log(
      bad.length ? `${bad.length} input(s) without a clear outcome` : 'every input had a clear outcome',
    );
    const totals = [...perSource.values()].reduce(
      (a, t) => ({ opened: a.opened + t.opened, refused: a.refused + t.refused, bad: a.bad + t.bad }),
      { opened: 0, refused: 0, bad: 0 },
    );
    console.log(
      `BENCH_JSON ${JSON.stringify({ name: 'fuzz', count: cases.length, seed: SEED, seconds, medianMs: median, ...totals, unclear: bad })}`,
    );
    if (bad.length) process.exitCode = 1;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') void fuzzChildMain(process.argv[3]);
else void main();
