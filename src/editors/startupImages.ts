import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionLog } from '../vscode/log';
import { ViewTypes } from '../vscode/ids';
import { viewerPanelTitle, type ViewerManager } from './viewerManager';

/** What a tab tells about the viewer it holds, if it holds one. */
export interface ViewerTab {
  /** A viewer panel (its tab gives its title only) or a custom editor (its tab gives the file). */
  kind: 'panel' | 'editor';
  label: string;
  fsPath?: string;
}

export function viewerTabOf(tab: vscode.Tab): ViewerTab | undefined {
  const input = tab.input;
  // A panel's view type may carry the workbench's "mainThreadWebview-" prefix.
  if (input instanceof vscode.TabInputWebview && input.viewType.endsWith(ViewTypes.panel))
    return { kind: 'panel', label: tab.label };
  if (
    input instanceof vscode.TabInputCustom &&
    (input.viewType === ViewTypes.medicalEditor || input.viewType === ViewTypes.imageEditor)
  )
    return { kind: 'editor', label: tab.label, fsPath: input.uri.fsPath };
  return undefined;
}

/**
 * Whether a viewer of `file` is already among the tabs. After a reload the workbench restores
 * viewer tabs by itself, but brings a hidden tab's panel back only when it is shown, so the open
 * viewers cannot tell: the tabs can. A panel's tab gives only its title, so a panel of another
 * file with the same name also counts (the startup image is then not opened a second time).
 */
export function hasViewerTab(file: string, tabs: readonly ViewerTab[]): boolean {
  const title = viewerPanelTitle(file);
  return tabs.some((t) =>
    t.kind === 'panel'
      ? t.label === title
      : t.fsPath !== undefined && path.resolve(t.fsPath) === path.resolve(file),
  );
}

function viewerTabs(): ViewerTab[] {
  return vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .map(viewerTabOf)
    .filter((t): t is ViewerTab => t !== undefined);
}

/**
 * Opens the images a workspace lists in `medimageparse.openOnStartup` (the last one ends up in
 * front), except those a restored tab already shows: a Reload Window brings those back with their
 * state and results, and a second copy would start empty.
 */
export async function openStartupImages(viewers: ViewerManager, log: ExtensionLog): Promise<void> {
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const paths = vscode.workspace
      .getConfiguration('medimageparse', folder.uri)
      .get<string[]>('openOnStartup', []);
    for (const relative of Array.isArray(paths) ? paths : []) {
      if (typeof relative !== 'string') continue;
      const uri = vscode.Uri.joinPath(folder.uri, relative);
      if (viewers.forFile(uri.fsPath) || hasViewerTab(uri.fsPath, viewerTabs())) continue;
      try {
        await vscode.workspace.fs.stat(uri);
        viewers.open(uri);
      } catch {
        log.logger.warn(`medimageparse.openOnStartup: ${uri.fsPath} does not exist.`);
      }
    }
  }
}
