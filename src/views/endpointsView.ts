import * as vscode from 'vscode';
import type { EndpointEntry, EndpointManager } from '../vscode/endpoints/endpointManager';
import { Commands } from '../vscode/ids';

/** A row of the Endpoints view; `endpointName` is what the inline commands receive. */
export class EndpointItem extends vscode.TreeItem {
  constructor(
    readonly endpointName: string,
    entry: EndpointEntry,
    hasKey: boolean,
  ) {
    super(endpointName, vscode.TreeItemCollapsibleState.None);
    const s = entry.settings;
    const parts = [
      entry.isDemo
        ? vscode.l10n.t('offline demo')
        : s.auth === 'key'
          ? hasKey
            ? vscode.l10n.t('key set')
            : vscode.l10n.t('no key')
          : s.auth === 'entra'
            ? vscode.l10n.t('Microsoft sign-in')
            : vscode.l10n.t('no auth'),
    ];
    if (entry.state.reachable === true)
      parts.push(
        entry.state.latencyMs
          ? vscode.l10n.t('reachable, {0} ms', entry.state.latencyMs)
          : vscode.l10n.t('reachable'),
      );
    if (entry.state.reachable === false) parts.push(vscode.l10n.t('last call failed'));
    this.description = (entry.isActive ? `● ${vscode.l10n.t('active')} · ` : '') + parts.join(' · ');
    this.tooltip = new vscode.MarkdownString(
      [
        entry.isActive ? vscode.l10n.t('**{0}** (active)', s.name) : `**${s.name}**`,
        entry.isDemo
          ? vscode.l10n.t(
              'Built-in offline demo endpoint: answers with reference annotations of the sample images.',
            )
          : vscode.l10n.t('URL: {0}', s.url),
        s.deployment ? vscode.l10n.t('Deployment: {0}', s.deployment) : '',
        entry.state.lastError ? vscode.l10n.t('Last error: {0}', entry.state.lastError) : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(
      entry.state.reachable === false ? 'error' : entry.isActive ? 'pass-filled' : 'circle-large-outline',
      entry.state.reachable === false ? new vscode.ThemeColor('errorForeground') : undefined,
    );
    // e.g. "endpoint-active-key", "endpoint-entra", "endpoint-active-demo": menus match on these.
    this.contextValue = `endpoint${entry.isActive ? '-active' : ''}-${entry.isDemo ? 'demo' : s.auth}`;
    this.command = entry.isActive
      ? undefined
      : { command: Commands.selectEndpoint, title: vscode.l10n.t('Select'), arguments: [endpointName] };
    this.accessibilityInformation = {
      label: vscode.l10n.t('Endpoint {0}, {1}', endpointName, this.description),
    };
  }
}

export class EndpointsView implements vscode.TreeDataProvider<EndpointItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly manager: EndpointManager) {
    manager.onDidChange(() => this.changed.fire());
  }

  getTreeItem(item: EndpointItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<EndpointItem[]> {
    return Promise.all(
      this.manager
        .list()
        .map(
          async (e) =>
            new EndpointItem(
              e.settings.name,
              e,
              e.settings.auth === 'key' && (await this.manager.hasKey(e.settings.name)),
            ),
        ),
    );
  }
}
