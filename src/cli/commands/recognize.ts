import type { CliCommand } from '../command';

// Placeholder until the issue that implements it lands: it fails loudly rather than pretending.
export const recognizeCommand: CliCommand = {
  name: 'recognize',
  summary: 'Recognition: combine per-target probability maps into one label map',
  usage: 'medparse recognize (not available in this build yet)',
  async run(_args, io) {
    io.err('medparse recognize: not available in this build yet');
    return 1;
  },
};
