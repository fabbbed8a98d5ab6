import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../../export/atomic';
import * as path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import { progressLine } from '../progress';
import {
  ImagingError,
  openImage,
  parseIntensitySpec,
  prepareModelInput,
  type IntensitySpec,
} from '../../imaging';
import { inapplicableIndex } from './indices';

const usage = `Usage: medparse preprocess <file>... --out-dir <dir> [options]

Writes <dir>/<file name>.model-input.png, the 1024x1024 RGB PNG the model receives, for each
input (two inputs with the same file name from different folders get <file name>-2.model-input.png,
and so on, in the order given) (DICOM, NIfTI .nii/.nii.gz, PNG, JPEG, TIFF, BMP, WebP), and prints one JSON line per input:
{"input", "ok", "output", "width", "height", ...} or {"input", "ok": false, "error"}.

Options:
  --out-dir <dir>        where to write (created if missing)
  --intensity <spec>     percentile | ct:<site> | window:<lower>,<upper> | none | auto (default)
                         sites: abdomen, lung, pelvis, liver, colon, pancreas
                         auto: CT DICOM -> ct:abdomen, other DICOM/NIfTI -> percentile, images as they are
  --slice <n>            slice of a volume (third axis; default: the middle slice); with several
                         inputs, 2D images among them are prepared as they are, with a warning
  --frame <n>            frame of a multi-frame DICOM or time point of a 4D NIfTI (default 0)
  --json                 Accepted for the same shape as every command: the output is JSON already.`;

function parseIndex(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`--${name} needs a non-negative integer, got '${value}'`);
  return Number(value);
}

export const preprocessCommand: CliCommand = {
  name: 'preprocess',
  summary: 'Prepare the 1024x1024 model input PNG of images (DICOM, NIfTI, PNG, JPEG, ...)',
  usage,
  exitCodes: exitCodes(
    'an input could not be prepared (the others are still written; its JSON line says why)',
  ),
  async run(args, io) {
    const parsed = parseCliArgs({
      args,
      allowPositionals: true,
      options: {
        'out-dir': { type: 'string' },
        intensity: { type: 'string' },
        slice: { type: 'string' },
        frame: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length === 0) throw new UsageError('no input files');
    const outDir = values['out-dir'];
    if (!outDir) throw new UsageError('--out-dir is required');
    let intensity: IntensitySpec = { kind: 'auto' };
    if (values.intensity !== undefined) {
      try {
        intensity = parseIntensitySpec(values.intensity);
      } catch (error) {
        throw new UsageError(`--intensity: ${(error as Error).message}`);
      }
    }
    const slice = parseIndex('slice', values.slice);
    const frame = parseIndex('frame', values.frame);
    await fs.mkdir(outDir, { recursive: true });

    const outputs = outputNames(positionals).map((name) => path.join(outDir, name));
    let failures = 0;
    const progress = progressLine(io);
    for (const [i, input] of positionals.entries()) {
      const output = outputs[i];
      if (positionals.length > 1) progress.update(`${i + 1}/${positionals.length} ${input}`);
      try {
        const image = await openImage(input, { slice, frame });
        // With one input the index can only have been meant for it: an error. Several inputs
        // share one --slice (meant for the volumes among them): a 2D image is still prepared,
        // with a warning on stderr that the index did not apply to it.
        const notApplicable = inapplicableIndex(image, slice, frame);
        if (notApplicable && positionals.length === 1) throw new ImagingError(input, notApplicable);
        if (notApplicable) io.err(`warning: ${input}: ${notApplicable}; prepared the image as it is`);
        for (const warning of image.warnings ?? []) io.err(`warning: ${input}: ${warning}`);
        const modelInput = await prepareModelInput(image, intensity);
        await writeFileAtomic(output, modelInput.png, { protect: [input] });
        io.out(
          JSON.stringify({
            input,
            ok: true,
            output,
            width: image.width,
            height: image.height,
            format: image.format,
            channels: image.channels,
            ...(image.slice ? { slice: image.slice } : {}),
            ...(image.frame ? { frame: image.frame } : {}),
            ...(image.pixelSpacing ? { pixelSpacing: image.pixelSpacing } : {}),
            ...(image.modalityHint ? { modality: image.modalityHint } : {}),
            burnedInAnnotation: image.burnedInAnnotation,
            geometry: modelInput.geometry,
          }),
        );
      } catch (error) {
        failures++;
        const message =
          error instanceof ImagingError
            ? error.message
            : `${input}: ${error instanceof Error ? error.message : String(error)}`;
        io.out(JSON.stringify({ input, ok: false, error: message.replace(/\s+/g, ' ') }));
      }
    }
    return failures > 0 ? 1 : 0;
  },
};

/**
 * One output name per input, never the same for two different inputs (a/x.png and b/x.png):
 * later ones get a number, case-insensitively so that the names also differ on macOS and Windows.
 * The same file given twice maps to the same output.
 */
function outputNames(inputs: readonly string[]): string[] {
  const byInput = new Map<string, string>();
  const used = new Set<string>();
  return inputs.map((input) => {
    const resolved = path.resolve(input);
    const known = byInput.get(resolved);
    if (known) return known;
    const base = path.basename(input);
    let name = `${base}.model-input.png`;
    for (let n = 2; used.has(name.toLowerCase()); n++) name = `${base}-${n}.model-input.png`;
    used.add(name.toLowerCase());
    byInput.set(resolved, name);
    return name;
  });
}
