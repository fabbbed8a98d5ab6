import * as vscode from 'vscode';
import { RECOMMENDED_TARGETS, modalityKeyFor } from '../shared/targets';
import { recognitionTargets } from '../analysis/recognition';

type Node =
  | { kind: 'modality'; modality: string }
  | { kind: 'site'; modality: string; site: string }
  | { kind: 'target'; modality: string; site: string; target: string };

const catalogue = RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>;

/** The recommended-targets catalogue, modality → site → target. */
export class TargetsView implements vscode.TreeDataProvider<Node> {
  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'modality': {
        const item = new vscode.TreeItem(node.modality, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('symbol-class');
        return item;
      }
      case 'site': {
        const item = new vscode.TreeItem(node.site, vscode.TreeItemCollapsibleState.Collapsed);
        const key = modalityKeyFor(node.modality, node.site);
        const recognizable = key !== undefined && recognitionTargets(key).length > 0;
        item.description = key;
        item.contextValue = recognizable ? 'modality-recognizable' : 'site';
        item.iconPath = new vscode.ThemeIcon('location');
        return item;
      }
      case 'target': {
        const item = new vscode.TreeItem(node.target, vscode.TreeItemCollapsibleState.None);
        item.contextValue = 'target';
        item.iconPath = new vscode.ThemeIcon('symbol-field');
        item.tooltip = vscode.l10n.t(
          'Add "{0}" to the prompts of the active viewer ({1} · {2})',
          node.target,
          node.modality,
          node.site,
        );
        item.command = {
          command: 'medimageparse.targets.add',
          title: vscode.l10n.t('Add to Prompts'),
          arguments: [node],
        };
        return item;
      }
    }
  }

  getChildren(node?: Node): Node[] {
    if (!node) return Object.keys(catalogue).map((modality) => ({ kind: 'modality', modality }));
    if (node.kind === 'modality')
      return Object.keys(catalogue[node.modality]).map((site) => ({
        kind: 'site',
        modality: node.modality,
        site,
      }));
    if (node.kind === 'site')
      return catalogue[node.modality][node.site].map((target) => ({
        kind: 'target',
        modality: node.modality,
        site: node.site,
        target,
      }));
    return [];
  }
}
