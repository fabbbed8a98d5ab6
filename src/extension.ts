import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import * as l10n from '@vscode/l10n';
import { registerEndpointCommands, createEndpointStatusBar, testEndpoint } from './commands/endpointCommands';
import { registerSeriesCommands } from './commands/seriesCommands';
import { registerImageCommands } from './commands/imageCommands';
import { registerHistoryCommands } from './commands/historyCommands';
import { registerFolderCommands } from './commands/folderCommands';
import { registerViewerCommands } from './commands/viewerCommands';
import { registerBatchEndpointCommands } from './commands/batchEndpointCommands';
import { registerEvaluateCommands } from './commands/evaluateCommands';
import { PanelFiles } from './editors/panelFiles';
import { ViewerResults } from './editors/viewerResults';
import { ViewerManager } from './editors/viewerManager';
import { openStartupImages } from './editors/startupImages';
import type { ViewerServices } from './editors/viewerServices';
import { buildErrorHtml } from './editors/webviewHtml';
import { ResultStore } from './history/resultStore';
import type { ViewerSettings } from './shared/protocol';
import { APP_VERSION } from './shared/version';
import { EndpointManager } from './vscode/endpoints/endpointManager';
import { Commands, Views } from './vscode/ids';
import { ExtensionLog } from './vscode/log';
import { ParseRunner } from './vscode/parseRunner';
import { registerLanguageModelTools } from './vscode/lmTools';
import { registerMcpServerProvider } from './vscode/mcpProvider';
import { EndpointsView } from './views/endpointsView';
import { HistoryView } from './views/historyView';
import { TargetsView } from './views/targetsView';
import { exportViewerResult } from './vscode/exportCommands';
import { applyVolumeMemorySetting } from './vscode/volumeMemory';
import { VolumeRunner } from './vscode/volumeRunner';
import { volumeModesOf } from './vscode/endpoints/endpointSettings';
import { showViewsOnceAViewerOpens } from './vscode/presence';
import { putCliOnTerminalPath } from './vscode/terminalPath';

/** What `activate` returns: used by the integration tests to reach the running extension. */
export interface MedImageParseApi {
  viewers: ViewerManager;
  endpoints: EndpointManager;
  history: ResultStore;
  runner: ParseRunner;
  log: ExtensionLog;
  /** CPU time activate() took, in ms (logged, and checked by the activation test). */
  activationCpuMs: number;
}

function viewerSettings(): ViewerSettings {
  const c = vscode.workspace.getConfiguration('medimageparse');
  return {
    maskThreshold: c.get<number>('viewer.maskThreshold', 0.5),
    maskOpacity: c.get<number>('viewer.maskOpacity', 0.45),
    maskStyle: c.get<ViewerSettings['maskStyle']>('viewer.maskStyle', 'both'),
    likelyAbsentDisplay: c.get<ViewerSettings['likelyAbsentDisplay']>('analysis.likelyAbsentDisplay', 'dim'),
    pValueThreshold: c.get<number>('analysis.pValueThreshold', 0.05),
  };
}

export function activate(context: vscode.ExtensionContext): MedImageParseApi {
  const cpuAtStart = process.cpuUsage();
  // The vscode-free modules (the endpoint wizard, the privacy text, user errors) localize with
  // @vscode/l10n: give it the bundle VS Code loaded for this display language (none for English).
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const log = new ExtensionLog();
  context.subscriptions.push(log);
  log.logger.info(
    `MedImageParse ${APP_VERSION} activating in VS Code ${vscode.version} (${vscode.env.appHost}); research use only.`,
  );

  const endpoints = new EndpointManager(context, log);
  context.subscriptions.push(endpoints);

  // History lives with the workspace (or globally when no folder is open).
  const storage = (context.storageUri ?? context.globalStorageUri).fsPath;
  const history = new ResultStore(path.join(storage, 'history'));
  const historyView = new HistoryView(history);

  const runner = new ParseRunner(context, endpoints, history, log, () => historyView.refresh());
  const SELECTIONS_KEY = 'medimageparse.lastSelections';

  const services: ViewerServices = {
    extensionUri: context.extensionUri,
    log,
    endpoints,
    runner,
    volumes: new VolumeRunner(endpoints, runner, log, path.join(storage, 'volume-runs')),
    history,
    panelFiles: new PanelFiles(context.workspaceState),
    viewerResults: new ViewerResults(context.workspaceState),
    viewerSettings,
    endpointSummary: () => {
      const active = endpoints.active();
      const reason = endpoints.sendBlockedReason();
      return {
        name: active.settings.name,
        isDemo: active.isDemo,
        canSend: !reason,
        reason,
        volumeModes: volumeModesOf(active.settings, active.isDemo),
      };
    },
    lastSelections: () => context.workspaceState.get<Record<string, string[]>>(SELECTIONS_KEY, {}),
    rememberSelection: async (modality, targets) => {
      const all = {
        ...context.workspaceState.get<Record<string, string[]>>(SELECTIONS_KEY, {}),
        [modality]: targets,
      };
      await context.workspaceState.update(SELECTIONS_KEY, all);
    },
    runWebviewCommand: async (command) => {
      switch (command) {
        case 'addEndpoint':
          return void vscode.commands.executeCommand(Commands.addEndpoint);
        case 'selectEndpoint':
          return void vscode.commands.executeCommand(Commands.selectEndpoint);
        case 'showLog':
          return log.channel.show(true);
        case 'testEndpoint':
          return void testEndpoint(endpoints, log, endpoints.activeName());
        case 'openSettings':
          return void vscode.commands.executeCommand('workbench.action.openSettings', 'medimageparse');
      }
    },
    exportResult: (viewer, resultId) =>
      exportViewerResult(viewer, resultId, history, log, () => historyView.refresh()),
    errorHtml: buildErrorHtml,
    historyChanged: () => historyView.refresh(),
  };

  const viewers = new ViewerManager(services);
  context.subscriptions.push(viewers, applyVolumeMemorySetting());

  context.subscriptions.push(
    ...registerEndpointCommands(endpoints, log),
    ...registerImageCommands(viewers, runner, log, context.extensionUri, context.globalStorageUri),
    ...registerSeriesCommands(viewers, log),
    ...registerHistoryCommands({ history, historyView, viewers, log }),
    ...registerFolderCommands({ endpoints, runner, log }),
    ...registerViewerCommands(viewers),
    ...registerBatchEndpointCommands({ endpoints, log }),
    ...registerEvaluateCommands({ log }),
    createEndpointStatusBar(endpoints, viewers),
    showViewsOnceAViewerOpens(viewers),
    vscode.window.registerTreeDataProvider(Views.endpoints, new EndpointsView(endpoints)),
    vscode.window.registerTreeDataProvider(Views.targets, new TargetsView()),
    vscode.window.registerTreeDataProvider(Views.history, historyView),
    ...registerLanguageModelTools({
      endpoints,
      history,
      log,
      show: (file, result) => {
        historyView.refresh();
        viewers.open(vscode.Uri.file(file), result);
      },
    }),
    ...registerMcpServerProvider({ extension: context.extension, endpoints, log }),
  );
  const terminalProblem = putCliOnTerminalPath(context);
  if (terminalProblem) log.logger.warn(terminalProblem);
  void openStartupImages(viewers, log);
  const cpu = process.cpuUsage(cpuAtStart);
  const activationCpuMs = (cpu.user + cpu.system) / 1000;
  log.logger.info(
    `Ready in ${activationCpuMs.toFixed(1)} ms. Active endpoint: ${endpoints.activeName()}. Storage: ${storage.replace(os.homedir(), '~')}`,
  );
  return { viewers, endpoints, history, runner, log, activationCpuMs };
}

export function deactivate(): void {}
