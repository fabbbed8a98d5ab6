import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry, ResultStore } from '../history/resultStore';
import { Commands } from '../vscode/ids';

export class HistoryItem extends vscode.TreeItem {
  constructor(readonly entry: HistoryEntry) {
    super(path.basename(entry.file), vscode.TreeItemCollapsibleState.None);
    const when = new Date(entry.time).toLocaleString();
    const what = entry.kind === 'recognition' ? vscode.l10n.t('recognize all') : entry.prompts.join(' & ');
    const volume = entry.volume;
    // Slices are counted from 1 here, as the viewer's slice selector does.
    const ran = volume
      ? volume.mode === '3d'
        ? vscode.l10n.t('volume, 3D model')
        : vscode.l10n.t('volume, slices {0}–{1}', volume.range[0] + 1, volume.range[1] + 1)
      : undefined;
    this.description = `${what}${ran ? ` · ${ran}` : ''} · ${entry.summary || vscode.l10n.t('no targets')}`;
    this.tooltip = new vscode.MarkdownString(
      [
        entry.slice !== undefined
          ? vscode.l10n.t('**{0}** (slice {1})', entry.file, entry.slice)
          : `**${entry.file}**`,
        vscode.l10n.t('Prompts: {0}', entry.prompts.join(' & ')),
        entry.ctWindow ? vscode.l10n.t('CT window: {0}', entry.ctWindow) : '',
        volume
          ? vscode.l10n.t(
              'Whole volume: {0}, {1} of {2}',
              volume.mode === '3d'
                ? vscode.l10n.t('MedImageParse 3D')
                : vscode.l10n.t('slice by slice (2D model)'),
              volume.mode === '3d'
                ? vscode.l10n.t('3D model')
                : vscode.l10n.t('slices {0}–{1}', volume.range[0] + 1, volume.range[1] + 1),
              volume.dims.join('×'),
            )
          : '',
        vscode.l10n.t(
          'Endpoint: {0}{1}',
          entry.endpointName,
          entry.source === 'demo-reference'
            ? vscode.l10n.t(' (reference annotations from the demo endpoint)')
            : '',
        ),
        vscode.l10n.t('Time: {0}', when),
        entry.volume
          ? vscode.l10n.t('Volumes: {0}', entry.summary)
          : vscode.l10n.t('Validity: {0}', entry.summary),
        entry.exportFolder ? vscode.l10n.t('Exports: {0}', entry.exportFolder) : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(
      entry.volume ? 'layers' : entry.kind === 'recognition' ? 'search' : 'wand',
    );
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
