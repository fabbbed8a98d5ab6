import {
  exitCodesText,
  processIO,
  UsageError,
  EXIT_OK,
  EXIT_USAGE,
  type CliCommand,
  type CliIO,
} from './command';
import { cliCommands } from './commands';
import { APP_NAME, APP_VERSION } from '../shared/version';

function helpText(): string {
  const width = Math.max(...cliCommands.map((c) => c.name.length));
  return [
    `medparse ${APP_VERSION}: ${APP_NAME} from the command line (research use only, not for clinical use)`,
    '',
    'Usage: medparse <command> [options]',
    '',
    'Commands:',
    ...cliCommands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'medparse <command> --help' (or 'medparse help <command>') for a command's options.",
    '',
    'Output: results on stdout as JSON (parse, parse-folder, batch-prepare and batch-import print',
    'a human summary unless given --json; mcp speaks the protocol there); messages on stderr,',
    'with a progress line when stderr is a terminal.',
    '',
    `Exit codes: ${EXIT_OK.code} ${EXIT_OK.meaning}; ${EXIT_USAGE.code} usage error (every command); 1 when:`,
    ...cliCommands.map(
      (c) => `  ${c.name.padEnd(width)}  ${c.exitCodes.find((e) => e.code === 1)?.meaning ?? ''}`,
    ),
  ].join('\n');
}

/** A command's help: its usage, then what its exit codes mean. */
function commandHelp(command: CliCommand): string {
  return `${command.usage}\n\n${exitCodesText(command.exitCodes)}`;
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name) {
    // No command is a usage error: the help goes to stderr, stdout stays empty.
    io.err(helpText());
    return EXIT_USAGE.code;
  }
  if (name === 'help' && rest.length > 0) {
    const command = cliCommands.find((c) => c.name === rest[0]);
    if (!command) {
      io.err(`medparse: unknown command '${rest[0]}'.\n\n${helpText()}`);
      return EXIT_USAGE.code;
    }
    io.out(commandHelp(command));
    return 0;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return 0;
  }
  if (name === '--version' || name === '-v') {
    io.out(APP_VERSION);
    return 0;
  }
  const command = cliCommands.find((c) => c.name === name);
  if (!command) {
    io.err(`medparse: unknown command '${name}'.\n\n${helpText()}`);
    return EXIT_USAGE.code;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      // The mistake first (one line, what scripts and people look at), then the help.
      io.err(`medparse ${name}: ${error.message}.`);
      io.err(`\n${commandHelp(command)}`);
      return EXIT_USAGE.code;
    }
    io.err(`medparse ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  } finally {
    io.progress?.done();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`medparse: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
