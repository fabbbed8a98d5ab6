import * as path from 'node:path';
import * as vscode from 'vscode';
import { runFolderBatch, findImages, type BatchOutcome } from '../batch/folderBatch';
import { EndpointError } from '../endpoint/errors';
import { defaultExportDir } from '../export';
import { openImage } from '../imaging';
import { exportParseResult } from '../pipeline/exportResult';
import { parseImage } from '../pipeline/parse';
import type { EndpointManager } from '../vscode/endpoints/endpointManager';
import { Commands } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import { intensityFor, type ParseRunner } from '../vscode/parseRunner';
import { toUserError } from '../vscode/userError';
import { pickPrompts } from './imageCommands';

/**
 * "Parse Folder with MedImageParse…": prompts once, then every supported image below the folder,
 * with bounded concurrency, exports next to each image and a CSV/JSON summary. Resumable.
 */
export async function parseFolder(
  folder: vscode.Uri,
  prompts: { prompts: string[]; modality?: string; site?: string },
  deps: { endpoints: EndpointManager; runner: ParseRunner; log: ExtensionLog },
  token?: vscode.CancellationToken,
  report?: (message: string, increment?: number) => void,
): Promise<BatchOutcome> {
  const { client, entry } = await deps.endpoints.client();
  const concurrency = vscode.workspace.getConfiguration('medimageparse.batch').get<number>('concurrency', 2);
  const pValueThreshold = vscode.workspace
    .getConfiguration('medimageparse.analysis')
    .get<number>('pValueThreshold', 0.05);
  const abort = new AbortController();
  token?.onCancellationRequested(() => abort.abort());
  let lastDone = 0;
  return runFolderBatch(
    folder.fsPath,
    {
      parse: async (file, signal) => {
        const image = await openImage(file, { signal });
        return parseImage(
          image,
          client,
          {
            endpointName: entry.settings.name,
            deployment: entry.settings.deployment,
            prompts: prompts.prompts,
            modality: prompts.modality,
            site: prompts.site,
            intensity: intensityFor(image, prompts.modality, prompts.site, undefined),
            pValueThreshold,
          },
          { signal },
        );
      },
      exportResult: async (file, result) => {
        const image = await openImage(file, { slice: result.slice, frame: result.frame });
        return (await exportParseResult(image, result, { pValueThreshold })).dir;
      },
      // The default export folder depends on the file's path only.
      exportFolder: (file) => defaultExportDir({ file, width: 0, height: 0 }),
      isRateLimited: (error) => error instanceof EndpointError && error.kind === 'rate-limited',
    },
    {
      prompts: prompts.prompts,
      concurrency,
      signal: abort.signal,
      onProgress: (p) => {
        const increment = p.total > 0 ? ((p.done - lastDone) / p.total) * 100 : 0;
        lastDone = p.done;
        report?.(
          `${p.done}/${p.total} · ${p.parsed} parsed, ${p.skipped} already done, ${p.failed} failed${p.current ? ` · ${p.current}` : ''}`,
          increment,
        );
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
                openLabel: 'Parse Folder',
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
          `No supported images (DICOM, NIfTI, PNG, JPEG, TIFF, BMP, WebP) below ${folder.fsPath}.`,
        );
        return;
      }
      const choice = await pickPrompts(vscode.Uri.file(images[0]));
      if (!choice) return;
      const active = deps.endpoints.active();
      try {
        await deps.runner.confirmPrivacy(active.settings.name, active.isDemo);
        const outcome = await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `MedImageParse: parsing ${images.length} images in ${path.basename(folder.fsPath)}`,
            cancellable: true,
          },
          (progress, token) =>
            parseFolder(folder, choice, deps, token, (message, increment) =>
              progress.report({ message, increment }),
            ),
        );
        const summary = `${outcome.parsed} parsed, ${outcome.skipped} already done, ${outcome.failed} failed${outcome.cancelled ? ' (cancelled: run again to resume)' : ''}.`;
        deps.log.logger.info(`Folder ${folder.fsPath}: ${summary}`);
        const action = await (
          outcome.failed > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage
        )(`Parse Folder: ${summary}`, 'Open Summary');
        if (action) await vscode.window.showTextDocument(vscode.Uri.file(outcome.summaryFiles[0]));
        return outcome;
      } catch (error) {
        void vscode.window.showErrorMessage(toUserError(error, deps.log.redactor).message);
      }
    }),
  ];
}
