import path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand, promptsFromArgs } from '../command';
import { progressLine } from '../progress';
import { ENDPOINT_OPTIONS, ENDPOINT_USAGE, endpointSpec, openEndpoint } from '../endpointOptions';
import { checkFolderTarget, exportFolderTarget } from '../../export';
import { ImagingError, openImage, parseIntensitySpec, type IntensitySpec } from '../../imaging';
import { inapplicableIndex } from './indices';
import { exportParseResult } from '../../pipeline/exportResult';
import { parseImage } from '../../pipeline/parse';

const usage = `Usage: medparse parse <image> --prompt "<target> & <target>" --endpoint <url|demo> [options]

Sends the image (DICOM, NIfTI slice, PNG, JPEG, ...) prepared as the 1024x1024 model input to a
MedImageParse endpoint and writes one mask per prompt at the image's own resolution (PNG, 0/255,
thresholded at probability 0.5), named after the prompt, a label map and report.json
(plus a DICOM SEG or NIfTI labels for DICOM and NIfTI sources).

Options:
  --prompt <text>        Targets, separated by '&' (repeatable).
${ENDPOINT_USAGE}
  --intensity <spec>     auto (default), percentile, ct:<abdomen|lung|pelvis|liver|colon|pancreas>,
                         window:<lower>,<upper>, none.
  --slice <n>, --frame <n>  Slice of a volume / frame of a multi-frame image or 4D NIfTI.
  --modality <key>       Modality key for the invalid-prompt check (CT-Abdomen, X-Ray-Chest, Pathology…).
  --out-dir <dir>        Exactly this folder, new or empty (default: <image file name>.medimageparse
                         next to the image, or its first free numbered sibling …-2, …-3).
  --overwrite            With --out-dir: replace the previous result in that folder as a whole.
  --allow-burned-in      Send a DICOM marked BurnedInAnnotation=YES (check it shows no patient data).
  --json                 Print one JSON object on stdout instead of the human summary:
                         {"output", "report", "source", "latencyMs", "targets": [{"name", "area",
                         "areaMm2", "instances", "pValue", "validity", "label", "mask"}]}; notes go
                         to stderr.

Everything that can refuse the run (options, the image, the output folder) is checked before
anything is sent.

Research use only; not for clinical use.`;

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0, got '${value}'`);
  return n;
}

export const parseCommand: CliCommand = {
  name: 'parse',
  summary: 'Send an image with text prompts to an endpoint and write one mask per prompt',
  usage,
  exitCodes: exitCodes('the run failed (the image, the endpoint or the output folder); nothing was written'),
  async run(args, io) {
    const parsed = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...ENDPOINT_OPTIONS,
        prompt: { type: 'string', multiple: true },
        intensity: { type: 'string' },
        slice: { type: 'string' },
        frame: { type: 'string' },
        'out-dir': { type: 'string' },
        overwrite: { type: 'boolean' },
        'allow-burned-in': { type: 'boolean' },
        modality: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length ? `expected one image, got ${positionals.length}` : 'no image given',
      );
    const file = path.resolve(positionals[0]);
    const prompts = promptsFromArgs(values.prompt);
    if (prompts.length === 0 || prompts.some((p) => !p))
      throw new UsageError('--prompt needs one or more non-empty targets separated by "&"');
    const spec = endpointSpec(values);
    let intensity: IntensitySpec | undefined;
    try {
      intensity = values.intensity ? parseIntensitySpec(values.intensity) : undefined;
    } catch (error) {
      throw new UsageError(`--intensity: ${error instanceof Error ? error.message : String(error)}`);
    }
    const slice = integerOption(values.slice, '--slice');
    const frame = integerOption(values.frame, '--frame');
    if (values.overwrite && !values['out-dir'])
      throw new UsageError('--overwrite needs --out-dir (without it every run gets its own folder)');

    const image = await openImage(file, { slice, frame });
    // Before anything is sent: the user asked for a slice or frame this image does not have.
    const notApplicable = inapplicableIndex(image, slice, frame);
    if (notApplicable) throw new ImagingError(file, notApplicable);
    for (const warning of image.warnings ?? []) io.err(`warning: ${file}: ${warning}`);
    if (image.burnedInAnnotation && !values['allow-burned-in']) {
      throw new Error(
        `${file}: marked BurnedInAnnotation=YES; its pixels may identify the patient. Check it and pass --allow-burned-in to send it anyway`,
      );
    }
    // The output folder is checked now, not after the endpoint has answered.
    const outDir = values['out-dir'] ? path.resolve(values['out-dir']) : undefined;
    await checkFolderTarget(exportFolderTarget({ source: { file }, outDir, overwrite: values.overwrite }));
    const endpoint = await openEndpoint(spec, io);
    const progress = progressLine(io);
    try {
      const started = performance.now();
      // The same pipeline and exporter as the extension: model input, call, masks back on the
      // source pixels, analysis, then masks + label map + report (+ SEG / NIfTI) as one folder.
      const result = await parseImage(
        image,
        endpoint.client,
        {
          endpointName: endpoint.endpointName,
          deployment: spec.deployment,
          prompts,
          intensity,
          modalityKey: values.modality,
        },
        { onProgress: (message) => progress.update(message) },
      );
      progress.update('Writing the result folder…');
      const exported = await exportParseResult(image, result, {
        outDir,
        overwrite: values.overwrite,
        endpointUrl: endpoint.reportUrl,
      });
      const latencyMs = performance.now() - started;
      progress.done();
      const reportFile = exported.report.files.find((f) => f.startsWith('report')) ?? 'report.json';

      if (values.json) {
        if (result.source === 'demo-reference')
          io.err('Demo endpoint: these are the samples\u2019 reference annotations, not model output.');
        io.out(
          JSON.stringify({
            output: exported.dir,
            report: path.join(exported.dir, reportFile),
            source: result.source,
            latencyMs: Math.round(latencyMs),
            targets: exported.report.targets.map((t) => ({
              name: t.name,
              area: t.area,
              ...(t.areaMm2 !== undefined ? { areaMm2: t.areaMm2 } : {}),
              instances: t.instances,
              pValue: t.pValue,
              validity: t.validity,
              label: t.label,
              mask: t.maskFile ? path.join(exported.dir, t.maskFile) : null,
            })),
          }),
        );
        return 0;
      }
      // The human summary (the default, kept as it was for the scripts that read it).
      if (result.source === 'demo-reference')
        io.out('Demo endpoint: these are the samples\u2019 reference annotations, not model output.');
      for (const t of exported.report.targets) {
        io.out(
          `${t.name}: ${t.area} pixel(s) → ${t.maskFile ? path.join(exported.dir, t.maskFile) : '(no mask file)'}`,
        );
      }
      io.out(`report: ${path.join(exported.dir, reportFile)} (${Math.round(latencyMs)} ms)`);
      return 0;
    } finally {
      await endpoint.close();
    }
  },
};
