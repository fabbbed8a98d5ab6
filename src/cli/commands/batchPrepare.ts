import path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand, promptsFromArgs } from '../command';
import { progressLine } from '../progress';
import type { FolderTargets } from '../../batch/folderBatch';
import {
  DEFAULT_ROWS_PER_FILE,
  MAX_FILE_BYTES,
  MAX_MASKS_PER_FILE,
  MAX_ROWS_PER_FILE,
  prepareBatch,
} from '../../batch/batchEndpoint/prepare';
import { MODALITY_KEYS, resolveModalityKey, type ModalityKey } from '../../shared/targets';

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
  --prompt <text>        Targets for every image, separated by '&' (repeatable).
  --recognize            Instead of --prompt: everything each image's modality key lists.
  --out-dir <dir>        A new or empty folder for the input files and manifest.json (required).
  --modality <key>       One modality key for every image instead of each image's own.
  --rows-per-file <n>    Rows per input file (default ${DEFAULT_ROWS_PER_FILE}, at most ${MAX_ROWS_PER_FILE}). A file also closes
                         before it passes ${MAX_FILE_BYTES / 1024 / 1024} MB or ${MAX_MASKS_PER_FILE} masks: the deployment scores one
                         file in one call, within its mini-batch timeout and memory.
  --allow-burned-in      Also prepare images marked BurnedInAnnotation=YES (skipped otherwise).
  --verbose              Progress to stderr, a line per image.
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
        prompt: { type: 'string', multiple: true },
        recognize: { type: 'boolean' },
        'out-dir': { type: 'string' },
        modality: { type: 'string' },
        'rows-per-file': { type: 'string' },
        'allow-burned-in': { type: 'boolean' },
        verbose: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length ? `expected one folder, got ${positionals.length}` : 'no folder given',
      );
    const prompts = promptsFromArgs(values.prompt);
    if (values.recognize && values.prompt)
      throw new UsageError('give either --prompt or --recognize, not both');
    if (!values.recognize && (prompts.length === 0 || prompts.some((p) => !p)))
      throw new UsageError(
        '--prompt needs one or more non-empty targets separated by "&" (or use --recognize)',
      );
    if (!values['out-dir']) throw new UsageError('--out-dir is required (a new or empty folder)');
    let modalityKey: ModalityKey | undefined;
    if (values.modality !== undefined) {
      modalityKey = resolveModalityKey(values.modality);
      if (!modalityKey)
        throw new UsageError(
          `--modality must be one of ${MODALITY_KEYS.join(', ')}; got '${values.modality}'`,
        );
    }
    const rowsPerFile =
      values['rows-per-file'] === undefined ? DEFAULT_ROWS_PER_FILE : Number(values['rows-per-file']);
    if (!Number.isInteger(rowsPerFile) || rowsPerFile < 1 || rowsPerFile > MAX_ROWS_PER_FILE)
      throw new UsageError(
        `--rows-per-file must be a whole number from 1 to ${MAX_ROWS_PER_FILE}, got '${values['rows-per-file']}'`,
      );
    const targets: FolderTargets = values.recognize ? { kind: 'recognition' } : { kind: 'prompts', prompts };
    const folder = path.resolve(positionals[0]);
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    const progress = progressLine(io);
    try {
      const outcome = await prepareBatch(folder, {
        targets,
        modalityKey,
        outDir: values['out-dir'],
        rowsPerFile,
        allowBurnedIn: !!values['allow-burned-in'],
        signal: abort.signal,
        onProgress: (p) => {
          if (values.verbose && p.current) io.err(`${p.done + 1}/${p.total} ${p.current}`);
          else if (p.current) progress.update(`${p.done + 1}/${p.total} ${p.current}`);
        },
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
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
  },
};
