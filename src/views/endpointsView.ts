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
        ? 'offline demo'
        : s.auth === 'key'
          ? hasKey
            ? 'key set'
            : 'no key'
          : s.auth === 'entra'
            ? 'Microsoft sign-in'
            : 'no auth',
    ];
    if (entry.state.reachable === true)
      parts.push(`reachable${entry.state.latencyMs ? `, ${entry.state.latencyMs} ms` : ''}`);
    if (entry.state.reachable === false) parts.push('last call failed');
    this.description = (entry.isActive ? '● active · ' : '') + parts.join(' · ');
    this.tooltip = new vscode.MarkdownString(
      [
        `**${s.name}**${entry.isActive ? ' (active)' : ''}`,
        entry.isDemo
          ? 'Built-in offline demo endpoint: answers with reference annotations of the sample images.'
          : `URL: ${s.url}`,
        s.deployment ? `Deployment: ${s.deployment}` : '',
        entry.state.lastError ? `Last error: ${entry.state.lastError}` : '',
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
      : { command: Commands.selectEndpoint, title: 'Select', arguments: [endpointName] };
    this.accessibilityInformation = { label: `Endpoint ${endpointName}, ${this.description}` };
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
