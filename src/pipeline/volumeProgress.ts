/**
 * Progress of a whole-volume run as a user reads it: slices done of the total, and the time left
 * estimated from the slices actually sent in this run (slices kept from an earlier run take no
 * time and say nothing about the endpoint's pace).
 */
import * as l10n from '@vscode/l10n';
export class VolumeProgress {
  private done = 0;
  private sent = 0;
  private readonly started: number;

  constructor(
    private readonly total: number,
    private readonly now: () => number = Date.now,
  ) {
    this.started = now();
  }

  /** One more slice finished; returns the message and the progress step in percent. */
  slice(fromStore: boolean): { message: string; increment: number } {
    this.done++;
    if (!fromStore) this.sent++;
    const left = this.total - this.done;
    let message = l10n.t('{0} / {1} slices', this.done, this.total);
    if (left > 0 && this.sent > 0) {
      const perSlice = (this.now() - this.started) / this.sent;
      message += ` · ${l10n.t('{0} left', formatTimeLeft(perSlice * left))}`;
    }
    return { message, increment: 100 / this.total };
  }
}

/** "about 40 s", "about 3 min", "about 1 h 10 min". */
export function formatTimeLeft(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  if (s < 60) return l10n.t('about {0} s', s);
  const min = Math.round(s / 60);
  if (min < 60) return l10n.t('about {0} min', min);
  return l10n.t('about {0} h {1} min', Math.floor(min / 60), min % 60);
}
