import type { CliCommand } from '../command';

// Placeholder until the issue that implements it lands: it fails loudly rather than pretending.
export const preprocessCommand: CliCommand = {
  name: 'preprocess',
  summary: 'Prepare the 1024x1024 model input PNG of images (DICOM, NIfTI, PNG, JPEG, ...)',
  usage: 'medparse preprocess (not available in this build yet)',
  async run(_args, io) {
    io.err('medparse preprocess: not available in this build yet');
    return 1;
  },
};
