import fs from 'node:fs';
import path from 'node:path';
import { parseCliArgs, UsageError, type CliCommand, type CliIO } from '../command';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { EndpointClient } from '../../endpoint/client';
import { endpointConfig, type EndpointProtocol } from '../../endpoint/config';
import type { Logger } from '../../endpoint/logger';
import { Redactor } from '../../endpoint/redactor';
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
  --endpoint <url>       Scoring URI (https://…/score, or http://localhost…); 'demo' starts the local
                         demo endpoint (reference annotations of the shipped samples, no account needed).
  --key-env <VAR>        Name of the environment variable that holds the endpoint key or token
                         (the key itself is never taken from the command line).
  --deployment <name>    Sent as azureml-model-deployment.
  --protocol <p>         azureml (default) or mlflow (default when the URL ends in /invocations).
  --intensity <spec>     auto (default), percentile, ct:<abdomen|lung|pelvis|liver|colon|pancreas>,
                         window:<lower>,<upper>, none.
  --slice <n>, --frame <n>  Slice of a volume / frame of a multi-frame image or 4D NIfTI.
  --modality <key>       Modality key for the invalid-prompt check (CT-Abdomen, X-Ray-Chest, Pathology…).
  --out-dir <dir>        Where to write (default: a folder named after the image, next to it).
  --timeout <seconds>    Per attempt (default 90).
  --allow-burned-in      Send a DICOM marked BurnedInAnnotation=YES (check it shows no patient data).
  --verbose              Log requests and retries to stderr.

Research use only; not for clinical use.`;

function ioLogger(io: CliIO, verbose: boolean): Logger {
  const quiet = () => undefined;
  return {
    trace: quiet,
    debug: verbose ? (m) => io.err(`debug: ${m}`) : quiet,
    info: verbose ? (m) => io.err(`info: ${m}`) : quiet,
    warn: (m) => io.err(`warning: ${m}`),
    error: verbose ? (m) => io.err(`error: ${m}`) : quiet,
  };
}

function integerOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new UsageError(`${name} must be a whole number ≥ 0, got '${value}'`);
  return n;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** The shipped samples: next to dist/ when bundled, at the repository root under tsx. */
function samplesDir(): string {
  const candidates = [
    path.resolve(__dirname, '../media/samples'),
    path.resolve(__dirname, '../../../media/samples'),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'demo')));
  if (!found) throw new Error(`the demo endpoint's samples are missing (looked in ${candidates.join(', ')})`);
  return found;
}

export const parseCommand: CliCommand = {
  name: 'parse',
  summary: 'Send an image with text prompts to an endpoint and write one mask per prompt',
  usage,
  async run(args, io) {
    const parsed = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        prompt: { type: 'string', multiple: true },
        endpoint: { type: 'string' },
        'key-env': { type: 'string' },
        deployment: { type: 'string' },
        protocol: { type: 'string' },
        intensity: { type: 'string' },
        slice: { type: 'string' },
        frame: { type: 'string' },
        'out-dir': { type: 'string' },
        timeout: { type: 'string' },
        'allow-burned-in': { type: 'boolean' },
        modality: { type: 'string' },
        verbose: { type: 'boolean' },
      },
    });
    const { values, positionals } = parsed;
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length ? `expected one image, got ${positionals.length}` : 'no image given',
      );
    const file = path.resolve(positionals[0]);
    const prompts = (values.prompt ?? []).flatMap((p) => p.split('&')).map((p) => p.trim());
    if (prompts.length === 0 || prompts.some((p) => !p))
      throw new UsageError('--prompt needs one or more non-empty targets separated by "&"');
    if (!values.endpoint) throw new UsageError('--endpoint is required (a scoring URI, or "demo")');
    let intensity: IntensitySpec | undefined;
    try {
      intensity = values.intensity ? parseIntensitySpec(values.intensity) : undefined;
    } catch (error) {
      throw new UsageError(`--intensity: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (values.protocol && values.protocol !== 'azureml' && values.protocol !== 'mlflow')
      throw new UsageError(`--protocol must be azureml or mlflow, got '${values.protocol}'`);
    const timeoutS = values.timeout === undefined ? 90 : Number(values.timeout);
    if (!(timeoutS > 0))
      throw new UsageError(`--timeout must be a positive number of seconds, got '${values.timeout}'`);
    const slice = integerOption(values.slice, '--slice');
    const frame = integerOption(values.frame, '--frame');

    let authorization: string | undefined;
    const keyVar = values['key-env'];
    if (keyVar !== undefined) {
      const key = process.env[keyVar]?.trim();
      if (!key) throw new Error(`the environment variable ${keyVar} (--key-env) is not set or empty`);
      authorization = /^(bearer|basic)\s/i.test(key) ? key : `Bearer ${key}`;
    }
    const redactor = new Redactor();
    redactor.addSecret(authorization);

    const image = await openImage(file, { slice, frame });
    // Before anything is sent: the user asked for a slice or frame this image does not have.
    const notApplicable = inapplicableIndex(image, slice, frame);
    if (notApplicable) throw new ImagingError(file, notApplicable);
    if (image.burnedInAnnotation && !values['allow-burned-in']) {
      throw new Error(
        `${file}: marked BurnedInAnnotation=YES; its pixels may identify the patient. Check it and pass --allow-burned-in to send it anyway`,
      );
    }
    // Default: the exporter's folder named after the image, next to it.
    const outDir = values['out-dir'] ? path.resolve(values['out-dir']) : undefined;
    let demo: DemoServer | undefined;
    const logger = ioLogger(io, !!values.verbose);
    try {
      if (values.endpoint === 'demo') demo = await startDemoServer({ samplesDir: samplesDir(), log: logger });
      const url = demo?.url ?? values.endpoint;
      const protocol: EndpointProtocol =
        (values.protocol as EndpointProtocol | undefined) ??
        (/\/invocations\/?$/.test(url) ? 'mlflow' : 'azureml');
      const endpointName = demo ? 'demo' : hostOf(url);
      const client = new EndpointClient(
        endpointConfig({
          name: endpointName,
          url,
          protocol,
          deployment: values.deployment,
          timeoutMs: timeoutS * 1000,
        }),
        { getAuthorization: async () => authorization, logger, redactor },
      );
      const started = performance.now();
      // The same pipeline and exporter as the extension: model input, call, masks back on the
      // source pixels, analysis, then masks + label map + report (+ SEG / NIfTI) written atomically.
      const result = await parseImage(image, client, {
        endpointName,
        deployment: values.deployment,
        prompts,
        intensity,
        modalityKey: values.modality,
      });
      const exported = await exportParseResult(image, result, {
        outDir,
        endpointUrl: demo ? undefined : url,
      });
      const latencyMs = performance.now() - started;

      if (result.source === 'demo-reference')
        io.out('Demo endpoint: these are the samples\u2019 reference annotations, not model output.');
      for (const t of exported.report.targets) {
        io.out(
          `${t.name}: ${t.area} pixel(s) → ${t.maskFile ? path.join(exported.dir, t.maskFile) : '(no mask file)'}`,
        );
      }
      io.out(`report: ${path.join(exported.dir, 'report.json')} (${Math.round(latencyMs)} ms)`);
      return 0;
    } finally {
      await demo?.close();
    }
  },
};
