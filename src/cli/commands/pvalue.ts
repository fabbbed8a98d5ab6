import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import { readMask, readRaster } from '../../analysis/rasterIO';
import { assessTarget, maskFound, DEFAULT_P_THRESHOLD } from '../../analysis/pvalue';

const usage = `Usage: medparse pvalue --image <model-input.png> --mask <prob8.png> --modality <key> --target <name> [--p-threshold <x>]

Invalid-prompt check: the adjusted p-value of a probability mask (0-255, value/255 = probability)
against the target's reference distribution for the modality key (CT-Abdomen, X-Ray-Chest, ...).
The image is the 1024x1024 model input the mask was predicted on.

Prints JSON: { "pValue": number | null (null: not assessed), "found": boolean,
               "status": "valid" | "likely-absent" | "not-found" | "not-assessed", ... }

Options:
  --json                 Accepted for the same shape as every command: the output is JSON already.`;

export const pvalueCommand: CliCommand = {
  name: 'pvalue',
  summary: 'Invalid-prompt check: adjusted p-value of a probability mask for a target',
  usage,
  exitCodes: exitCodes('an input could not be read, or the mask and the image differ in size'),
  async run(args, io) {
    const { values } = parseCliArgs({
      args,
      options: {
        image: { type: 'string' },
        mask: { type: 'string' },
        modality: { type: 'string' },
        target: { type: 'string' },
        'p-threshold': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    for (const name of ['image', 'mask', 'modality', 'target'] as const) {
      if (!values[name]) throw new UsageError(`--${name} is required`);
    }
    const pThreshold =
      values['p-threshold'] === undefined ? DEFAULT_P_THRESHOLD : Number(values['p-threshold']);
    if (!Number.isFinite(pThreshold) || pThreshold < 0 || pThreshold > 1) {
      throw new UsageError(`--p-threshold must be a number between 0 and 1, got '${values['p-threshold']}'`);
    }
    const image = await readRaster(values.image!);
    const { mask, width, height } = await readMask(values.mask!);
    if (width !== image.width || height !== image.height) {
      throw new Error(
        `${values.mask}: mask is ${width}×${height} but the image is ${image.width}×${image.height}`,
      );
    }
    const verdict = assessTarget(image.data, mask, values.modality!, values.target!, { pThreshold });
    io.out(
      JSON.stringify(
        {
          modality: values.modality,
          target: values.target,
          pValue: verdict.pValue,
          found: maskFound(mask),
          status: verdict.status,
          pThreshold,
        },
        null,
        2,
      ),
    );
    return 0;
  },
};
