import { promises as fs } from 'node:fs';
import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import { ImagingError } from '../../imaging';
import { describeImageFile, describeSeriesFolder } from '../../imaging/describe';
import { findSeries } from '../../imaging/series';

const usage = `Usage: medparse inspect <file | DICOM series folder> [--series <SeriesInstanceUID>]

Prints one JSON object describing the image or volume, without sending anything:
  kind       "image" or "volume"
  width, height   of one slice, in pixels, as the viewer shows it and the model receives it
  slices     slices along the third axis (1 for a 2D image)
  frames     frames of a multi-frame DICOM, or time points of a 4D NIfTI (1 otherwise)
  spacing    [x, y, z] mm along the voxel axes of the affine
  affine     4x4 voxel-to-world matrix, RAS+, row-major (an array of 4 arrays); null when unknown
  modality   the DICOM Modality, or null
  seriesInstanceUid   (DICOM) the series inspected
  warnings   missing slices, uneven spacing, gantry tilt ... (series folders)

A folder is read as a DICOM series: the one with the most slices, unless --series names another
(the other series found are listed in "otherSeries"). Slices are ordered by ImagePositionPatient
along the slice normal and their spacing comes from those positions.

Options:
  --series <UID>         For a folder with several series: which one.
  --json                 Accepted for the same shape as every command: the output is JSON already.`;

export const inspectCommand: CliCommand = {
  name: 'inspect',
  summary: 'Describe an image, a volume or a DICOM series folder as JSON (size, slices, spacing, affine)',
  usage,
  exitCodes: exitCodes('the file or folder could not be read, or holds no readable image or series'),
  async run(args, io) {
    const { values, positionals } = parseCliArgs({
      args,
      allowPositionals: true,
      options: { series: { type: 'string' }, json: { type: 'boolean' } },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one file or folder');
    const input = positionals[0];
    const stat = await fs.stat(input).catch(() => {
      throw new ImagingError(input, 'no such file or folder');
    });
    const description = stat.isDirectory()
      ? describeSeriesFolder(input, await findSeries(input), values.series)
      : await describeImageFile(input);
    io.out(JSON.stringify(description, null, 2));
    return 0;
  },
};
