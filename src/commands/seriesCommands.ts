import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ViewerController } from '../editors/viewerController';
import type { ViewerManager } from '../editors/viewerManager';
import { chooseSeries, isFolder, seriesPickItem, seriesSource } from '../editors/sliceSource';
import { Commands } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import { toUserError } from '../vscode/userError';

/**
 * Explorer: right-click a folder (or a .dcm in one) → "Open DICOM Series in Viewer". The folder's
 * headers are read (not its pixels), its series assembled; several series → a pick list (a
 * clicked .dcm picks its own series); the viewer then shows the series as one volume.
 */
export function registerSeriesCommands(viewers: ViewerManager, log: ExtensionLog): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(
      Commands.openSeries,
      async (clicked?: unknown): Promise<ViewerController | undefined> => {
        let target = clicked instanceof vscode.Uri && clicked.scheme === 'file' ? clicked : undefined;
        if (!target) {
          const picked = await vscode.window.showOpenDialog({
            canSelectFolders: true,
            canSelectFiles: false,
            openLabel: vscode.l10n.t('Open Series'),
          });
          target = picked?.[0];
          if (!target) return undefined;
        }
        const folderGiven = await isFolder(target.fsPath);
        const folder = folderGiven ? target.fsPath : path.dirname(target.fsPath);
        try {
          const { series: clickedSeries, all } = await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Window,
              title: vscode.l10n.t('MedImageParse: reading the DICOM headers in {0}…', path.basename(folder)),
            },
            () => chooseSeries(folder, folderGiven ? {} : { file: target.fsPath }),
          );
          let series = clickedSeries;
          if (all.length > 1 && folderGiven) {
            const choice = await vscode.window.showQuickPick(all.map(seriesPickItem), {
              title: vscode.l10n.t('{0} holds {1} series', path.basename(folder), all.length),
              placeHolder: vscode.l10n.t('Which series to open?'),
              matchOnDescription: true,
              matchOnDetail: true,
            });
            if (!choice) return undefined;
            series = choice.series;
          }
          for (const warning of series.warnings) log.logger.warn(`${folder}: ${warning}`);
          return viewers.open(vscode.Uri.file(folder), undefined, seriesSource(folder, series));
        } catch (error) {
          const userError = toUserError(error, log.redactor);
          log.logger.error(userError.message);
          void vscode.window.showErrorMessage(userError.message);
          return undefined;
        }
      },
    ),
  ];
}
