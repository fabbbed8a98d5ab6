import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ViewerController } from '../editors/viewerController';
import type { ResultStore } from '../history/resultStore';
import { exportParseResult } from '../pipeline/exportResult';
import type { ExtensionLog } from './log';
import { toUserError } from './userError';

/**
 * Export button of the viewer: a new result folder next to the image (or in the folder the user
 * chooses), written whole; an earlier export is never changed (a new one goes to `…-2`).
 */
export async function exportViewerResult(
  viewer: ViewerController,
  resultId: string,
  history: ResultStore,
  log: ExtensionLog,
  refresh: () => void,
): Promise<void> {
  try {
    const result =
      viewer.currentResult?.id === resultId ? viewer.currentResult : await history.load(resultId);
    if (!result) throw new Error(vscode.l10n.t('That result is no longer available; run the parse again.'));
    const config = vscode.workspace.getConfiguration('medimageparse');
    let parentDir: string | undefined;
    if (config.get<string>('export.location', 'besideImage') === 'ask') {
      const picked = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: vscode.l10n.t('Export Here'),
        defaultUri: vscode.Uri.file(path.dirname(viewer.uri.fsPath)),
      });
      if (!picked?.[0]) return;
      parentDir = picked[0].fsPath;
    }
    const exported = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('MedImageParse: exporting…') },
      async () => {
        // The viewer knows its source: for a DICOM series, the result's slice is one of its files.
        const image = await viewer.openImageFor(result.slice, result.frame);
        // A series' results go beside its folder, as a file's go beside the file.
        if (!parentDir && (await viewer.series())) parentDir = path.dirname(viewer.uri.fsPath);
        const screenshotPng = (await viewer.requestScreenshot()) ?? undefined;
        return exportParseResult(image, result, {
          parentDir,
          pValueThreshold: config.get<number>('analysis.pValueThreshold', 0.05),
          screenshotPng,
        });
      },
    );
    await history.setExportFolder(result.id, exported.dir);
    refresh();
    viewer.post({
      type: 'exported',
      folder: exported.dir,
      files: exported.files.map((f) => path.basename(f)),
    });
    log.logger.info(`Exported ${exported.files.length} files to ${exported.dir}`);
    const choice = await vscode.window.showInformationMessage(
      vscode.l10n.t('Exported {0} files to {1}', exported.files.length, exported.dir),
      vscode.l10n.t('Reveal'),
    );
    if (choice) await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(exported.dir));
  } catch (error) {
    const userError = toUserError(error, log.redactor);
    log.logger.error(`Export of ${viewer.uri.fsPath} failed: ${userError.message}`);
    viewer.post({ type: 'exportError', error: userError });
  }
}
