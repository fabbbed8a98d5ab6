import fs from 'node:fs';
import path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import { encodeGrayPng, readMask, readRaster } from '../../analysis/rasterIO';
import { recognize } from '../../analysis/recognition';
import { writeFileAtomic } from '../../export/atomic';

const usage = `Usage: medparse recognize --image <model-input.png> --modality <key> --mask "<target>=<prob8.png>"... [--p-threshold <x>] --out-dir <dir>

Recognition: combines per-target probability maps (0-255, predicted on the 1024x1024 model input
<image>) into one label map as the reference does: optional p-value filter, overlap suppression,
combination. Writes <dir>/labels.png (label i+1 = i-th name of "labels", 0 = background; names
sorted) and prints JSON with labels, areas (pixels), pValues, kept, rejected, suppressed, discarded.

Options:
  --json                 Accepted for the same shape as every command: the output is JSON already.`;

export const recognizeCommand: CliCommand = {
  name: 'recognize',
  summary: 'Recognition: combine per-target probability maps into one label map',
  usage,
  exitCodes: exitCodes('an input could not be read, or the label map could not be written'),
  async run(args, io) {
    const { values } = parseCliArgs({
      args,
      options: {
        image: { type: 'string' },
        modality: { type: 'string' },
        mask: { type: 'string', multiple: true },
        'p-threshold': { type: 'string' },
        'out-dir': { type: 'string' },
        json: { type: 'boolean' },
      },
      strict: true,
    });
    if (!values.image) throw new UsageError('--image is required');
    if (!values.modality) throw new UsageError('--modality is required');
    if (!values['out-dir']) throw new UsageError('--out-dir is required');
    if (!values.mask || values.mask.length === 0)
      throw new UsageError('at least one --mask "<target>=<file>" is required');
    let pThreshold: number | undefined;
    if (values['p-threshold'] !== undefined) {
      pThreshold = Number(values['p-threshold']);
      if (!Number.isFinite(pThreshold) || pThreshold < 0 || pThreshold > 1) {
        throw new UsageError(
          `--p-threshold must be a number between 0 and 1, got '${values['p-threshold']}'`,
        );
      }
    }
    const specs = values.mask.map((spec) => {
      const eq = spec.indexOf('=');
      if (eq <= 0 || eq === spec.length - 1)
        throw new UsageError(`--mask '${spec}' is not of the form <target>=<file>`);
      return { target: spec.slice(0, eq).trim(), file: spec.slice(eq + 1) };
    });
    const seen = new Set<string>();
    for (const s of specs) {
      if (seen.has(s.target)) throw new UsageError(`--mask names target '${s.target}' twice`);
      seen.add(s.target);
    }

    const image = await readRaster(values.image);
    const maps = new Map<string, Uint8Array>();
    for (const s of specs) {
      const m = await readMask(s.file);
      if (m.width !== image.width || m.height !== image.height) {
        throw new Error(
          `${s.file}: mask is ${m.width}×${m.height} but the image is ${image.width}×${image.height}`,
        );
      }
      maps.set(s.target, m.mask);
    }
    const result = recognize(image.data, maps, { modalityKey: values.modality, pThreshold });

    const outDir = path.resolve(values['out-dir']);
    fs.mkdirSync(outDir, { recursive: true });
    const labelsPng = path.join(outDir, 'labels.png');
    await writeFileAtomic(labelsPng, await encodeGrayPng(result.labelMap, image.width, image.height));
    io.out(
      JSON.stringify(
        {
          modality: values.modality,
          labels: result.labels,
          areas: result.areas,
          pValues: result.pValues,
          kept: result.kept,
          rejected: result.rejected,
          suppressed: result.suppressed,
          discarded: result.discarded,
          pThreshold: pThreshold ?? null,
          labelsPng,
        },
        null,
        2,
      ),
    );
    return 0;
  },
};
