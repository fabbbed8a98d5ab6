import type { CliCommand } from '../command';

// Placeholder until the issue that implements it lands: it fails loudly rather than pretending.
export const pvalueCommand: CliCommand = {
  name: 'pvalue',
  summary: 'Invalid-prompt check: adjusted p-value of a probability mask for a target',
  usage: 'medparse pvalue (not available in this build yet)',
  async run(_args, io) {
    io.err('medparse pvalue: not available in this build yet');
    return 1;
  },
};
