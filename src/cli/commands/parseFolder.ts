import fs from 'node:fs';
import path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import {
  cancelOnInterrupt,
  folderTargets,
  modalityOption,
  oneFolder,
  printImageProblems,
  runCounts,
  TARGET_OPTIONS,
  TARGET_USAGE,
} from '../folderOptions';
import { progressLine } from '../progress';
import { ENDPOINT_OPTIONS, ENDPOINT_USAGE, endpointSpec, openEndpoint } from '../endpointOptions';
import { progressText, runFolderBatch } from '../../batch/folderBatch';
import { endpointFolderDeps } from '../../batch/folderDeps';
import { MODALITY_KEYS } from '../../shared/targets';

const usage = `Usage: medparse parse-folder <dir> (--prompt "<target> & <target>" | --recognize) --endpoint <url|demo> --out-dir <dir> [options]

Parses every supported image below <dir> (DICOM, NIfTI, PNG, JPEG, TIFF, BMP, WebP) as the
explorer's Parse Folder does: each image with its own modality (from its DICOM tags Modality /
BodyPartExamined, or its file name) unless --modality sets one for all; images that fit none are
skipped and listed. Each image's result goes to its own folder <out-dir>/<sub-folders>/<image file
name>.medimageparse (a later run with other targets: …-2); medimageparse-summary.csv and .json go
to <out-dir>. A second run resumes: images with a complete result for the same targets are
skipped, and what a killed run left half-written is removed.

Options:
${TARGET_USAGE}
${ENDPOINT_USAGE}
  --out-dir <dir>        Where results and the summary go (default: beside each image, and the
                         summary in <dir>).
  --modality <key>       One modality key for every image instead of each image's own:
${wrapKeys()}.
  --concurrency <n>      Images in flight at once (default 2, at most 16).
  --allow-burned-in      Also send images marked BurnedInAnnotation=YES (skipped otherwise).
  --json                 Print one JSON object on stdout instead of the human summary:
                         {"total", "parsed", "skipped", "failed", "skippedBy", "cancelled",
                         "summaryFiles", "failures": [{"image", "error"}]}.

Skipped images are not failures. Research use only; not for clinical use.`;

/** The modality keys, indented under their option, a few per line. */
function wrapKeys(): string {
  const lines: string[] = [];
  for (let i = 0; i < MODALITY_KEYS.length; i += 5)
    lines.push(' '.repeat(25) + MODALITY_KEYS.slice(i, i + 5).join(', '));
  return lines.join(',\n');
}

export const parseFolderCommand: CliCommand = {
  name: 'parse-folder',
  summary: 'Parse every image below a folder (resumable), with a CSV/JSON summary',
  usage,
  exitCodes: exitCodes('an image failed, or the run was interrupted (run it again to resume)'),
  async run(args, io) {
    const { values, positionals } = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...ENDPOINT_OPTIONS,
        ...TARGET_OPTIONS,
        'out-dir': { type: 'string' },
        modality: { type: 'string' },
        concurrency: { type: 'string' },
        'allow-burned-in': { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const folder = path.resolve(oneFolder(positionals));
    const targets = folderTargets(values);
    const modalityKey = modalityOption(values.modality);
    const concurrency = values.concurrency === undefined ? 2 : Number(values.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 16)
      throw new UsageError(`--concurrency must be a whole number from 1 to 16, got '${values.concurrency}'`);
    const spec = endpointSpec(values);
    const stat = await fs.promises.stat(folder).catch(() => undefined);
    if (!stat?.isDirectory()) throw new Error(`${folder}: ${stat ? 'is not a folder' : 'no such folder'}`);
    const outDir = values['out-dir'] ? path.resolve(values['out-dir']) : undefined;
    const outStat = outDir ? await fs.promises.stat(outDir).catch(() => undefined) : undefined;
    if (outStat && !outStat.isDirectory()) throw new Error(`${outDir}: exists and is not a folder`);

    const endpoint = await openEndpoint(spec, io);
    try {
      return await cancelOnInterrupt(async (signal) => {
        if (endpoint.isDemo)
          io.err('Demo endpoint: results are the samples\u2019 reference annotations, not model output.');
        let lastLine = '';
        const progress = progressLine(io);
        const outcome = await runFolderBatch(
          folder,
          endpointFolderDeps({
            client: endpoint.client,
            endpointName: endpoint.endpointName,
            deployment: spec.deployment,
            endpointUrl: endpoint.reportUrl,
          }),
          {
            targets,
            modalityKey,
            concurrency,
            outDir,
            allowBurnedIn: !!values['allow-burned-in'],
            signal,
            onProgress: (p) => {
              const line = `${p.done}/${p.total} · ${progressText(p)}`;
              if (spec.verbose && line !== lastLine) io.err(line);
              else progress.update(line);
              lastLine = line;
            },
          },
        );
        progress.done();
        printImageProblems(io, outcome.rows, (image) => path.relative(folder, image));
        if (values.json) {
          io.out(
            JSON.stringify({
              ...runCounts(outcome),
              summaryFiles: outcome.summaryFiles,
              failures: [
                ...new Map(
                  outcome.rows.filter((r) => r.status === 'failed').map((r) => [r.image, r.error ?? '']),
                ),
              ].map(([image, error]) => ({ image, error })),
            }),
          );
          return outcome.failed > 0 || outcome.cancelled ? 1 : 0;
        }
        io.out(
          `${outcome.total} image(s): ${progressText(outcome)}${outcome.cancelled ? ' (interrupted: run again to resume)' : ''}`,
        );
        io.out(`summary: ${outcome.summaryFiles.join(', ')}`);
        return outcome.failed > 0 || outcome.cancelled ? 1 : 0;
      });
    } finally {
      await endpoint.close();
    }
  },
};
