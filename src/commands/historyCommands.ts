import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ViewerController } from '../editors/viewerController';
import type { ViewerManager } from '../editors/viewerManager';
import { chooseSeries, isFolder, seriesSource, type SliceSource } from '../editors/sliceSource';
import { rerunParseRequest, rerunVolumeRequest } from '../history/rerun';
import type { HistoryEntry, ResultStore } from '../history/resultStore';
import { Commands, ViewTypes } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import { runEndNotice } from '../vscode/runEndNotice';
import { RunBusyError, toUserError } from '../vscode/userError';
import type { HistoryItem, HistoryView } from '../views/historyView';
import { modalityKeyFor } from '../shared/targets';

interface Deps {
  history: ResultStore;
  historyView: HistoryView;
  viewers: ViewerManager;
  log: ExtensionLog;
}

/** History items arrive as tree items; tests and links may pass a result id. */
function idFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'entry' in arg) return (arg as HistoryItem).entry.id;
  return undefined;
}

/**
 * What a result's viewer shows: the very series of its folder, when the result names one. A series
 * no longer there is an error, never another series of the folder in its place.
 */
async function entrySource(entry: HistoryEntry): Promise<SliceSource | undefined> {
  const seriesUid = entry.volume?.seriesInstanceUid ?? entry.seriesInstanceUid;
  if (!seriesUid || !(await isFolder(entry.file))) return undefined;
  const { series } = await chooseSeries(entry.file, { seriesUid });
  if (series.seriesInstanceUid !== seriesUid)
    throw new Error(
      vscode.l10n.t(
        'The DICOM series {0} this result was made on is no longer in {1}.',
        seriesUid,
        entry.file,
      ),
    );
  return seriesSource(entry.file, series);
}

/** The viewer of a volume result's source: its NIfTI, or the very series of its folder. */
async function volumeViewer(viewers: ViewerManager, entry: HistoryEntry): Promise<ViewerController> {
  return viewers.open(vscode.Uri.file(entry.file), undefined, await entrySource(entry));
}

/**
 * The viewer a single-image Run Again runs in: one of the file (and series) already open (the
 * busy one first, so that Run Again is refused there rather than run beside it; else its panel,
 * else its editor), or a new panel.
 */
async function imageViewer(viewers: ViewerManager, entry: HistoryEntry): Promise<ViewerController> {
  const source = await entrySource(entry);
  const open = viewers
    .all()
    .filter(
      (v) =>
        v.uri.fsPath === entry.file && (!source?.series || v.seriesUid === source.series.seriesInstanceUid),
    );
  const existing =
    open.find((v) => v.running) ?? open.find((v) => v.webviewPanel.viewType === ViewTypes.panel) ?? open[0];
  if (!existing) return viewers.open(vscode.Uri.file(entry.file), undefined, source);
  existing.webviewPanel.reveal();
  return existing;
}

/** A second run asked for while the viewer of `file` runs one: not started, said as a note. */
const viewerBusy = (file: string): RunBusyError =>
  new RunBusyError(
    vscode.l10n.t(
      'A run is already in progress in the viewer of {0}: wait for it to finish, or cancel it there.',
      path.basename(file),
    ),
  );

type TargetNode = { kind: 'target' | 'site'; modality: string; site: string; target?: string };

export function registerHistoryCommands({ history, historyView, viewers, log }: Deps): vscode.Disposable[] {
  /** A Run Again that ended without a result: the user's Cancel is a note, a failure an error. */
  const showRunEnd = (error: unknown, how: { cancelled: boolean; slicesKept: boolean }): void => {
    const notice = runEndNotice(error, how, log.redactor);
    if (notice.severity === 'info') void vscode.window.showInformationMessage(notice.message);
    else void vscode.window.showErrorMessage(notice.message);
  };
  return [
    vscode.commands.registerCommand(Commands.historyOpen, async (arg?: unknown) => {
      const id = idFrom(arg);
      const entry = id ? await history.get(id) : undefined;
      if (entry?.volume) {
        const record = await history.loadVolume(entry.id);
        if (!record) {
          void vscode.window.showErrorMessage(
            vscode.l10n.t('That volume result is no longer in the history store; run the volume again.'),
          );
          return;
        }
        try {
          const viewer = await volumeViewer(viewers, entry);
          await viewer.showVolumeRecord(record);
          return viewer;
        } catch (error) {
          void vscode.window.showErrorMessage(toUserError(error, log.redactor).message);
          return;
        }
      }
      const result = id ? await history.load(id) : undefined;
      if (!entry || !result) {
        void vscode.window.showErrorMessage(
          vscode.l10n.t('That result is no longer in the history store; run the parse again.'),
        );
        return;
      }
      try {
        return viewers.open(vscode.Uri.file(entry.file), result, await entrySource(entry));
      } catch (error) {
        void vscode.window.showErrorMessage(toUserError(error, log.redactor).message);
        return;
      }
    }),
    vscode.commands.registerCommand(Commands.historyReveal, async (arg?: unknown) => {
      const id = idFrom(arg);
      const entry = id ? await history.get(id) : undefined;
      if (!entry?.exportFolder) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('This result has not been exported yet: open it and choose Export in the viewer.'),
        );
        return;
      }
      await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(entry.exportFolder));
    }),
    vscode.commands.registerCommand(Commands.historyRerun, async (arg?: unknown) => {
      const id = idFrom(arg);
      const entry = id ? await history.get(id) : undefined;
      if (entry?.volume) {
        const volume = entry.volume;
        const abort = new AbortController();
        try {
          const viewer = await volumeViewer(viewers, entry);
          await viewer.whenReady();
          // One run at a time on a viewer: the one in progress is on screen, with its Cancel.
          if (viewer.running) throw viewerBusy(entry.file);
          await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: vscode.l10n.t('MedImageParse: running the volume again on {0}', entry.file),
              cancellable: true,
            },
            (progress, token) => {
              token.onCancellationRequested(() => abort.abort());
              return viewer.runVolume(rerunVolumeRequest(entry, volume), {
                signal: abort.signal,
                onProgress: (message, increment) => progress.report({ message, increment }),
              });
            },
          );
        } catch (error) {
          showRunEnd(error, { cancelled: abort.signal.aborted, slicesKept: volume.mode === 'slices' });
        }
        return;
      }
      const previous = id ? await history.load(id) : undefined;
      if (!entry || !previous) return;
      const abort = new AbortController();
      try {
        // In the viewer of the file, as the volume's Run Again: on the slice and frame the result
        // was made on, with the viewer's progress and Cancel, and refused while it runs another.
        const viewer = await imageViewer(viewers, entry);
        await viewer.whenReady();
        if (viewer.running) throw viewerBusy(entry.file);
        const { kind: _parse, file: _file, ...parse } = rerunParseRequest(entry);
        await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t('MedImageParse: running again on {0}', entry.file),
            cancellable: true,
          },
          (progress, token) => {
            token.onCancellationRequested(() => abort.abort());
            return viewer.runAgain(
              previous.kind === 'recognition' && previous.modalityKey
                ? {
                    kind: 'recognition',
                    slice: entry.slice,
                    frame: entry.frame,
                    modalityKey: previous.modalityKey,
                  }
                : { kind: 'parse', ...parse },
              {
                signal: abort.signal,
                onProgress: (message, increment) => progress.report({ message, increment }),
              },
            );
          },
        );
      } catch (error) {
        showRunEnd(error, { cancelled: abort.signal.aborted, slicesKept: false });
      }
    }),
    vscode.commands.registerCommand(Commands.historyDelete, async (arg?: unknown) => {
      const id = idFrom(arg);
      const entry = id ? await history.get(id) : undefined;
      if (!id || !entry) return;
      const del = vscode.l10n.t('Delete');
      const confirm = await vscode.window.showWarningMessage(
        vscode.l10n.t('Delete this result of {0} from the history?', entry.file),
        { modal: true, detail: vscode.l10n.t('Exported files are kept.') },
        del,
      );
      if (confirm !== del) return;
      await history.delete(id);
      historyView.refresh();
    }),
    vscode.commands.registerCommand(Commands.historyClear, async () => {
      const clear = vscode.l10n.t('Clear');
      const confirm = await vscode.window.showWarningMessage(
        vscode.l10n.t('Clear the MedImageParse history of this workspace?'),
        { modal: true, detail: vscode.l10n.t('Exported files are kept.') },
        clear,
      );
      if (confirm !== clear) return;
      await history.clear();
      historyView.refresh();
    }),
    vscode.commands.registerCommand(Commands.addTarget, async (node?: TargetNode) => {
      if (!node?.target) return;
      const viewer = viewers.active();
      if (!viewer) {
        void vscode.window
          .showInformationMessage(
            vscode.l10n.t(
              'Open an image in the MedImageParse viewer first; then targets chosen here are added to its prompts.',
            ),
            vscode.l10n.t('Open Image…'),
          )
          .then((c) => c && vscode.commands.executeCommand(Commands.openViewer));
        return;
      }
      viewer.addTargets([node.target], node.modality, node.site);
      viewer.webviewPanel.reveal(undefined, true);
    }),
    vscode.commands.registerCommand(Commands.recognizeModality, async (node?: TargetNode) => {
      const key = node ? modalityKeyFor(node.modality, node.site) : undefined;
      const viewer = viewers.active();
      if (!key) return;
      if (!viewer) {
        void vscode.window.showInformationMessage(
          vscode.l10n.t('Open an image in the MedImageParse viewer first.'),
        );
        return;
      }
      viewer.webviewPanel.reveal();
      const abort = new AbortController();
      try {
        if (viewer.running) throw viewerBusy(viewer.uri.fsPath);
        // In the viewer, on the image it shows: running there like its own Recognize all, with
        // its Cancel, and its result shown there when done.
        await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: vscode.l10n.t('MedImageParse: recognize all ({0})', key),
            cancellable: true,
          },
          (progress, token) => {
            token.onCancellationRequested(() => abort.abort());
            return viewer.recognize(key, {
              signal: abort.signal,
              onProgress: (message, increment) => progress.report({ message, increment }),
            });
          },
        );
      } catch (error) {
        showRunEnd(error, { cancelled: abort.signal.aborted, slicesKept: false });
      }
    }),
  ];
}
