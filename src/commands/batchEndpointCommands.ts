import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { importBatch, type ImportOutcome } from '../batch/batchEndpoint/import';
import {
  downloadCommand,
  guessBatchEndpointName,
  hasAzureMlCli,
  invokeCommand,
  type BatchTarget,
} from '../batch/batchEndpoint/invoke';
import { MANIFEST_NAME, readManifest } from '../batch/batchEndpoint/manifest';
import { prepareBatch, type PrepareOutcome } from '../batch/batchEndpoint/prepare';
import { findImages, progressText, type FolderTargets } from '../batch/folderBatch';
import { resolveModalityKey, type ModalityKey } from '../shared/targets';
import type { EndpointManager } from '../vscode/endpoints/endpointManager';
import { Commands } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import { toUserError } from '../vscode/userError';
import { pickPrompts } from './imageCommands';

/**
 * "Parse Folder on a Batch Endpoint…" and "Import Batch Results…": the folder is prepared here
 * (batch-prepare), scored by an Azure ML batch endpoint with Azure's own tools, and its
 * predictions read back (batch-import). The flows are the CLI's; this layer asks, shows
 * progress, and hands the invoke command to a terminal or the clipboard.
 */

/** Arguments the commands also take programmatically (tests, agents), skipping the questions. */
export interface BatchPrepareArgs {
  prompts?: string[];
  recognize?: boolean;
  modalityKey?: string;
  outDir?: string;
  /** The batch endpoint to name in the invoke command (default: from the active profile). */
  endpointName?: string;
}

export interface BatchPrepareResult {
  outcome: PrepareOutcome;
  /** The invoke command shown or typed into the terminal. */
  command: string;
  /** Whether the Azure CLI with its ml extension was found (then a terminal holds the command). */
  azureCli: boolean;
}

export interface BatchImportArgs {
  manifest?: string;
  outDir?: string;
  inputFile?: string;
}

function configuredModalityKey(): ModalityKey | undefined {
  const value = vscode.workspace.getConfiguration('medimageparse.batch').get<string>('modality', 'auto');
  return value === 'auto' ? undefined : resolveModalityKey(value);
}

/** `<folder>-batch-input`, or the first free `-2`, `-3`… beside the folder. */
async function defaultOutDir(folder: string): Promise<string> {
  const base = path.join(path.dirname(folder), `${path.basename(folder)}-batch-input`);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? base : `${base}-${n}`;
    if (!(await fs.stat(candidate).catch(() => undefined))) return candidate;
  }
}

/** The profile's batch endpoint (and workspace) for the invoke command. */
async function batchTarget(endpoints: EndpointManager, args: BatchPrepareArgs): Promise<BatchTarget> {
  const active = endpoints.active();
  const settings = active.settings;
  const profileTarget = active.isDemo
    ? {}
    : { resourceGroup: settings.resourceGroup, workspace: settings.workspace };
  if (args.endpointName !== undefined) return { ...profileTarget, endpointName: args.endpointName };
  const guess = active.isDemo ? undefined : guessBatchEndpointName(settings);
  if (settings.batchEndpoint) return { ...profileTarget, endpointName: settings.batchEndpoint };
  const name = await vscode.window.showInputBox({
    title: vscode.l10n.t('Batch endpoint'),
    prompt: vscode.l10n.t(
      'Name of the Azure ML batch endpoint that runs MedImageParse (set "batchEndpoint" in the endpoint profile to skip this question)',
    ),
    value: guess ?? '',
    ignoreFocusOut: true,
  });
  return { ...profileTarget, endpointName: name?.trim() || undefined };
}

export async function batchPrepareCommand(
  deps: { endpoints: EndpointManager; log: ExtensionLog },
  arg?: unknown,
  args: BatchPrepareArgs = {},
): Promise<BatchPrepareResult | undefined> {
  const folder =
    arg instanceof vscode.Uri
      ? arg
      : (
          await vscode.window.showOpenDialog({
            canSelectFiles: false,
            canSelectFolders: true,
            openLabel: vscode.l10n.t('Prepare for Batch Endpoint'),
          })
        )?.[0];
  if (!folder) return undefined;
  let targets: FolderTargets;
  if (args.recognize) targets = { kind: 'recognition' };
  else if (args.prompts?.length) targets = { kind: 'prompts', prompts: args.prompts };
  else {
    const images = await findImages(folder.fsPath);
    if (images.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'No supported images (DICOM, NIfTI, PNG, JPEG, TIFF, BMP, WebP) below {0}.',
          folder.fsPath,
        ),
      );
      return undefined;
    }
    const picked = await pickPrompts(vscode.Uri.file(images[0]), {
      offerRecognition: true,
      title: vscode.l10n.t('Parse Folder on a Batch Endpoint: {0}', path.basename(folder.fsPath)),
    });
    if (!picked) return undefined;
    targets = 'recognize' in picked ? { kind: 'recognition' } : { kind: 'prompts', prompts: picked.prompts };
  }
  const modalityKey =
    args.modalityKey !== undefined ? resolveModalityKey(args.modalityKey) : configuredModalityKey();
  if (args.modalityKey !== undefined && !modalityKey) {
    void vscode.window.showErrorMessage(vscode.l10n.t("Unknown modality key '{0}'.", args.modalityKey));
    return undefined;
  }
  const config = vscode.workspace.getConfiguration('medimageparse');
  try {
    const outDir = args.outDir ?? (await defaultOutDir(folder.fsPath));
    const target = await batchTarget(deps.endpoints, args);
    let lastDone = 0;
    const outcome = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t(
          'MedImageParse: preparing {0} for a batch endpoint',
          path.basename(folder.fsPath),
        ),
        cancellable: true,
      },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return prepareBatch(folder.fsPath, {
          targets,
          modalityKey,
          outDir,
          ctWindow: config.get<string>('preprocessing.ctWindow', 'auto'),
          signal: abort.signal,
          onProgress: (p) => {
            const increment = p.total > 0 ? ((p.done - lastDone) / p.total) * 100 : 0;
            lastDone = p.done;
            progress.report({
              message: `${p.done}/${p.total}${p.current ? ` · ${p.current}` : ''}`,
              increment,
            });
          },
        });
      },
    );
    if (outcome.cancelled) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t('Batch preparation cancelled: nothing was written.'),
      );
      return { outcome, command: '', azureCli: false };
    }
    for (const p of outcome.notPrepared)
      deps.log.logger.warn(`Batch prepare: ${p.status} ${p.source}: ${p.error}`);
    const command = invokeCommand(target, outcome.outDir);
    const download = downloadCommand(target, outcome.outDir);
    const prepared = vscode.l10n.t(
      '{0} image(s) in {1} input file(s) in {2}{3}',
      outcome.prepared,
      outcome.inputFiles.length,
      outcome.outDir,
      outcome.failed + outcome.skipped
        ? vscode.l10n.t(' ({0} failed, {1} skipped: see the log)', outcome.failed, outcome.skipped)
        : '',
    );
    deps.log.logger.info(`Batch prepare: ${prepared}. Submit with: ${command} · then: ${download}`);
    const azureCli = await hasAzureMlCli();
    if (azureCli) {
      // Typed, not run: the user reviews it and presses Enter; the Azure CLI uses its own sign-in.
      const terminal = vscode.window.createTerminal({ name: 'MedImageParse batch', cwd: outcome.outDir });
      terminal.show();
      terminal.sendText(command, false);
      void vscode.window.showInformationMessage(
        vscode.l10n.t(
          'Prepared {0}. The invoke command is in the terminal: check it and press Enter. When the job is done: {1}, then "MedImageParse: Import Batch Results…".',
          prepared,
          download,
        ),
      );
    } else {
      const copyCommand = vscode.l10n.t('Copy Command');
      const openManifest = vscode.l10n.t('Open Manifest');
      void vscode.window
        .showInformationMessage(
          vscode.l10n.t(
            'Prepared {0}. Submit it with the Azure CLI (ml extension): {1} When the job is done, download its score output ({2}) and run Import Batch Results.',
            prepared,
            command,
            download,
          ),
          copyCommand,
          openManifest,
        )
        .then(async (action) => {
          if (action === copyCommand) await vscode.env.clipboard.writeText(command);
          if (action === openManifest)
            await vscode.window.showTextDocument(vscode.Uri.file(outcome.manifest));
        });
    }
    return { outcome, command, azureCli };
  } catch (error) {
    void vscode.window.showErrorMessage(toUserError(error, deps.log.redactor).message);
    return undefined;
  }
}

export async function batchImportCommand(
  deps: { log: ExtensionLog },
  arg?: unknown,
  args: BatchImportArgs = {},
): Promise<ImportOutcome | undefined> {
  const predictions =
    arg instanceof vscode.Uri
      ? arg
      : (
          await vscode.window.showOpenDialog({
            canSelectFiles: true,
            canSelectFolders: false,
            filters: { [vscode.l10n.t('Batch predictions')]: ['csv'] },
            openLabel: vscode.l10n.t('Import predictions.csv'),
            title: vscode.l10n.t('The predictions.csv of the batch job (named-outputs/score)'),
          })
        )?.[0];
  if (!predictions) return undefined;
  const manifest =
    args.manifest ??
    (
      await vscode.window.showOpenDialog({
        canSelectFiles: true,
        canSelectFolders: false,
        filters: { [vscode.l10n.t('Manifest')]: ['json'] },
        openLabel: vscode.l10n.t('Use this {0}', MANIFEST_NAME),
        title: vscode.l10n.t('The {0} written when the folder was prepared', MANIFEST_NAME),
      })
    )?.[0]?.fsPath;
  if (!manifest) return undefined;
  try {
    // By default the results go where Parse Folder puts them: beside each image.
    const outDir = args.outDir ?? (await readManifest(manifest)).folder;
    let lastDone = 0;
    const outcome = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: vscode.l10n.t('MedImageParse: importing batch results'),
        cancellable: true,
      },
      (progress, token) => {
        const abort = new AbortController();
        token.onCancellationRequested(() => abort.abort());
        return importBatch(predictions.fsPath, {
          manifestFile: manifest,
          outDir,
          inputFile: args.inputFile,
          pValueThreshold: vscode.workspace
            .getConfiguration('medimageparse')
            .get<number>('analysis.pValueThreshold', 0.05),
          signal: abort.signal,
          onProgress: (p) => {
            const increment = p.total > 0 ? ((p.done - lastDone) / p.total) * 100 : 0;
            lastDone = p.done;
            progress.report({
              message: `${p.done}/${p.total}${p.current ? ` · ${p.current}` : ''}`,
              increment,
            });
          },
        });
      },
    );
    for (const row of outcome.rows)
      if (row.status === 'failed') deps.log.logger.warn(`Batch import: ${row.image}: ${row.error}`);
    for (const u of outcome.unmatched)
      deps.log.logger.warn(`Batch import: predictions.csv line ${u.line}: ${u.problem}`);
    const p = outcome.predictions;
    const summary =
      vscode.l10n.t('{0}; {1} of {2} prediction row(s) matched', progressText(outcome), p.matched, p.read) +
      (p.unmatched ? vscode.l10n.t(', {0} unmatched', p.unmatched) : '') +
      (outcome.cancelled ? vscode.l10n.t(' (cancelled: run again to resume)') : '');
    deps.log.logger.info(`Batch import into ${outDir}: ${summary}`);
    const openSummary = vscode.l10n.t('Open Summary');
    void (
      outcome.failed > 0 || p.unmatched > 0
        ? vscode.window.showWarningMessage
        : vscode.window.showInformationMessage
    )(vscode.l10n.t('Import Batch Results: {0}.', summary), openSummary).then(async (action) => {
      if (action === openSummary)
        await vscode.window.showTextDocument(vscode.Uri.file(outcome.summaryFiles[0]));
    });
    return outcome;
  } catch (error) {
    void vscode.window.showErrorMessage(toUserError(error, deps.log.redactor).message);
    return undefined;
  }
}

function optionsArg<T>(value: unknown): T {
  return (
    value && typeof value === 'object' && !Array.isArray(value) && !(value instanceof vscode.Uri) ? value : {}
  ) as T;
}

export function registerBatchEndpointCommands(deps: {
  endpoints: EndpointManager;
  log: ExtensionLog;
}): vscode.Disposable[] {
  return [
    // From the explorer the second argument is the selection (an array): only plain objects are options.
    vscode.commands.registerCommand(Commands.parseFolderOnBatchEndpoint, (arg?: unknown, args?: unknown) =>
      batchPrepareCommand(deps, arg, optionsArg<BatchPrepareArgs>(args)),
    ),
    vscode.commands.registerCommand(Commands.importBatchResults, (arg?: unknown, args?: unknown) =>
      batchImportCommand(deps, arg, optionsArg<BatchImportArgs>(args)),
    ),
  ];
}
