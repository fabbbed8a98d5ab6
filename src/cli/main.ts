import { processIO, UsageError, type CliIO } from './command';
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
    "Run 'medparse <command> --help' for a command's options.",
  ].join('\n');
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out(APP_VERSION);
    return 0;
  }
  const command = cliCommands.find((c) => c.name === name);
  if (!command) {
    io.err(`medparse: unknown command '${name}'. Run 'medparse --help' for the list.`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(command.usage);
    return 0;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`medparse ${name}: ${error.message}. Run 'medparse ${name} --help'.`);
      return 2;
    }
    io.err(`medparse ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
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
