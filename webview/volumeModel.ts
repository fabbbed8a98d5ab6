/**
 * What the whole-volume controls mean, as pure functions (unit-tested): which acquisition slices
 * a choice covers, and how a target's volume figures read in the legend.
 */
import type { VolumeTargetSummary } from '../src/shared/protocol';
import * as l10n from '@vscode/l10n';

export type SliceChoice =
  | { kind: 'all' }
  /** First and last slice as the user numbers them (1-based, as the slice slider shows). */
  | { kind: 'range'; first: number; last: number }
  | { kind: 'around'; n: number };

/**
 * The 0-based first and last slice of a choice in a volume of `count` slices, with `current`
 * the acquisition slice on screen; or an error a user can act on.
 */
export function sliceRange(
  choice: SliceChoice,
  current: number,
  count: number,
): { range: [number, number] } | { error: string } {
  switch (choice.kind) {
    case 'all':
      return { range: [0, count - 1] };
    case 'range': {
      const { first, last } = choice;
      if (!Number.isInteger(first) || !Number.isInteger(last) || first < 1 || last > count || first > last)
        return { error: l10n.t('Give slices from 1 to {0}, the first no later than the last.', count) };
      return { range: [first - 1, last - 1] };
    }
    case 'around': {
      const { n } = choice;
      if (!Number.isInteger(n) || n < 0)
        return { error: l10n.t('Give how many slices on each side (0 or more).') };
      return { range: [Math.max(0, current - n), Math.min(count - 1, current + n)] };
    }
    default: {
      const never: never = choice;
      return never;
    }
  }
}

/** "1,234.5 mL" style: two decimals below 10 mL, one below 1000, none above. */
export function formatMl(ml: number): string {
  const digits = ml < 10 ? 2 : ml < 1000 ? 1 : 0;
  // l10n-ignore: a unit symbol
  return `${ml.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} mL`;
}

/** A target's figures over the volume: "412.3 mL · 73,284 voxels · slices 12–44 · 1 component". */
export function volumeLine(t: VolumeTargetSummary): string {
  if (t.voxels === 0) return l10n.t('not found in the volume');
  const slices = t.slices ? l10n.t('slices {0}–{1}', t.slices[0] + 1, t.slices[1] + 1) : '';
  const components = t.components === 1 ? l10n.t('1 component') : l10n.t('{0} components', t.components);
  return [formatMl(t.volumeMl), l10n.t('{0} voxels', t.voxels.toLocaleString('en-US')), slices, components]
    .filter(Boolean)
    .join(' · ');
}

/** "likely absent on 3 slices", or '' when on none. */
export function likelyAbsentLine(t: VolumeTargetSummary): string {
  const n = t.likelyAbsentSlices;
  return n === 0
    ? ''
    : n === 1
      ? l10n.t('likely absent on 1 slice')
      : l10n.t('likely absent on {0} slices', n);
}
