import { runEndNotice } from '../vscode/runEndNotice';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  progressText,
  runFolderBatch,
  findImages,
  type BatchOutcome,
  type FolderTargets,
} from '../batch/folderBatch';
import { endpointFolderDeps } from '../batch/folderDeps';
import { resolveModalityKey, type ModalityKey } from '../shared/targets';
import type { EndpointManager } from '../vscode/endpoints/endpointManager';
import { Commands } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import type { ParseRunner } from '../vscode/parseRunner';
import { isUntaggedRasterName } from '../vscode/privacyText';
import { pickPrompts } from './imageCommands';

/** What a folder run looks for, and the one modality for all its images if the user set one. */
export interface FolderChoice {
  targets: FolderTargets;
  modalityKey?: ModalityKey;
}

/** The folder-wide modality of the setting `medimageparse.batch.modality` ('auto': each image's own). */
function configuredModalityKey(): ModalityKey | undefined {
  const value = vscode.workspace.getConfiguration('medimageparse.batch').get<string>('modality', 'auto');
  return value === 'auto' ? undefined : resolveModalityKey(value);
}

/**
 * "Parse Folder with MedImageParse…": every supported image below the folder, each with its own
 * modality (or the folder's), bounded concurrency, a result folder per image and a CSV/JSON
 * summary. Resumable. The folder logic itself is `runFolderBatch`, shared with the CLI.
 */
export async function parseFolder(
  folder: vscode.Uri,
  choice: FolderChoice,
  deps: { endpoints: EndpointManager; runner: ParseRunner; log: ExtensionLog },
  token?: vscode.CancellationToken,
  report?: (message: string, increment?: number) => void,
): Promise<BatchOutcome> {
  const { client, entry } = await deps.endpoints.client();
  const config = vscode.workspace.getConfiguration('medimageparse');
  const abort = new AbortController();
  token?.onCancellationRequested(() => abort.abort());
  let lastDone = 0;
  return runFolderBatch(
    folder.fsPath,
    endpointFolderDeps({
      client,
      endpointName: entry.settings.name,
      deployment: entry.settings.deployment,
      pValueThreshold: config.get<number>('analysis.pValueThreshold', 0.05),
      maxPromptsPerRequest: config.get<number>('request.maxPromptsPerRequest', 16),
      ctWindow: config.get<string>('preprocessing.ctWindow', 'auto'),
    }),
    {
      targets: choice.targets,
      modalityKey: choice.modalityKey,
      concurrency: config.get<number>('batch.concurrency', 2),
      signal: abort.signal,
      onProgress: (p) => {
        const increment = p.total > 0 ? ((p.done - lastDone) / p.total) * 100 : 0;
        lastDone = p.done;
        report?.(`${p.done}/${p.total} · ${progressText(p)}${p.current ? ` · ${p.current}` : ''}`, increment);
      },
    },
  );
}

export function registerFolderCommands(deps: {
  endpoints: EndpointManager;
  runner: ParseRunner;
  log: ExtensionLog;
}): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.parseFolder, async (arg?: unknown) => {
      const folder =
        arg instanceof vscode.Uri
          ? arg
          : (
              await vscode.window.showOpenDialog({
                canSelectFiles: false,
                canSelectFolders: true,
                openLabel: vscode.l10n.t('Parse Folder'),
              })
            )?.[0];
      if (!folder) return;
      const blocked = deps.endpoints.sendBlockedReason();
      if (blocked) {
        void vscode.window.showWarningMessage(blocked);
        return;
      }
      const images = await findImages(folder.fsPath);
      if (images.length === 0) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t(
            'No supported images (DICOM, NIfTI, PNG, JPEG, TIFF, BMP, WebP) below {0}.',
            folder.fsPath,
          ),
        );
        return;
      }
      const picked = await pickPrompts(vscode.Uri.file(images[0]), {
        offerRecognition: true,
        title: vscode.l10n.t('Parse Folder {0}', path.basename(folder.fsPath)),
        memory: deps.runner.modalities,
      });
      if (!picked) return;
      // Only the targets are taken from the pick: each image's modality is its own (or the setting's).
      const choice: FolderChoice = {
        targets:
          'recognize' in picked ? { kind: 'recognition' } : { kind: 'prompts', prompts: picked.prompts },
        modalityKey: configuredModalityKey(),
      };
      const active = deps.endpoints.active();
      try {
        // Photos and other untagged rasters in the folder: the confirmation says what they may show.
        const untagged = images.some(isUntaggedRasterName);
        await deps.runner.confirmPrivacy(active.settings.name, active.isDemo, undefined, untagged);
        const outcome = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t(
              'MedImageParse: parsing {0} images in {1}',
              images.length,
              path.basename(folder.fsPath),
            ),
            cancellable: true,
          },
          (progress, token) =>
            parseFolder(folder, choice, deps, token, (message, increment) =>
              progress.report({ message, increment }),
            ),
        );
        const summary = `${progressText(outcome)}${outcome.cancelled ? vscode.l10n.t(' (cancelled: run again to resume)') : ''}.`;
        deps.log.logger.info(`Folder ${folder.fsPath}: ${summary}`);
        const openSummary = vscode.l10n.t('Open Summary');
        const setModality = vscode.l10n.t('Set Folder Modality');
        const actions = [
          openSummary,
          ...(outcome.skipped > (outcome.skippedBy['already-done'] ?? 0) ? [setModality] : []),
        ];
        const action = await (
          outcome.failed > 0 || actions.length > 1
            ? vscode.window.showWarningMessage
            : vscode.window.showInformationMessage
        )(vscode.l10n.t('Parse Folder: {0}', summary), ...actions);
        if (action === openSummary)
          await vscode.window.showTextDocument(vscode.Uri.file(outcome.summaryFiles[0]));
        if (action === setModality)
          await vscode.commands.executeCommand(
            'workbench.action.openSettings',
            'medimageparse.batch.modality',
          );
        return outcome;
      } catch (error) {
        // Declining to send is a note, not a failure.
        const notice = runEndNotice(error, { cancelled: false, slicesKept: false }, deps.log.redactor);
        if (notice.severity === 'info') void vscode.window.showInformationMessage(notice.message);
        else void vscode.window.showErrorMessage(notice.message);
      }
    }),
  ];
}
