import type * as vscode from 'vscode';

const KEY = 'medimageparse.viewerResults';
const VOLUME_KEY = 'medimageparse.viewerVolumeResults';
const MAX_ENTRIES = 200;

/**
 * The last result each viewer showed, by the viewer's own id (kept in its webview state), and
 * apart from it the whole-volume result it showed (a viewer can show both: see
 * ViewerController.onRun). A hidden viewer's webview misses what arrives while it is hidden, and a
 * Reload Window brings back that state as it was: the host remembers for it, so the viewer comes
 * back with its last results.
 */
export class ViewerResults {
  constructor(private readonly memento: vscode.Memento) {}

  get(viewerId: string): string | undefined {
    return this.memento.get<Record<string, string>>(KEY, {})[viewerId];
  }

  remember(viewerId: string, resultId: string): Promise<void> {
    return this.update(KEY, viewerId, resultId);
  }

  /** The id of the whole-volume result the viewer showed last (History holds it). */
  getVolume(viewerId: string): string | undefined {
    return this.memento.get<Record<string, string>>(VOLUME_KEY, {})[viewerId];
  }

  rememberVolume(viewerId: string, volumeResultId: string): Promise<void> {
    return this.update(VOLUME_KEY, viewerId, volumeResultId);
  }

  private async update(key: string, viewerId: string, resultId: string): Promise<void> {
    const all = this.memento.get<Record<string, string>>(key, {});
    if (all[viewerId] === resultId) return;
    const { [viewerId]: _previous, ...rest } = all;
    void _previous;
    // Most recent last, so the oldest viewers are forgotten first.
    const entries = [...Object.entries(rest), [viewerId, resultId]].slice(-MAX_ENTRIES);
    await this.memento.update(key, Object.fromEntries(entries));
  }
}
