import * as vscode from 'vscode';
import type { ViewerManager } from '../editors/viewerManager';
import type { ViewerAction } from '../shared/protocol';
import { Commands } from '../vscode/ids';

/**
 * The viewer's keyboard shortcuts as commands (Run, Export, slice stepping), so they appear in
 * Keyboard Shortcuts where users can see and remap them. Each acts on the viewer in front, as
 * its button or slider would; the webview has no key handling of its own for them.
 */
export function registerViewerCommands(viewers: ViewerManager): vscode.Disposable[] {
  const actions: Record<ViewerAction, string> = {
    run: Commands.viewerRun,
    export: Commands.viewerExport,
    previousSlice: Commands.viewerPreviousSlice,
    nextSlice: Commands.viewerNextSlice,
    firstSlice: Commands.viewerFirstSlice,
    lastSlice: Commands.viewerLastSlice,
  };
  return (Object.entries(actions) as [ViewerAction, string][]).map(([action, command]) =>
    vscode.commands.registerCommand(command, () => viewers.active()?.invoke(action)),
  );
}
