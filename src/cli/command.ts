import { parseArgs, type ParseArgsConfig } from 'node:util';

/** One `medparse` subcommand. Each lives in its own module under `commands/`. */
export interface CliCommand {
  name: string;
  /** One line for `medparse --help`. */
  summary: string;
  /** Full usage text for `medparse <name> --help`. */
  usage: string;
  /** Runs the command with the arguments after its name; resolves to the process exit code. */
  run(args: string[], io: CliIO): Promise<number>;
}

/** Where a command writes; tests pass their own to capture output. */
export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
};

/** A usage error: printed as one line with a pointer to --help, exit code 2. */
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
