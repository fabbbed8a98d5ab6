import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { UsageError, type CliCommand, type CliIO } from '../command';
import { startDemoServer, type DemoServer } from '../../demo/server';
import { EndpointClient } from '../../endpoint/client';
import { endpointConfig, type EndpointProtocol } from '../../endpoint/config';
import type { Logger } from '../../endpoint/logger';
import { Redactor } from '../../endpoint/redactor';
import { writeFilesAtomic } from '../../export/atomic';
import { uniqueFileStems } from '../../export/names';
import { redactUrl } from '../../export/report';
import {
  maskToSource,
  openImage,
  parseIntensitySpec,
  prepareModelInput,
  type IntensitySpec,
} from '../../imaging';
import { APP_NAME, APP_VERSION } from '../../shared/version';

const usage = `Usage: medparse parse <image> --prompt "<target> & <target>" --endpoint <url|demo> [options]

Sends the image (DICOM, NIfTI slice, PNG, JPEG, ...) prepared as the 1024x1024 model input to a
MedImageParse endpoint and writes one mask per prompt at the image's own resolution (PNG, 0/255,
thresholded at probability 0.5), named after the prompt, plus report.json.

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
  --out-dir <dir>        Where to write (default: <image name>_masks next to the image).
  --timeout <seconds>    Per attempt (default 90).
  --allow-burned-in      Send a DICOM marked BurnedInAnnotation=YES (check it shows no patient data).
  --verbose              Log requests and retries to stderr.

Research use only; not for clinical use.`;

const MASK_THRESHOLD = 127.5;

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
    let parsed;
    try {
      parsed = parseArgs({
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
          verbose: { type: 'boolean' },
        },
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
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
    if (image.burnedInAnnotation && !values['allow-burned-in']) {
      throw new Error(
        `${file}: marked BurnedInAnnotation=YES; its pixels may identify the patient. Check it and pass --allow-burned-in to send it anyway`,
      );
    }
    const outDir = path.resolve(
      values['out-dir'] ?? path.join(path.dirname(file), `${path.parse(file).name}_masks`),
    );
    const input = await prepareModelInput(image, intensity);

    let demo: DemoServer | undefined;
    const logger = ioLogger(io, !!values.verbose);
    try {
      if (values.endpoint === 'demo') demo = await startDemoServer({ samplesDir: samplesDir(), log: logger });
      const url = demo?.url ?? values.endpoint;
      const protocol: EndpointProtocol =
        (values.protocol as EndpointProtocol | undefined) ??
        (/\/invocations\/?$/.test(url) ? 'mlflow' : 'azureml');
      const client = new EndpointClient(
        endpointConfig({
          name: demo ? 'demo' : hostOf(url),
          url,
          protocol,
          deployment: values.deployment,
          timeoutMs: timeoutS * 1000,
        }),
        {
          getAuthorization: async () => authorization,
          logger,
          redactor,
        },
      );
      const started = performance.now();
      // Retries are reported by the logger's warnings.
      const [result] = await client.parse([{ png: input.png, prompts }]);
      const latencyMs = performance.now() - started;

      const stems = uniqueFileStems(prompts, ['report']);
      const files: { path: string; data: Uint8Array }[] = [];
      const targets = [];
      for (const [k, mask] of result.masks.entries()) {
        const probability = maskToSource(mask.data, input.geometry);
        const binary = new Uint8Array(probability.length);
        let area = 0;
        let max = 0;
        for (let i = 0; i < probability.length; i++) {
          if (probability[i] > max) max = probability[i];
          if (probability[i] > MASK_THRESHOLD) {
            binary[i] = 255;
            area++;
          }
        }
        // Without toColourspace('b-w') sharp 0.35 writes a one-channel raw buffer as an RGB PNG.
        const png = await sharp(binary, { raw: { width: image.width, height: image.height, channels: 1 } })
          .toColourspace('b-w')
          .png()
          .toBuffer();
        const maskFile = `${stems[k]}.png`;
        files.push({ path: path.join(outDir, maskFile), data: png });
        targets.push({
          prompt: mask.prompt,
          label: mask.label,
          maskFile,
          area,
          maxProbability: Math.round((max / 255) * 1000) / 1000,
        });
      }
      const report = {
        app: { name: APP_NAME, version: APP_VERSION },
        createdAt: new Date().toISOString(),
        source: {
          file,
          format: image.format,
          width: image.width,
          height: image.height,
          slice: image.slice,
          frame: image.frame,
        },
        intensity: values.intensity ?? 'auto',
        endpoint: { url: demo ? 'demo' : redactUrl(url), protocol, deployment: values.deployment },
        resultSource: result.source,
        maskThreshold: MASK_THRESHOLD,
        latencyMs: Math.round(latencyMs),
        targets,
        notice:
          result.source === 'demo-reference'
            ? 'Reference annotations from the demo endpoint, not model output. Research use only; not for clinical use.'
            : 'Model output. Research use only; not for clinical use: it must not inform diagnosis or treatment.',
      };
      files.push({
        path: path.join(outDir, 'report.json'),
        data: Buffer.from(redactor.redact(JSON.stringify(report, null, 2)) + '\n'),
      });
      await fs.promises.mkdir(outDir, { recursive: true });
      await writeFilesAtomic(files, { protect: [file] });

      if (result.source === 'demo-reference')
        io.out('Demo endpoint: these are the samples\u2019 reference annotations, not model output.');
      for (const t of targets) io.out(`${t.prompt}: ${t.area} pixel(s) → ${path.join(outDir, t.maskFile)}`);
      io.out(`report: ${path.join(outDir, 'report.json')} (${Math.round(latencyMs)} ms)`);
      return 0;
    } finally {
      await demo?.close();
    }
  },
};
