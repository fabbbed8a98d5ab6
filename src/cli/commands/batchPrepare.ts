import path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import {
  cancelOnInterrupt,
  folderTargets,
  modalityOption,
  oneFolder,
  perImageProgress,
  TARGET_OPTIONS,
  TARGET_USAGE,
  VERBOSE_USAGE,
} from '../folderOptions';
import { progressLine } from '../progress';
import {
  DEFAULT_ROWS_PER_FILE,
  MAX_FILE_BYTES,
  MAX_MASKS_PER_FILE,
  MAX_ROWS_PER_FILE,
  prepareBatch,
} from '../../batch/batchEndpoint/prepare';

const usage = `Usage: medparse batch-prepare <dir> (--prompt "<target> & <target>" | --recognize) --out-dir <dir> [options]

Prepares every supported image below <dir> for an Azure Machine Learning batch endpoint running
MedImageParse, exactly as Parse Folder prepares it for the online endpoint (each image's own
modality or --modality, intensity, padding, resize to 1024²), and writes to <out-dir>:

  batch_input_001.csv, batch_input_002.csv, …   the input files of Microsoft's notebook
      (mip-deploy-batch-endpoint.ipynb): an unnamed index column, then "image" (base64 of the
      model-input PNG) and "text" (the targets joined with " & "); numbered with zero padding.
  manifest.json   ties each row to its source file, slice, geometry, prompts and the sha256 of
      its model input; 'medparse batch-import' needs it to read the predictions back.

Upload <out-dir> as a uri_folder data asset and invoke the endpoint with Azure's own tools, e.g.
  az ml batch-endpoint invoke --name <endpoint> --input <out-dir> --input-type uri_folder
then download named-outputs/score/predictions.csv and run 'medparse batch-import'.

Options:
${TARGET_USAGE}
  --out-dir <dir>        A new or empty folder for the input files and manifest.json (required).
  --modality <key>       One modality key for every image instead of each image's own.
  --rows-per-file <n>    Rows per input file (default ${DEFAULT_ROWS_PER_FILE}, at most ${MAX_ROWS_PER_FILE}). A file also closes
                         before it passes ${MAX_FILE_BYTES / 1024 / 1024} MB or ${MAX_MASKS_PER_FILE} masks: the deployment scores one
                         file in one call, within its mini-batch timeout and memory.
  --allow-burned-in      Also prepare images marked BurnedInAnnotation=YES (skipped otherwise).
${VERBOSE_USAGE}
  --json                 Print one JSON object on stdout instead of the human summary:
                         {"total", "prepared", "failed", "skipped", "rows", "inputFiles", "manifest"}.

Skipped images are not failures. Research use only; not for clinical use.`;

export const batchPrepareCommand: CliCommand = {
  name: 'batch-prepare',
  summary: 'Write the input CSV files and manifest for an Azure ML batch endpoint',
  usage,
  exitCodes: exitCodes('an image failed, or the run was interrupted (nothing is written then)'),
  async run(args, io) {
    const { values, positionals } = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        ...TARGET_OPTIONS,
        'out-dir': { type: 'string' },
        modality: { type: 'string' },
        'rows-per-file': { type: 'string' },
        'allow-burned-in': { type: 'boolean' },
        verbose: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    const folder = path.resolve(oneFolder(positionals));
    const targets = folderTargets(values);
    if (!values['out-dir']) throw new UsageError('--out-dir is required (a new or empty folder)');
    const modalityKey = modalityOption(values.modality);
    const rowsPerFile =
      values['rows-per-file'] === undefined ? DEFAULT_ROWS_PER_FILE : Number(values['rows-per-file']);
    if (!Number.isInteger(rowsPerFile) || rowsPerFile < 1 || rowsPerFile > MAX_ROWS_PER_FILE)
      throw new UsageError(
        `--rows-per-file must be a whole number from 1 to ${MAX_ROWS_PER_FILE}, got '${values['rows-per-file']}'`,
      );
    const progress = progressLine(io);
    return cancelOnInterrupt(async (signal) => {
      const outcome = await prepareBatch(folder, {
        targets,
        modalityKey,
        outDir: values['out-dir']!,
        rowsPerFile,
        allowBurnedIn: !!values['allow-burned-in'],
        signal,
        onProgress: perImageProgress(io, values.verbose, progress),
      });
      progress.done();
      if (outcome.cancelled) {
        io.err('Interrupted: nothing was written.');
        return 1;
      }
      for (const p of outcome.notPrepared) io.err(`${p.status}: ${p.source}: ${p.error}`);
      if (values.json) {
        io.out(
          JSON.stringify({
            total: outcome.total,
            prepared: outcome.prepared,
            failed: outcome.failed,
            skipped: outcome.skipped,
            rows: outcome.rows,
            inputFiles: outcome.inputFiles,
            manifest: outcome.manifest,
          }),
        );
        return outcome.failed > 0 ? 1 : 0;
      }
      io.out(
        `${outcome.total} image(s): ${outcome.prepared} prepared, ${outcome.failed} failed, ${outcome.skipped} skipped; ` +
          `${outcome.rows} row(s) in ${outcome.inputFiles.length} file(s)`,
      );
      for (const f of outcome.inputFiles) io.out(`input: ${f}`);
      io.out(`manifest: ${outcome.manifest}`);
      return outcome.failed > 0 ? 1 : 0;
    });
  },
};
