import { runEndNotice } from '../vscode/runEndNotice';
import * as vscode from 'vscode';
import { keyStorageWarning } from '../vscode/endpoints/keyStorage';
import { EndpointError } from '../endpoint/errors';
import { Commands } from '../vscode/ids';
import type { ExtensionLog } from '../vscode/log';
import type { EndpointManager } from '../vscode/endpoints/endpointManager';
import { DEMO_ENDPOINT_NAME } from '../vscode/endpoints/endpointSettings';
import { runEndpointWizard, type WizardUI } from '../vscode/endpoints/endpointWizard';

/** Tree items and other callers pass either an endpoint name or an item that carries one. */
function nameFrom(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (arg && typeof arg === 'object' && 'endpointName' in arg && typeof arg.endpointName === 'string')
    return arg.endpointName;
  return undefined;
}

async function pickEndpoint(
  manager: EndpointManager,
  placeHolder: string,
  includeDemo: boolean,
): Promise<string | undefined> {
  const items = manager
    .list()
    .filter((e) => includeDemo || !e.isDemo)
    .map((e) => ({
      label: e.settings.name,
      description: e.isDemo
        ? vscode.l10n.t('built-in, offline: reference annotations of the sample images')
        : e.settings.url,
      detail: e.isActive ? `$(check) ${vscode.l10n.t('active')}` : undefined,
    }));
  if (items.length === 0) {
    void vscode.window
      .showInformationMessage(vscode.l10n.t('No endpoints configured yet.'), vscode.l10n.t('Add Endpoint'))
      .then((a) => a && vscode.commands.executeCommand(Commands.addEndpoint));
    return undefined;
  }
  return (await vscode.window.showQuickPick(items, { placeHolder }))?.label;
}

/** The wizard's steps shown with VS Code's input box and quick pick. */
const wizardUI: WizardUI = {
  inputBox: async (options) => vscode.window.showInputBox({ ...options, ignoreFocusOut: true }),
  quickPick: async (items, options) =>
    vscode.window.showQuickPick(items, { ...options, ignoreFocusOut: true }),
};

function takenNames(manager: EndpointManager): Set<string> {
  return new Set(manager.list().map((e) => e.settings.name));
}

/**
 * The key input (hidden); `title` numbers it when it is the wizard's last step. Where VS Code's
 * secret storage does not keep keys across Reload Window (a browser workbench), the prompt says
 * so plainly.
 */
async function inputKey(manager: EndpointManager, title: string): Promise<string | undefined> {
  const warning = keyStorageWarning(await manager.keyStorage(), vscode.env.uiKind === vscode.UIKind.Web);
  return wizardUI
    .inputBox({
      title,
      prompt: `${warning ? `⚠ ${warning} ` : ''}${vscode.l10n.t("Paste the primary or secondary key. It is stored only in VS Code's secret storage.")}`,
      password: true,
      validateInput: (v) =>
        v.trim().length < 8 ? vscode.l10n.t('That does not look like an endpoint key.') : undefined,
    })
    .then((key) => key?.trim() || undefined);
}

async function askKey(manager: EndpointManager, name: string): Promise<boolean> {
  const key = await inputKey(manager, vscode.l10n.t("Key for endpoint '{0}'", name));
  if (!key) return false;
  await manager.setKey(name, key);
  return true;
}

export async function testEndpoint(
  manager: EndpointManager,
  log: ExtensionLog,
  name: string,
): Promise<boolean> {
  return vscode.window.withProgress(
    {
      location: vscode.ProgressLocation.Notification,
      title: vscode.l10n.t("Testing endpoint '{0}'…", name),
      cancellable: true,
    },
    async (_progress, token) => {
      const abort = new AbortController();
      token.onCancellationRequested(() => abort.abort());
      try {
        const { client } = await manager.client(name);
        const result = await client.test(abort.signal);
        if (!result.ok) throw result.error;
        manager.recordOutcome(name, { ok: true, latencyMs: Math.round(result.latencyMs) });
        void vscode.window.showInformationMessage(
          vscode.l10n.t("Endpoint '{0}' answered in {1} ms.", name, Math.round(result.latencyMs)),
        );
        return true;
      } catch (error) {
        // The user's Cancel is not a failure of the endpoint: a note, and its status stays.
        const notice = runEndNotice(
          error,
          { cancelled: abort.signal.aborted, slicesKept: false },
          log.redactor,
        );
        if (notice.severity === 'info') {
          void vscode.window.showInformationMessage(notice.message);
          return false;
        }
        const message = error instanceof Error ? log.redactor.redact(error.message) : String(error);
        manager.recordOutcome(name, { ok: false, message });
        log.logger.error(`Test of endpoint '${name}' failed: ${message}`);
        const setKey = vscode.l10n.t('Set Key');
        const showLog = vscode.l10n.t('Show Log');
        const actions =
          error instanceof EndpointError && error.kind === 'auth' ? [setKey, showLog] : [showLog];
        const choice = await vscode.window.showErrorMessage(message, ...actions);
        if (choice === setKey) await vscode.commands.executeCommand(Commands.setEndpointKey, name);
        if (choice === showLog) log.channel.show(true);
        return false;
      }
    },
  );
}

export function registerEndpointCommands(manager: EndpointManager, log: ExtensionLog): vscode.Disposable[] {
  return [
    vscode.commands.registerCommand(Commands.addEndpoint, async () => {
      const result = await runEndpointWizard(wizardUI, {
        takenNames: takenNames(manager),
        askKey: (title) => inputKey(manager, title),
      });
      if (!result) return;
      const { endpoint, key } = result;
      await manager.save(endpoint);
      if (key) await manager.setKey(endpoint.name, key);
      else if (endpoint.auth === 'key') {
        void vscode.window.showWarningMessage(
          vscode.l10n.t(
            'Endpoint \'{0}\' was added without a key. Set it with "MedImageParse: Set Endpoint Key…".',
            endpoint.name,
          ),
        );
      }
      await manager.setActive(endpoint.name);
      const choice = await vscode.window.showInformationMessage(
        vscode.l10n.t("Endpoint '{0}' added and selected.", endpoint.name),
        vscode.l10n.t('Test Now'),
      );
      if (choice) await testEndpoint(manager, log, endpoint.name);
    }),
    vscode.commands.registerCommand(Commands.selectEndpoint, async (arg?: unknown) => {
      const name =
        nameFrom(arg) ??
        (await pickEndpoint(manager, vscode.l10n.t('Select the endpoint MedImageParse sends to'), true));
      if (!name) return;
      if (!manager.get(name)) {
        void vscode.window.showErrorMessage(vscode.l10n.t("There is no endpoint named '{0}'.", name));
        return;
      }
      await manager.setActive(name);
    }),
    vscode.commands.registerCommand(Commands.testEndpoint, async (arg?: unknown) => {
      const name = nameFrom(arg) ?? manager.activeName();
      return testEndpoint(manager, log, name);
    }),
    vscode.commands.registerCommand(Commands.setEndpointKey, async (arg?: unknown) => {
      const name =
        nameFrom(arg) ??
        (await pickEndpoint(manager, vscode.l10n.t('Set the key of which endpoint?'), false));
      if (!name) return;
      if (await askKey(manager, name))
        void vscode.window.showInformationMessage(
          vscode.l10n.t("Key for '{0}' saved in secret storage.", name),
        );
    }),
    vscode.commands.registerCommand(Commands.signIn, async (arg?: unknown) => {
      const name =
        nameFrom(arg) ?? (await pickEndpoint(manager, vscode.l10n.t('Sign in for which endpoint?'), false));
      const entry = name ? manager.get(name) : undefined;
      if (!entry) return;
      try {
        await manager.entraToken(entry.settings, true);
        void vscode.window.showInformationMessage(
          vscode.l10n.t("Signed in for endpoint '{0}'.", entry.settings.name),
        );
      } catch (error) {
        void vscode.window.showErrorMessage(
          log.redactor.redact(error instanceof Error ? error.message : String(error)),
        );
      }
    }),
    vscode.commands.registerCommand(Commands.editEndpoint, async (arg?: unknown) => {
      const name =
        nameFrom(arg) ?? (await pickEndpoint(manager, vscode.l10n.t('Edit which endpoint?'), false));
      const entry = name ? manager.get(name) : undefined;
      if (!entry || entry.isDemo) return;
      const updated = await runEndpointWizard(wizardUI, {
        takenNames: takenNames(manager),
        existing: entry.settings,
      });
      if (updated) await manager.save(updated.endpoint, entry.settings.name);
    }),
    vscode.commands.registerCommand(Commands.removeEndpoint, async (arg?: unknown) => {
      const name =
        nameFrom(arg) ?? (await pickEndpoint(manager, vscode.l10n.t('Remove which endpoint?'), false));
      if (!name || name === DEMO_ENDPOINT_NAME) return;
      const remove = vscode.l10n.t('Remove');
      const confirm = await vscode.window.showWarningMessage(
        vscode.l10n.t("Remove endpoint '{0}' and its stored key?", name),
        { modal: true },
        remove,
      );
      if (confirm === remove) await manager.remove(name);
    }),
    vscode.commands.registerCommand(Commands.manageEndpoints, async () => {
      const active = manager.active();
      const items = [
        { label: `$(check) ${vscode.l10n.t('Select Active Endpoint…')}`, command: Commands.selectEndpoint },
        { label: `$(add) ${vscode.l10n.t('Add Endpoint…')}`, command: Commands.addEndpoint },
        {
          label: `$(debug-start) ${vscode.l10n.t("Test '{0}'", active.settings.name)}`,
          command: Commands.testEndpoint,
        },
        { label: `$(key) ${vscode.l10n.t('Set Endpoint Key…')}`, command: Commands.setEndpointKey },
        { label: `$(edit) ${vscode.l10n.t('Edit Endpoint…')}`, command: Commands.editEndpoint },
        { label: `$(trash) ${vscode.l10n.t('Remove Endpoint…')}`, command: Commands.removeEndpoint },
        { label: `$(output) ${vscode.l10n.t('Show Log')}`, command: Commands.showLog },
      ];
      const pick = await vscode.window.showQuickPick(items, {
        placeHolder: vscode.l10n.t('Active endpoint: {0}', active.settings.name),
      });
      if (pick) await vscode.commands.executeCommand(pick.command);
    }),
  ];
}

/** The status bar item: the active endpoint, one click to switch. */
/**
 * The endpoint's status bar item. It shows only where it means something: while a viewer is open
 * (Run sends to this endpoint) or once the user has configured an endpoint of their own; a window
 * that never uses the extension shows nothing.
 */
export function createEndpointStatusBar(
  manager: EndpointManager,
  viewers: {
    all(): readonly unknown[];
    onDidOpenViewer: vscode.Event<unknown>;
    onDidCloseViewer: vscode.Event<unknown>;
  },
): vscode.Disposable {
  const item = vscode.window.createStatusBarItem(
    'medimageparse.endpoint',
    vscode.StatusBarAlignment.Right,
    100,
  );
  item.name = vscode.l10n.t('MedImageParse Endpoint');
  item.command = Commands.selectEndpoint;
  const update = () => {
    const active = manager.active();
    const blocked = manager.sendBlockedReason();
    item.text = `$(${blocked ? 'lock' : 'cloud'}) ${active.settings.name}`;
    item.tooltip = new vscode.MarkdownString(
      vscode.l10n.t(
        '**MedImageParse endpoint:** {0}{1}\n\n{2}',
        active.settings.name,
        active.isDemo ? vscode.l10n.t(' (offline demo: reference annotations)') : '',
        blocked ?? vscode.l10n.t('Click to switch endpoints.'),
      ),
    );
    if (viewers.all().length > 0 || manager.list().some((e) => !e.isDemo)) item.show();
    else item.hide();
  };
  update();
  return vscode.Disposable.from(
    item,
    manager.onDidChange(update),
    viewers.onDidOpenViewer(update),
    viewers.onDidCloseViewer(update),
  );
}
