import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { evaluateFolders } from '../evaluate/evaluate';
import { writeEvaluation, type WrittenEvaluation } from '../evaluate/writeEvaluation';
import { evaluationHtml } from '../export/evaluationReport';
import { Commands, ViewTypes } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import { toUserError } from '../vscode/userError';

/** Name of the folder (and its numbered siblings) an evaluation writes inside the predictions folder. */
export const EVALUATION_FOLDER = 'medimageparse-evaluation';

/** Arguments for calling the command from code (tests, other commands): no dialogs then. */
export interface EvaluateArgs {
  truth?: vscode.Uri;
  outDir?: vscode.Uri;
}

function makeNonce(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '');
}

/** The first of `<folder>/medimageparse-evaluation`, `…-2`, … that does not exist: earlier reports are kept. */
async function freeOutDir(folder: string): Promise<string> {
  for (let n = 1; n < 10_000; n++) {
    const dir = path.join(folder, n === 1 ? EVALUATION_FOLDER : `${EVALUATION_FOLDER}-${n}`);
    if (!(await fs.stat(dir).catch(() => undefined))) return dir;
  }
  throw new Error(vscode.l10n.t('{0}: too many evaluation folders', folder));
}

/**
 * The report in a webview: the same HTML as report.html, with the style under a nonce and no
 * script at all (`enableScripts: false`, `default-src 'none'`, images only from data:).
 */
export function showEvaluationReport(written: WrittenEvaluation): vscode.WebviewPanel {
  const panel = vscode.window.createWebviewPanel(
    ViewTypes.evaluationReport,
    vscode.l10n.t('Evaluation: {0}', path.basename(written.summary.pred)),
    vscode.ViewColumn.Active,
    { enableScripts: false, localResourceRoots: [] },
  );
  panel.webview.html = evaluationHtml(written.summary, written.pairs, written.worst, { nonce: makeNonce() });
  return panel;
}

export function registerEvaluateCommands(deps: { log: ExtensionLog }): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      Commands.evaluate,
      async (arg?: unknown, second?: unknown): Promise<WrittenEvaluation | undefined> => {
        const args: EvaluateArgs =
          second && typeof second === 'object' && !Array.isArray(second) ? (second as EvaluateArgs) : {};
        const pred =
          arg instanceof vscode.Uri
            ? arg
            : (
                await vscode.window.showOpenDialog({
                  canSelectFiles: false,
                  canSelectFolders: true,
                  title: vscode.l10n.t('Evaluate: the folder of results (or predicted masks)'),
                  openLabel: vscode.l10n.t('Use These Predictions'),
                })
              )?.[0];
        if (!pred) return undefined;
        const truth =
          args.truth ??
          (
            await vscode.window.showOpenDialog({
              canSelectFiles: false,
              canSelectFolders: true,
              defaultUri: vscode.Uri.file(path.dirname(pred.fsPath)),
              title: vscode.l10n.t(
                'Evaluate {0}: the ground-truth folder (masks <image>_<target>.png, NIfTI label volumes)',
                path.basename(pred.fsPath),
              ),
              openLabel: vscode.l10n.t('Use This Ground Truth'),
            })
          )?.[0];
        if (!truth) return undefined;
        try {
          const written = await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: vscode.l10n.t(
                'MedImageParse: evaluating {0} against {1}',
                path.basename(pred.fsPath),
                path.basename(truth.fsPath),
              ),
              cancellable: true,
            },
            async (progress, token) => {
              const abort = new AbortController();
              token.onCancellationRequested(() => abort.abort());
              let last = 0;
              const evaluation = await evaluateFolders(pred.fsPath, truth.fsPath, {
                signal: abort.signal,
                onProgress: (done, total) => {
                  progress.report({
                    message: vscode.l10n.t('{0}/{1} images', done, total),
                    increment: ((done - last) / total) * 100,
                  });
                  last = done;
                },
              });
              if (abort.signal.aborted) return undefined;
              // Never inside a single result folder (that folder holds one export, whole): beside it.
              const single = await fs.stat(path.join(pred.fsPath, 'report.json')).catch(() => undefined);
              const outDir =
                args.outDir?.fsPath ?? (await freeOutDir(single ? path.dirname(pred.fsPath) : pred.fsPath));
              return writeEvaluation(evaluation, outDir);
            },
          );
          if (!written) return undefined;
          const s = written.summary;
          deps.log.logger.info(
            `Evaluation of ${s.pred} against ${s.truth}: ${s.pairs} pairs, written to ${written.dir}`,
          );
          showEvaluationReport(written);
          const dice = s.overall.metrics.dice;
          const openMetrics = vscode.l10n.t('Open metrics.csv');
          const revealFolder = vscode.l10n.t('Reveal Folder');
          void vscode.window
            .showInformationMessage(
              vscode.l10n.t(
                'Evaluation: {0} pair(s){1}{2}.',
                s.pairs,
                dice.n ? vscode.l10n.t(', Dice median {0}', dice.median!.toFixed(3)) : '',
                s.skipped.length ? vscode.l10n.t(', {0} not scored', s.skipped.length) : '',
              ),
              openMetrics,
              revealFolder,
            )
            .then((action) => {
              if (action === openMetrics)
                void vscode.window.showTextDocument(vscode.Uri.file(path.join(written.dir, 'metrics.csv')));
              if (action === revealFolder)
                void vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(written.dir));
            });
          return written;
        } catch (error) {
          void vscode.window.showErrorMessage(
            vscode.l10n.t('Evaluation: {0}', toUserError(error, deps.log.redactor).message),
          );
          return undefined;
        }
      },
    ),
  ];
}
