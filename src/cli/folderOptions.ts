import { UsageError, promptsFromArgs, type CliIO } from './command';
import type { FolderTargets, SummaryRow } from '../batch/folderBatch';
import { MODALITY_KEYS, resolveModalityKey, type ModalityKey } from '../shared/targets';

/**
 * What the folder commands (parse-folder, batch-prepare, batch-import) share: the options that
 * choose targets and modality, their usage lines and checks, per-image progress, the per-image
 * problems printed after a run, and Ctrl+C as a cancel. One place, so that the same flag means
 * and says the same in each.
 */

/** --prompt / --recognize (for `parseCliArgs`). */
export const TARGET_OPTIONS = {
  prompt: { type: 'string', multiple: true },
  recognize: { type: 'boolean' },
} as const;

export const TARGET_USAGE = `  --prompt <text>        Targets for every image, separated by '&' (repeatable).
  --recognize            Instead of --prompt: everything each image's modality key lists.`;

export const VERBOSE_USAGE = `  --verbose              Progress to stderr, a line per image.`;

/** The one folder a command reads. */
export function oneFolder(positionals: readonly string[]): string {
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length ? `expected one folder, got ${positionals.length}` : 'no folder given',
    );
  return positionals[0];
}

/** The targets --prompt or --recognize ask for (exactly one of them). */
export function folderTargets(values: { prompt?: string[]; recognize?: boolean }): FolderTargets {
  const prompts = promptsFromArgs(values.prompt);
  if (values.recognize && values.prompt)
    throw new UsageError('give either --prompt or --recognize, not both');
  if (!values.recognize && (prompts.length === 0 || prompts.some((p) => !p)))
    throw new UsageError(
      '--prompt needs one or more non-empty targets separated by "&" (or use --recognize)',
    );
  return values.recognize ? { kind: 'recognition' } : { kind: 'prompts', prompts };
}

/** --modality <key>, checked; undefined when not given (each image's own modality). */
export function modalityOption(value: string | undefined): ModalityKey | undefined {
  if (value === undefined) return undefined;
  const key = resolveModalityKey(value);
  if (!key) throw new UsageError(`--modality must be one of ${MODALITY_KEYS.join(', ')}; got '${value}'`);
  return key;
}

/** Progress a line per image on stderr with --verbose, else one line rewritten in place. */
export function perImageProgress(
  io: CliIO,
  verbose: boolean | undefined,
  progress: { update(line: string): void },
): (p: { done: number; total: number; current?: string }) => void {
  return (p) => {
    if (verbose && p.current) io.err(`${p.done + 1}/${p.total} ${p.current}`);
    else if (p.current) progress.update(`${p.done + 1}/${p.total} ${p.current}`);
  };
}

/** Failed images, and images skipped for a reason other than an earlier result, on stderr. */
export function printImageProblems(
  io: CliIO,
  rows: readonly SummaryRow[],
  name: (image: string) => string = (image) => image,
): void {
  for (const row of rows) {
    if (row.status === 'failed') io.err(`failed: ${name(row.image)}: ${row.error}`);
    else if (row.status === 'skipped' && row.reason !== 'already-done')
      io.err(`skipped: ${name(row.image)}: ${row.error}`);
  }
}

/** The counts a folder run's --json output starts with, in this order. */
export function runCounts(outcome: {
  total: number;
  parsed: number;
  skipped: number;
  failed: number;
  skippedBy: unknown;
  cancelled: boolean;
}) {
  const { total, parsed, skipped, failed, skippedBy, cancelled } = outcome;
  return { total, parsed, skipped, failed, skippedBy, cancelled };
}

/** Runs `work` with a signal that Ctrl+C (SIGINT) aborts, for as long as it runs. */
export async function cancelOnInterrupt<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  try {
    return await work(abort.signal);
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
}
