import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ViewerManager } from '../editors/viewerManager';
import { RECOMMENDED_TARGETS, MODALITY_KEYS, promptText } from '../shared/targets';
import { openImage } from '../imaging';
import { ownRecognitionKey, parseModalityFor } from '../batch/selectionPlan';
import { suggestionFor } from '../shared/suggestion';
import { modalityKeyFor } from '../shared/targets';
import type { ParseResult } from '../shared/protocol';
import { Commands } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import type { ParseRunner, RunRequest } from '../vscode/parseRunner';
import { UserCancelledError, briefUserError } from '../vscode/userError';
import type { ModalityMemory } from '../vscode/modalityMemory';
import { confidenceWords, suggestionForImage } from '../editors/modalitySuggestion';

export const IMAGE_FILE = /\.(png|jpe?g|tiff?|bmp|webp|dcm|dicom|nii|nii\.gz)$/i;

/** Explorer commands pass (clicked, selected[]); the palette passes nothing: use the active file. */
export async function targetFiles(clicked?: unknown, selected?: unknown): Promise<vscode.Uri[]> {
  const list =
    Array.isArray(selected) && selected.length > 0
      ? selected
      : clicked instanceof vscode.Uri
        ? [clicked]
        : [];
  const uris = list.filter((u): u is vscode.Uri => u instanceof vscode.Uri && u.scheme === 'file');
  if (uris.length > 0) return uris;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input as { uri?: vscode.Uri } | undefined;
  if (tab?.uri && tab.uri.scheme === 'file' && IMAGE_FILE.test(tab.uri.fsPath)) return [tab.uri];
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: true,
    openLabel: vscode.l10n.t('Open'),
    filters: {
      [vscode.l10n.t('Biomedical images')]: [
        'png',
        'jpg',
        'jpeg',
        'tif',
        'tiff',
        'bmp',
        'webp',
        'dcm',
        'dicom',
        'nii',
        'gz',
      ],
    },
  });
  return picked ?? [];
}

interface TargetPick extends vscode.QuickPickItem {
  target?: string;
  other?: boolean;
  recognize?: boolean;
}

/** A pixel guess this sure ("fairly sure") counts as the file's own modality in a selection. */
const FIRM_GUESS = 0.6;

/**
 * The modality and site to suggest for a file, mapped onto the catalogue: the user's remembered
 * choice, else its DICOM tags or name, else a guess from its pixels (as the viewer does, see
 * suggestionForImage); nothing when the file cannot be read (the run will say why).
 */
async function suggestionForFile(
  file: vscode.Uri,
  memory?: ModalityMemory,
): Promise<{ modality?: string; site?: string; how?: string; firm?: boolean }> {
  try {
    const image = await openImage(file.fsPath);
    const s = suggestionForImage(image, memory?.get(file.fsPath));
    const firm = s.source !== 'image' || (s.confidence ?? 0) >= FIRM_GUESS;
    const how =
      s.source === 'remembered'
        ? vscode.l10n.t('your choice for this file')
        : s.source === 'image'
          ? vscode.l10n.t('guessed from the image, {0}', confidenceWords(s.confidence ?? 0))
          : vscode.l10n.t('from the file');
    return { ...suggestionFor(s), how, firm };
  } catch {
    return {};
  }
}

/**
 * What a file says about itself firmly enough to override a choice made for a whole selection:
 * its tags or name, the user's remembered choice, or a pixel guess only when fairly sure (a weak
 * guess would put an MRI on CT's list).
 */
async function firmSuggestionForFile(
  file: vscode.Uri,
  memory?: ModalityMemory,
): Promise<{ modality?: string; site?: string }> {
  const s = await suggestionForFile(file, memory);
  return s.firm ? s : {};
}

/** Quick pick of recommended targets for the suggested modality (its sites first), plus free text. */
export async function pickPrompts(
  file: vscode.Uri,
): Promise<{ prompts: string[]; modality?: string; site?: string } | undefined>;
/** With `offerRecognition`, a first item asks for "everything each image's modality lists" instead. */
export async function pickPrompts(
  file: vscode.Uri,
  options: { offerRecognition: true; title?: string; memory?: ModalityMemory },
): Promise<{ prompts: string[]; modality?: string; site?: string } | { recognize: true } | undefined>;
export function pickPrompts(
  file: vscode.Uri,
  options: { memory?: ModalityMemory },
): Promise<{ prompts: string[]; modality?: string; site?: string } | undefined>;
export async function pickPrompts(
  file: vscode.Uri,
  options: { offerRecognition?: boolean; title?: string; memory?: ModalityMemory } = {},
): Promise<{ prompts: string[]; modality?: string; site?: string } | { recognize: true } | undefined> {
  const guess = await suggestionForFile(file, options.memory);
  const catalogue = RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>;
  const modalities = guess.modality
    ? [guess.modality, ...Object.keys(catalogue).filter((m) => m !== guess.modality)]
    : Object.keys(catalogue);
  const items: TargetPick[] = [
    ...(options.offerRecognition
      ? [
          {
            label: `$(search) ${vscode.l10n.t('Recognize all objects')}`,
            recognize: true,
            alwaysShow: true,
            description: vscode.l10n.t("every target of each image's own modality"),
          },
        ]
      : []),
    {
      label: `$(edit) ${vscode.l10n.t('Other targets…')}`,
      other: true,
      alwaysShow: true,
      description: vscode.l10n.t('type your own prompts'),
    },
  ];
  const seen = new Set<string>();
  for (const modality of modalities) {
    for (const [site, targets] of Object.entries(catalogue[modality])) {
      items.push({ label: `${modality} · ${site}`, kind: vscode.QuickPickItemKind.Separator });
      for (const target of targets) {
        const id = `${modality}/${site}/${target}`;
        if (seen.has(id)) continue;
        seen.add(id);
        items.push({ label: target, description: `${modality} · ${site}`, target });
      }
    }
  }
  const picks = await vscode.window.showQuickPick(items, {
    canPickMany: true,
    title: vscode.l10n.t(
      '{0}: pick targets{1}',
      options.title ?? vscode.l10n.t('Parse {0}', path.basename(file.fsPath)),
      guess.modality
        ? vscode.l10n.t(
            ' (suggested: {0}, {1})',
            `${guess.modality}${guess.site ? ` · ${guess.site}` : ''}`,
            guess.how ?? '',
          )
        : '',
    ),
    placeHolder: vscode.l10n.t('Type to search the recommended targets; each becomes one prompt'),
    matchOnDescription: true,
    ignoreFocusOut: true,
  });
  if (!picks) return undefined;
  if (picks.some((p) => p.recognize)) return { recognize: true };
  const prompts = picks.filter((p) => p.target).map((p) => p.target as string);
  if (picks.some((p) => p.other)) {
    const text = await vscode.window.showInputBox({
      title: vscode.l10n.t('Other targets'),
      prompt: vscode.l10n.t('Separate several targets with &, e.g. "liver & kidney"'),
      ignoreFocusOut: true,
    });
    prompts.push(
      ...(text ?? '')
        .split('&')
        .map((t) => t.trim())
        .filter(Boolean),
    );
  }
  if (prompts.length === 0) return undefined;
  const first = picks.find((p) => p.target)?.description?.split(' · ');
  return {
    prompts: [...new Set(prompts)],
    modality: first?.[0] ?? guess.modality,
    site: first?.[1] ?? guess.site,
  };
}

/** The quick-pick answer that recognizes each of several images with its own modality key. */
const eachOwnModality = (): string => vscode.l10n.t("Each image's own modality");

async function pickModalityKey(
  file: vscode.Uri,
  memory?: ModalityMemory,
  fileCount = 1,
): Promise<string | undefined> {
  const suggestion = await suggestionForFile(file, memory);
  const guessed =
    suggestion.modality && suggestion.site ? modalityKeyFor(suggestion.modality, suggestion.site) : undefined;
  const keys = guessed ? [guessed, ...MODALITY_KEYS.filter((k) => k !== guessed)] : [...MODALITY_KEYS];
  const items: vscode.QuickPickItem[] = keys.map((k) => ({
    label: k,
    description:
      k === guessed
        ? vscode.l10n.t('suggested for {0}: {1}', path.basename(file.fsPath), suggestion.how ?? '')
        : undefined,
  }));
  if (fileCount > 1)
    items.unshift({
      label: eachOwnModality(),
      description: vscode.l10n.t('from its DICOM tags or file name'),
    });
  return (
    await vscode.window.showQuickPick(items, {
      title:
        fileCount > 1
          ? vscode.l10n.t('Recognize all objects in {0} images', fileCount)
          : vscode.l10n.t('Recognize all objects in {0}', path.basename(file.fsPath)),
      placeHolder:
        fileCount > 1
          ? vscode.l10n.t('Which modality are the images?')
          : vscode.l10n.t('Which modality is the image?'),
    })
  )?.label;
}

/** Runs one request per file with a cancellable progress notification. */
async function runWithProgress(
  runner: ParseRunner,
  log: ExtensionLog,
  requests: RunRequest[],
  title: string,
): Promise<{ file: string; result: ParseResult }[]> {
  // Each result with its own file: a failed or skipped file must not shift the others.
  const results: { file: string; result: ParseResult }[] = [];
  await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    async (progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      for (const [i, request] of requests.entries()) {
        if (abort.signal.aborted) break;
        const name = path.basename(request.file);
        progress.report({ message: `${name} (${i + 1}/${requests.length})` });
        try {
          const result = await runner.run(request, {
            signal: abort.signal,
            onProgress: (m) => progress.report({ message: `${name}: ${m}` }),
          });
          results.push({ file: request.file, result });
        } catch (error) {
          if (error instanceof UserCancelledError || abort.signal.aborted) {
            void vscode.window.showInformationMessage(
              error instanceof Error ? error.message : vscode.l10n.t('Cancelled.'),
            );
            break;
          }
          const message = `${name}: ${briefUserError(error, log).message}`;
          void vscode.window
            .showErrorMessage(message, vscode.l10n.t('Show Log'))
            .then((c) => c && log.channel.show(true));
        }
      }
    },
  );
  return results;
}

export function registerImageCommands(
  viewers: ViewerManager,
  runner: ParseRunner,
  log: ExtensionLog,
  extensionUri: vscode.Uri,
  storageUri: vscode.Uri,
): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.openViewer, async (clicked?: unknown, selected?: unknown) => {
      const files = await targetFiles(clicked, selected);
      return files.map((f) => viewers.open(f));
    }),
    vscode.commands.registerCommand(Commands.parse, async (clicked?: unknown, selected?: unknown) => {
      const files = await targetFiles(clicked, selected);
      if (files.length === 0) return;
      const choice = await pickPrompts(files[0], { memory: runner.modalities });
      if (!choice) return;
      const title = vscode.l10n.t('MedImageParse: {0}', promptText(choice.prompts));
      // One pick for the selection; with several files each keeps its own modality (tags, name).
      const requests = await Promise.all(
        files.map(async (f): Promise<RunRequest> => {
          const { modality, site } =
            files.length > 1
              ? parseModalityFor(await firmSuggestionForFile(f, runner.modalities), choice)
              : choice;
          return { kind: 'parse', file: f.fsPath, prompts: choice.prompts, modality, site };
        }),
      );
      const results = await runWithProgress(runner, log, requests, title);
      results.forEach(({ file, result }) => viewers.open(vscode.Uri.file(file), result));
      return results.map((r) => r.result);
    }),
    vscode.commands.registerCommand(Commands.recognize, async (clicked?: unknown, selected?: unknown) => {
      const files = await targetFiles(clicked, selected);
      if (files.length === 0) return;
      const modalityKey = await pickModalityKey(files[0], runner.modalities, files.length);
      if (!modalityKey) return;
      const requests: RunRequest[] = [];
      const skipped: string[] = [];
      for (const f of files) {
        const own =
          modalityKey === eachOwnModality()
            ? ownRecognitionKey(path.basename(f.fsPath), await firmSuggestionForFile(f, runner.modalities))
            : { modalityKey };
        if ('skip' in own) skipped.push(own.skip);
        else requests.push({ kind: 'recognition', file: f.fsPath, modalityKey: own.modalityKey });
      }
      if (skipped.length > 0) {
        log.logger.warn(`Recognize all: skipped ${skipped.join('; ')}`);
        void vscode.window
          .showWarningMessage(
            vscode.l10n.t(
              '{0} of {1} images skipped: they name no modality with a recognition list.',
              skipped.length,
              files.length,
            ),
            vscode.l10n.t('Show Log'),
          )
          .then((c) => c && log.channel.show(true));
      }
      const results = await runWithProgress(
        runner,
        log,
        requests,
        vscode.l10n.t(
          'MedImageParse: recognize all ({0})',
          modalityKey === eachOwnModality() ? vscode.l10n.t("each image's own modality") : modalityKey,
        ),
      );
      results.forEach(({ file, result }) => viewers.open(vscode.Uri.file(file), result));
      return results.map((r) => r.result);
    }),
    vscode.commands.registerCommand(Commands.openSamples, async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      const inWorkspace = folder && vscode.Uri.joinPath(folder.uri, 'demo', '06_CT_abdomen.png');
      // The extension's own folder may be read-only and is replaced on update: exports of the
      // samples go to a copy in the extension's storage instead (made once).
      const base =
        inWorkspace && (await exists(inWorkspace)) ? folder.uri : await sampleCopy(extensionUri, storageUri);
      return viewers.open(vscode.Uri.joinPath(base, 'demo', '06_CT_abdomen.png'));
    }),
    vscode.commands.registerCommand(Commands.showLog, () => log.channel.show()),
  ];
}

/** A writable copy of the shipped samples in the extension's global storage. */
async function sampleCopy(extensionUri: vscode.Uri, storageUri: vscode.Uri): Promise<vscode.Uri> {
  const copy = vscode.Uri.joinPath(storageUri, 'samples');
  if (!(await exists(vscode.Uri.joinPath(copy, 'demo', '06_CT_abdomen.png')))) {
    await vscode.workspace.fs.copy(vscode.Uri.joinPath(extensionUri, 'media', 'samples'), copy, {
      overwrite: true,
    });
  }
  return copy;
}

async function exists(uri: vscode.Uri): Promise<boolean> {
  try {
    await vscode.workspace.fs.stat(uri);
    return true;
  } catch {
    return false;
  }
}
