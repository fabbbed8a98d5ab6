import type { CliCommand } from '../command';

// Placeholder until the issue that implements it lands: it fails loudly rather than pretending.
export const parseCommand: CliCommand = {
  name: 'parse',
  summary: 'Send an image with text prompts to an endpoint and write one mask per prompt',
  usage: 'medparse parse (not available in this build yet)',
  async run(_args, io) {
    io.err('medparse parse: not available in this build yet');
    return 1;
  },
};
