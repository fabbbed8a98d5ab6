import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry, ResultStore } from '../history/resultStore';
import { Commands } from '../vscode/ids';

export class HistoryItem extends vscode.TreeItem {
  constructor(readonly entry: HistoryEntry) {
    super(path.basename(entry.file), vscode.TreeItemCollapsibleState.None);
    const when = new Date(entry.time).toLocaleString();
    const what = entry.kind === 'recognition' ? vscode.l10n.t('recognize all') : entry.prompts.join(' & ');
    this.description = `${what} · ${entry.summary || vscode.l10n.t('no targets')}`;
    this.tooltip = new vscode.MarkdownString(
      [
        entry.slice !== undefined
          ? vscode.l10n.t('**{0}** (slice {1})', entry.file, entry.slice)
          : `**${entry.file}**`,
        vscode.l10n.t('Prompts: {0}', entry.prompts.join(' & ')),
        vscode.l10n.t(
          'Endpoint: {0}{1}',
          entry.endpointName,
          entry.source === 'demo-reference'
            ? vscode.l10n.t(' (reference annotations from the demo endpoint)')
            : '',
        ),
        vscode.l10n.t('Time: {0}', when),
        vscode.l10n.t('Validity: {0}', entry.summary),
        entry.exportFolder ? vscode.l10n.t('Exports: {0}', entry.exportFolder) : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(entry.kind === 'recognition' ? 'search' : 'wand');
    this.contextValue = 'history';
    this.resourceUri = vscode.Uri.file(entry.file);
    this.command = { command: Commands.historyOpen, title: vscode.l10n.t('Open Result'), arguments: [this] };
  }
}

/** Past parses in this workspace, newest first; opening one restores its overlay offline. */
export class HistoryView implements vscode.TreeDataProvider<HistoryItem> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly store: ResultStore) {}

  refresh(): void {
    this.changed.fire();
  }

  getTreeItem(item: HistoryItem): vscode.TreeItem {
    return item;
  }

  async getChildren(): Promise<HistoryItem[]> {
    return (await this.store.list()).map((e) => new HistoryItem(e));
  }
}
