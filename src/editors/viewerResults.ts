import type * as vscode from 'vscode';

const KEY = 'medimageparse.viewerResults';
const MAX_ENTRIES = 200;

/**
 * The last result each viewer showed, by the viewer's own id (kept in its webview state). A
 * hidden viewer's webview misses what arrives while it is hidden, and a Reload Window brings back
 * that state as it was: the host remembers for it, so the viewer comes back with its last result.
 */
export class ViewerResults {
  constructor(private readonly memento: vscode.Memento) {}

  get(viewerId: string): string | undefined {
    return this.memento.get<Record<string, string>>(KEY, {})[viewerId];
  }

  async remember(viewerId: string, resultId: string): Promise<void> {
    const all = this.memento.get<Record<string, string>>(KEY, {});
    if (all[viewerId] === resultId) return;
    const { [viewerId]: _previous, ...rest } = all;
    void _previous;
    // Most recent last, so the oldest viewers are forgotten first.
    const entries = [...Object.entries(rest), [viewerId, resultId]].slice(-MAX_ENTRIES);
    await this.memento.update(KEY, Object.fromEntries(entries));
  }
}
