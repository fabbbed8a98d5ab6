import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ParseResult } from '../shared/protocol';
import { Disposable } from '../vscode/disposable';
import { ViewTypes } from '../vscode/ids';
import { ViewerController } from './viewerController';
import type { ViewerServices } from './viewerServices';
import { chooseSeries, isFolder, seriesSource, type SliceSource } from './sliceSource';

/** The title of the viewer panel for a file (restored tabs are recognised by it). */
export function viewerPanelTitle(file: string): string {
  return vscode.l10n.t('MedImageParse: {0}', path.basename(file));
}

/**
 * Keeps track of every open viewer (panels from the command, custom editors for DICOM/NIfTI and,
 * as an option, ordinary images) and provides the custom editor.
 */
export class ViewerManager extends Disposable implements vscode.CustomReadonlyEditorProvider {
  private readonly viewers = new Set<ViewerController>();
  private readonly opened = this._register(new vscode.EventEmitter<ViewerController>());
  readonly onDidOpenViewer = this.opened.event;
  private readonly closed = this._register(new vscode.EventEmitter<ViewerController>());
  /** A viewer's panel was closed (the status bar item hides when none is left). */
  readonly onDidCloseViewer = this.closed.event;
  private lastActive?: ViewerController;

  constructor(private readonly services: ViewerServices) {
    super();
    for (const viewType of [ViewTypes.medicalEditor, ViewTypes.imageEditor]) {
      this._register(
        vscode.window.registerCustomEditorProvider(viewType, this, {
          // Results are restored from state and history, so hidden webviews need not stay alive.
          webviewOptions: { retainContextWhenHidden: false },
          supportsMultipleEditorsPerDocument: true,
        }),
      );
    }
    this._register(
      vscode.window.registerWebviewPanelSerializer(ViewTypes.panel, {
        // After a reload VS Code hands back the panel with the webview's saved state; the file
        // is found from the result it showed (History) so the overlay comes back offline.
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const file = await this.fileForState(state);
          if (!file) {
            panel.dispose();
            return;
          }
          // A panel on one series of a folder with several comes back on that series, not the largest.
          const source = await this.seriesSourceForState(file, state).catch(() => undefined);
          this.track(new ViewerController(vscode.Uri.file(file), panel, this.services, undefined, source));
        },
      }),
    );
  }

  private async fileForState(state: unknown): Promise<string | undefined> {
    if (!state || typeof state !== 'object') return undefined;
    const s = state as { resultId?: unknown; stateKey?: unknown };
    if (typeof s.stateKey === 'string') {
      const file = this.services.panelFiles.get(s.stateKey);
      if (file) return file;
    }
    // A slice's share of a volume result is `<volume result id>:<plane>:<index>`.
    if (typeof s.resultId === 'string')
      return (await this.services.history.get(s.resultId.split(':')[0]))?.file;
    return undefined;
  }

  private async seriesSourceForState(file: string, state: unknown): Promise<SliceSource | undefined> {
    const key = (state as { stateKey?: unknown } | undefined)?.stateKey;
    const seriesUid = typeof key === 'string' ? this.services.panelFiles.seriesOf(key) : undefined;
    if (!seriesUid || !(await isFolder(file))) return undefined;
    const { series } = await chooseSeries(file, { seriesUid });
    return seriesSource(file, series);
  }

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(document: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    this.track(new ViewerController(document.uri, panel, this.services));
  }

  private track(viewer: ViewerController): ViewerController {
    this.viewers.add(viewer);
    this.lastActive = viewer;
    viewer.webviewPanel.onDidChangeViewState((e) => {
      if (e.webviewPanel.active) this.lastActive = viewer;
    });
    viewer.webviewPanel.onDidDispose(() => {
      this.viewers.delete(viewer);
      if (this.lastActive === viewer) this.lastActive = undefined;
      this.closed.fire(viewer);
    });
    this.opened.fire(viewer);
    return viewer;
  }

  /**
   * Opens (or reveals) the viewer panel for a file or a DICOM series folder, optionally showing a
   * result. `source` says what to show (e.g. the series the user picked); a panel already showing
   * another series of the same folder is not reused.
   */
  open(uri: vscode.Uri, result?: ParseResult, source?: SliceSource): ViewerController {
    const existing = [...this.viewers].find(
      (v) =>
        v.uri.fsPath === uri.fsPath &&
        v.webviewPanel.viewType === ViewTypes.panel &&
        (!source?.series || v.seriesUid === source.series.seriesInstanceUid),
    );
    if (existing) {
      existing.webviewPanel.reveal();
      if (result) existing.showResult(result);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(
      ViewTypes.panel,
      viewerPanelTitle(uri.fsPath),
      vscode.ViewColumn.Active,
      {
        enableScripts: true,
      },
    );
    panel.iconPath = vscode.Uri.joinPath(this.services.extensionUri, 'media', 'activity.svg');
    return this.track(new ViewerController(uri, panel, this.services, result, source));
  }

  /** The viewer the user last worked in, for side-panel actions. */
  active(): ViewerController | undefined {
    return this.lastActive && !this.lastActive.isDisposed ? this.lastActive : [...this.viewers].at(-1);
  }

  all(): ViewerController[] {
    return [...this.viewers];
  }

  forFile(fsPath: string): ViewerController | undefined {
    return [...this.viewers].find((v) => v.uri.fsPath === fsPath);
  }

  override dispose(): void {
    for (const v of this.viewers) v.dispose();
    super.dispose();
  }
}
