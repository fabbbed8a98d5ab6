import { createHash } from 'node:crypto';
import type * as vscode from 'vscode';

const KEY = 'medimageparse.panelFiles';
/** key → SeriesInstanceUID, for panels showing one series of a folder that holds several. */
const SERIES_KEY = 'medimageparse.panelSeries';
const MAX_ENTRIES = 200;

/**
 * Opaque keys for the files shown in viewer panels, so a panel restored after a reload knows its
 * file while the webview itself never holds a path.
 */
export class PanelFiles {
  constructor(private readonly memento: vscode.Memento) {}

  /**
   * The key of a panel showing `file` (or, for a DICOM folder, its series `seriesUid`: a folder
   * with several series may be open in several panels, each on its own series).
   */
  keyFor(file: string, seriesUid?: string): string {
    const key = createHash('sha256')
      .update(seriesUid ? `${file}\n${seriesUid}` : file)
      .digest('hex')
      .slice(0, 24);
    const all = this.memento.get<Record<string, string>>(KEY, {});
    if (all[key] !== file) {
      const entries = Object.entries({ ...all, [key]: file }).slice(-MAX_ENTRIES);
      void this.memento.update(KEY, Object.fromEntries(entries));
    }
    if (seriesUid) {
      const series = this.memento.get<Record<string, string>>(SERIES_KEY, {});
      if (series[key] !== seriesUid) {
        const entries = Object.entries({ ...series, [key]: seriesUid }).slice(-MAX_ENTRIES);
        void this.memento.update(SERIES_KEY, Object.fromEntries(entries));
      }
    }
    return key;
  }

  get(key: string): string | undefined {
    return this.memento.get<Record<string, string>>(KEY, {})[key];
  }

  /** The series the panel with `key` showed, when it showed one series of a folder. */
  seriesOf(key: string): string | undefined {
    return this.memento.get<Record<string, string>>(SERIES_KEY, {})[key];
  }
}
