import type * as vscode from 'vscode';
import type { ResultStore } from '../history/resultStore';
import type { EndpointSummary, ParseResult, ViewerSettings, WebviewCommand } from '../shared/protocol';
import type { EndpointManager } from '../vscode/endpoints/endpointManager';
import type { ExtensionLog } from '../vscode/log';
import type { ParseRunner } from '../vscode/parseRunner';
import type { VolumeRunner } from '../vscode/volumeRunner';
import type { PanelFiles } from './panelFiles';
import type { ViewerResults } from './viewerResults';
import type { ViewerController } from './viewerController';

/** What a viewer needs from the rest of the extension; one object, built in extension.ts. */
export interface ViewerServices {
  extensionUri: vscode.Uri;
  log: ExtensionLog;
  endpoints: EndpointManager;
  runner: ParseRunner;
  /** Whole-volume runs and their exports. */
  volumes: VolumeRunner;
  history: ResultStore;
  panelFiles: PanelFiles;
  viewerResults: ViewerResults;
  viewerSettings(): ViewerSettings;
  endpointSummary(): EndpointSummary;
  lastSelections(): Record<string, string[]>;
  rememberSelection(modality: string, targets: string[]): Promise<void>;
  runWebviewCommand(command: WebviewCommand): Promise<void>;
  exportResult(viewer: ViewerController, resultId: string): Promise<void>;
  errorHtml(message: string): string;
  /** Called when a viewer produced a result, for History. */
  onResult?(file: string, result: ParseResult): void;
  /** Called when a viewer added a whole-volume result to History (the view refreshes). */
  historyChanged?(): void;
}
