/**
 * What the whole-volume controls mean, as pure functions (unit-tested): which acquisition slices
 * a choice covers, and how a target's volume figures read in the legend.
 */
import type { VolumeTargetSummary } from '../src/shared/protocol';

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
        return { error: `Give slices from 1 to ${count}, the first no later than the last.` };
      return { range: [first - 1, last - 1] };
    }
    case 'around': {
      const { n } = choice;
      if (!Number.isInteger(n) || n < 0) return { error: 'Give how many slices on each side (0 or more).' };
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
  return `${ml.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })} mL`;
}

/** A target's figures over the volume: "412.3 mL · 73,284 voxels · slices 12–44 · 1 component". */
export function volumeLine(t: VolumeTargetSummary): string {
  if (t.voxels === 0) return 'not found in the volume';
  const slices = t.slices ? `slices ${t.slices[0] + 1}–${t.slices[1] + 1}` : '';
  const components = t.components === 1 ? '1 component' : `${t.components} components`;
  return [formatMl(t.volumeMl), `${t.voxels.toLocaleString('en-US')} voxels`, slices, components]
    .filter(Boolean)
    .join(' · ');
}

/** "likely absent on 3 slices", or '' when on none. */
export function likelyAbsentLine(t: VolumeTargetSummary): string {
  const n = t.likelyAbsentSlices;
  return n === 0 ? '' : `likely absent on ${n} slice${n === 1 ? '' : 's'}`;
}
