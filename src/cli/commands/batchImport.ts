import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import {
  cancelOnInterrupt,
  perImageProgress,
  printImageProblems,
  runCounts,
  VERBOSE_USAGE,
} from '../folderOptions';
import { progressLine } from '../progress';
import { progressText } from '../../batch/folderBatch';
import { IMPORT_REPORT_NAME, importBatch } from '../../batch/batchEndpoint/import';

const usage = `Usage: medparse batch-import <predictions.csv> --manifest <manifest.json> --out-dir <dir> [options]

Reads the predictions.csv an Azure ML batch endpoint wrote for the input files of
'medparse batch-prepare' (named-outputs/score/predictions.csv of the job), matches each row to
its input row (column 0 is the row's position in its input file, and after the features comes
the file's name when the job read several files; rows may come in any order), checks the
number of masks against the prompts, and writes what Parse Folder writes: each image's result
folder at source resolution (<out-dir>/<sub-folders>/<image file name>.medimageparse) and
medimageparse-summary.csv and .json in <out-dir>. Each image is opened again from the folder
that was prepared and its model input checked against the manifest's hash.

A missing or malformed row fails its image alone (listed in the summary with the reason); rows
that answer nothing in the manifest are counted and listed in <out-dir>/${IMPORT_REPORT_NAME}.
A second import into the same <out-dir> skips images that already have a complete result.

Options:
  --manifest <file>      The manifest.json that batch-prepare wrote (required).
  --out-dir <dir>        Where results and the summary go (required).
  --input-file <name>    The input file this predictions.csv answers, when the job read only one
                         file of a preparation with several (Azure ML writes no file-name column then).
  --source-dir <dir>     The prepared folder, when it moved since batch-prepare (default: the
                         folder the manifest names).
${VERBOSE_USAGE}
  --json                 Print one JSON object on stdout instead of the human summary:
                         {"total", "parsed", "skipped", "failed", "skippedBy", "cancelled",
                         "predictions", "summaryFiles", "importReport"}.

Research use only; not for clinical use.`;

export const batchImportCommand: CliCommand = {
  name: 'batch-import',
  summary: "Import an Azure ML batch endpoint's predictions.csv as Parse Folder results",
  usage,
  exitCodes: exitCodes('an image failed, or the run was interrupted (run it again to resume)'),
  async run(args, io) {
    const { values, positionals } = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        manifest: { type: 'string' },
        'out-dir': { type: 'string' },
        'input-file': { type: 'string' },
        'source-dir': { type: 'string' },
        verbose: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length !== 1)
      throw new UsageError(
        positionals.length
          ? `expected one predictions file, got ${positionals.length}`
          : 'no predictions.csv given',
      );
    if (!values.manifest) throw new UsageError('--manifest is required (the manifest.json of batch-prepare)');
    if (!values['out-dir']) throw new UsageError('--out-dir is required');
    const progress = progressLine(io);
    return cancelOnInterrupt(async (signal) => {
      const outcome = await importBatch(positionals[0], {
        manifestFile: values.manifest!,
        outDir: values['out-dir']!,
        inputFile: values['input-file'],
        sourceDir: values['source-dir'],
        signal,
        onProgress: perImageProgress(io, values.verbose, progress),
      });
      progress.done();
      printImageProblems(io, outcome.rows);
      for (const u of outcome.unmatched.slice(0, 20))
        io.err(`unmatched: predictions.csv line ${u.line}: ${u.problem}`);
      if (outcome.unmatched.length > 20) io.err(`… ${outcome.unmatched.length - 20} more unmatched rows`);
      const p = outcome.predictions;
      if (values.json) {
        io.out(
          JSON.stringify({
            ...runCounts(outcome),
            predictions: p,
            summaryFiles: outcome.summaryFiles,
            importReport: outcome.importReport,
          }),
        );
        return outcome.failed > 0 || outcome.cancelled ? 1 : 0;
      }
      io.out(
        `${outcome.total} image(s): ${progressText(outcome)}; predictions: ${p.read} row(s) read, ${p.matched} matched` +
          (p.duplicates ? `, ${p.duplicates} duplicate(s)` : '') +
          (p.unmatched ? `, ${p.unmatched} unmatched` : '') +
          (outcome.cancelled ? ' (interrupted: run again to resume)' : ''),
      );
      io.out(`summary: ${outcome.summaryFiles.join(', ')}`);
      io.out(`import report: ${outcome.importReport}`);
      return outcome.failed > 0 || outcome.cancelled ? 1 : 0;
    });
  },
};
