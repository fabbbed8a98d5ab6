import * as vscode from 'vscode';
import { ContextKeys } from './ids';

/**
 * The activity-bar container shows where it means something: when the user has configured an
 * endpoint (a `config.` when-clause, true even before the extension activates) or has opened a
 * viewer in this window (this context key). It stays once shown, so closing the last viewer does
 * not pull the History view from under the user.
 */
export function showViewsOnceAViewerOpens(viewers: {
  all(): readonly unknown[];
  onDidOpenViewer: vscode.Event<unknown>;
}): vscode.Disposable {
  const show = () => void vscode.commands.executeCommand('setContext', ContextKeys.viewerOpened, true);
  if (viewers.all().length > 0) {
    show();
    return new vscode.Disposable(() => undefined);
  }
  const sub = viewers.onDidOpenViewer(() => {
    show();
    sub.dispose();
  });
  return sub;
}
