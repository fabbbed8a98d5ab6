import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';

const KEY = 'medimageparse.panelFiles';
const MAX_ENTRIES = 200;

/**
 * Opaque keys for the files shown in viewer panels, so a panel restored after a reload knows its
 * file while the webview itself never holds a path.
 */
export class PanelFiles {
  constructor(private readonly memento: vscode.Memento) {}

  keyFor(file: string): string {
    const key = createHash('sha256').update(file).digest('hex').slice(0, 24);
    const all = this.memento.get<Record<string, string>>(KEY, {});
    if (all[key] !== file) {
      const entries = Object.entries({ ...all, [key]: file }).slice(-MAX_ENTRIES);
      void this.memento.update(KEY, Object.fromEntries(entries));
    }
    return key;
  }

  get(key: string): string | undefined {
    return this.memento.get<Record<string, string>>(KEY, {})[key];
  }
}
