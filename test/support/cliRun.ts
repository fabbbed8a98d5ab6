import fs from 'node:fs';
import path from 'node:path';
import { main } from '../../src/cli/main';
import { simulateBatchJob } from './batchSimulator';

/** A CliIO that keeps what a command prints. */
export function captureIO() {
  const io = {
    stdout: [] as string[],
    stderr: [] as string[],
    out: (l: string) => void io.stdout.push(l),
    err: (l: string) => void io.stderr.push(l),
  };
  return io;
}

/** Runs `medparse <args>` in this process; `text` is all it printed, for assertion messages. */
export async function runCli(...args: string[]) {
  const io = captureIO();
  const code = await main(args, io);
  return { code, io, text: [...io.stdout, ...io.stderr].join('\n') };
}

/**
 * The whole batch endpoint round trip on a folder: batch-prepare with `args` into `<tmp>/batch`,
 * the loopback simulator of the deployment over every input file (rows shuffled by
 * `shuffleSeed`) into `<tmp>/predictions.csv`, then batch-import into `outDir`. Asserts that both
 * commands succeed.
 */
export async function prepareSimulateImport(
  tmp: string,
  input: string,
  args: string[],
  outDir: string,
  options: { shuffleSeed?: number; prepareArgs?: string[] } = {},
): Promise<{ batch: string; manifestFile: string; predictions: string }> {
  const batch = path.join(tmp, 'batch');
  const prep = await runCli(
    'batch-prepare',
    input,
    ...args,
    '--out-dir',
    batch,
    ...(options.prepareArgs ?? []),
  );
  if (prep.code !== 0) throw new Error(`batch-prepare exited with ${prep.code}: ${prep.text}`);
  const manifestFile = path.join(batch, 'manifest.json');
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as { inputFiles: { name: string }[] };
  const predictions = path.join(tmp, 'predictions.csv');
  await simulateBatchJob(
    manifest.inputFiles.map((f) => path.join(batch, f.name)),
    predictions,
    { shuffleSeed: options.shuffleSeed },
  );
  const imp = await runCli('batch-import', predictions, '--manifest', manifestFile, '--out-dir', outDir);
  if (imp.code !== 0) throw new Error(`batch-import exited with ${imp.code}: ${imp.text}`);
  return { batch, manifestFile, predictions };
}
