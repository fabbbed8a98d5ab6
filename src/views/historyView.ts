import * as path from 'node:path';
import * as vscode from 'vscode';
import type { HistoryEntry, ResultStore } from '../history/resultStore';
import { Commands } from '../vscode/ids';

export class HistoryItem extends vscode.TreeItem {
  constructor(readonly entry: HistoryEntry) {
    super(path.basename(entry.file), vscode.TreeItemCollapsibleState.None);
    const when = new Date(entry.time).toLocaleString();
    const what = entry.kind === 'recognition' ? 'recognize all' : entry.prompts.join(' & ');
    const volume = entry.volume;
    // Slices are counted from 1 here, as the viewer's slice selector does.
    const ran = volume
      ? `${volume.mode === '3d' ? 'volume, 3D model' : `volume, slices ${volume.range[0] + 1}–${volume.range[1] + 1}`}`
      : undefined;
    this.description = `${what}${ran ? ` · ${ran}` : ''} · ${entry.summary || 'no targets'}`;
    this.tooltip = new vscode.MarkdownString(
      [
        `**${entry.file}**${entry.slice !== undefined ? ` (slice ${entry.slice})` : ''}`,
        `Prompts: ${entry.prompts.join(' & ')}`,
        ran
          ? `Whole volume: ${volume?.mode === '3d' ? 'MedImageParse 3D' : 'slice by slice (2D model)'}, ${ran.replace(/^volume, /, '')} of ${volume?.dims.join('×')}`
          : '',
        `Endpoint: ${entry.endpointName}${entry.source === 'demo-reference' ? ' (reference annotations from the demo endpoint)' : ''}`,
        `Time: ${when}`,
        `${entry.volume ? 'Volumes' : 'Validity'}: ${entry.summary}`,
        entry.exportFolder ? `Exports: ${entry.exportFolder}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
    this.iconPath = new vscode.ThemeIcon(
      entry.volume ? 'layers' : entry.kind === 'recognition' ? 'search' : 'wand',
    );
    this.contextValue = 'history';
    this.resourceUri = vscode.Uri.file(entry.file);
    this.command = { command: Commands.historyOpen, title: 'Open Result', arguments: [this] };
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
