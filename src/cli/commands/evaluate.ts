import * as path from 'node:path';
import { exitCodes, parseCliArgs, UsageError, type CliCommand } from '../command';
import { evaluateFolders } from '../../evaluate/evaluate';
import { writeEvaluation } from '../../evaluate/writeEvaluation';

const usage = `Usage: medparse evaluate --pred <results folder> --truth <folder> --out-dir <dir> [--overwrite]

Scores predictions against ground truth, per image (or volume) and target: Dice, IoU,
sensitivity, precision, HD95 and ASSD (mm when the pixel spacing is known, else pixels, and the
report says so), and the size difference.

  --pred <folder>    Result folders (<image>.medimageparse from Parse / Parse Folder, volume
                     results with labels.nii.gz and report.json), or a folder of masks named
                     like the truth.
  --truth <folder>   Ground truth: PNG masks <image stem>_<target>.png ('+' for spaces, as in
                     BiomedParse's datasets), NIfTI label volumes <image stem>[_labels].nii.gz with
                     a label map <same stem>.json ({"labels": {"1": "liver", ...}}), DICOM SEG
                     files (matched to the series or image they reference) or result folders.
  --out-dir <dir>    Where metrics.csv, summary.json and report.html go.
  --overwrite        Replace the files of an earlier evaluation in --out-dir.
  --json             Print one JSON object on stdout instead of the human summary:
                     {"pairs", "dice": {"mean", "median", "n"}, "skipped", "predWithoutTruth",
                     "files"}.

Pairs that cannot be scored (no truth for a target, a target not predicted, sizes that differ)
are listed in summary.json and report.html with the reason.
Research use only; not for clinical use.`;

export const evaluateCommand: CliCommand = {
  name: 'evaluate',
  summary:
    'Score results against ground truth masks (Dice, HD95, ...): metrics.csv, summary.json, report.html',
  usage,
  exitCodes: exitCodes('no pair could be scored, the folders could not be read, or the run was interrupted'),
  async run(args, io) {
    const { values, positionals } = parseCliArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        pred: { type: 'string' },
        truth: { type: 'string' },
        'out-dir': { type: 'string' },
        overwrite: { type: 'boolean' },
        json: { type: 'boolean' },
      },
    });
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    for (const name of ['pred', 'truth', 'out-dir'] as const)
      if (!values[name]) throw new UsageError(`--${name} is required`);
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGINT', onSignal);
    try {
      const evaluation = await evaluateFolders(path.resolve(values.pred!), path.resolve(values.truth!), {
        signal: abort.signal,
      });
      if (abort.signal.aborted) {
        io.err('interrupted: nothing written');
        return 1;
      }
      const written = await writeEvaluation(evaluation, path.resolve(values['out-dir']!), {
        overwrite: !!values.overwrite,
      });
      for (const w of evaluation.warnings) io.err(`warning: ${w}`);
      const s = written.summary;
      const dice = s.overall.metrics.dice;
      if (values.json) {
        io.out(
          JSON.stringify({
            pairs: s.pairs,
            dice: { mean: dice.mean ?? null, median: dice.median ?? null, n: dice.n },
            skipped: evaluation.skipped.length,
            predWithoutTruth: evaluation.predWithoutTruth.length,
            files: written.files,
          }),
        );
        return s.pairs > 0 ? 0 : 1;
      }
      io.out(
        `${s.pairs} pair(s) scored` +
          (dice.n ? `: Dice mean ${dice.mean!.toFixed(3)}, median ${dice.median!.toFixed(3)}` : '') +
          (evaluation.skipped.length ? `; ${evaluation.skipped.length} not scored (see summary.json)` : '') +
          (evaluation.predWithoutTruth.length
            ? `; ${evaluation.predWithoutTruth.length} predicted image(s) without ground truth`
            : ''),
      );
      for (const note of s.notes.slice(0, -1)) io.out(note);
      io.out(`wrote ${written.files.join(', ')}`);
      return s.pairs > 0 ? 0 : 1;
    } finally {
      process.removeListener('SIGINT', onSignal);
    }
  },
};
