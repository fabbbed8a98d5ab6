import { parseArgs, type ParseArgsConfig } from 'node:util';
import { terminalProgress, type ProgressLine } from './progress';

/** One `medparse` subcommand. Each lives in its own module under `commands/`. */
export interface CliCommand {
  name: string;
  /** One line for `medparse --help`. */
  summary: string;
  /** Full usage text for `medparse <name> --help`. */
  usage: string;
  /** What each exit code means for this command (0, 1 and 2 at least); shown in its help. */
  exitCodes: readonly ExitCode[];
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

export interface ExitCode {
  code: number;
  meaning: string;
}

/** The codes every command shares; a command says what 1 means for it. */
export const EXIT_OK: ExitCode = { code: 0, meaning: 'success' };
export const EXIT_USAGE: ExitCode = {
  code: 2,
  meaning: 'usage error: unknown command or option, missing or bad value (nothing was read or sent)',
};
export const exitCodes = (failure: string): readonly ExitCode[] => [
  EXIT_OK,
  { code: 1, meaning: failure },
  EXIT_USAGE,
];

/** The exit codes as a block for a command's help. */
export function exitCodesText(codes: readonly ExitCode[]): string {
  return ['Exit codes:', ...codes.map((c) => `  ${c.code}  ${c.meaning}`)].join('\n');
}

/**
 * Where a command writes: results (JSON, or a command's human summary) to `out`, that is stdout;
 * messages, warnings and errors to `err`, that is stderr; `progress` is a self-rewriting line on
 * stderr, present only when stderr is a terminal. Tests pass their own to capture output.
 */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
  progress?: ProgressLine;
}

function makeProcessIO(): CliIO {
  const out = (line: string) => void process.stdout.write(line + '\n');
  if (!process.stderr.isTTY) return { out, err: (line) => void process.stderr.write(line + '\n') };
  const terminal = terminalProgress(process.stderr);
  return { out, err: terminal.message, progress: terminal.progress };
}

export const processIO: CliIO = makeProcessIO();

/** A usage error: printed on stderr with the command's help, exit code 2. */
export class UsageError extends Error {}

/** `util.parseArgs`, with its errors (unknown option, missing value) turned into usage errors. */
export function parseCliArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The targets of `--prompt` options: each may hold several separated by '&' (empty ones kept, for the caller to refuse). */
export function promptsFromArgs(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((p) => p.split('&')).map((p) => p.trim());
}
