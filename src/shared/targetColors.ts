/**
 * Target colours, the same in every viewer, run and export: a target's colour comes from its
 * name, never from its position in a result, so "spleen" is the same colour in Parse and in
 * Recognize. Shared by the webview and the host (src/export/overlay.ts); pure.
 *
 * The palette: twelve colours picked from Okabe–Ito, Tol and Trubetskoy's sets so that every
 * pair is at least ΔE*ab 35 apart (CIELAB; 2.3 is a just-noticeable difference, the old
 * sixteen-colour palette had pairs at 14) and none is too dark to see on a dark scan (L* ≥ 45).
 * With more than twelve targets some colours repeat; the legend and the labels name them.
 */
import { RECOMMENDED_TARGETS } from './targets';

export const TARGET_PALETTE: readonly string[] = [
  '#E69F00', // orange
  '#42D4F4', // cyan
  '#F032E6', // magenta
  '#3CB44B', // green
  '#E6194B', // red
  '#4363D8', // blue
  '#BFEF45', // lime
  '#CC79A7', // pink
  '#9A6324', // brown
  '#FF6800', // vivid orange
  '#009988', // teal
  '#4477AA', // steel blue
];

export type Rgb = readonly [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const canonical = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Catalogue targets in catalogue order (first appearance): a site's targets are consecutive, so
 * the targets of one site list (up to twelve) all get different colours.
 */
const CATALOGUE_ORDER: ReadonlyMap<string, number> = (() => {
  const order = new Map<string, number>();
  for (const sites of Object.values(RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>))
    for (const targets of Object.values(sites))
      for (const t of targets) if (!order.has(canonical(t))) order.set(canonical(t), order.size);
  return order;
})();

/** FNV-1a of the name: free-text targets get a colour from their words, the same every time. */
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The palette slot a target asks for: its catalogue position, else a hash of its name. */
export function preferredSlot(target: string): number {
  const key = canonical(target);
  const n = TARGET_PALETTE.length;
  return (CATALOGUE_ORDER.get(key) ?? hashName(key)) % n;
}

/**
 * Colours (hex) for the targets of one result, in the given order. Each target gets its
 * preferred colour; when two targets of the result want the same one, the targets are served in
 * name order (not result order, so Parse and Recognize agree) and a later one takes the next
 * free colour. Repeats only when there are more targets than colours.
 */
export function targetColors(targets: readonly string[]): string[] {
  const n = TARGET_PALETTE.length;
  const slots = new Array<number>(targets.length);
  const taken = new Set<number>();
  const byName = targets
    .map((t, i) => ({ key: canonical(t), i }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  const seen = new Map<string, number>();
  for (const { key, i } of byName) {
    const same = seen.get(key);
    if (same !== undefined) {
      slots[i] = same; // the same name twice is the same target: the same colour
      continue;
    }
    let slot = preferredSlot(key);
    if (taken.size < n) while (taken.has(slot)) slot = (slot + 1) % n;
    taken.add(slot);
    seen.set(key, slot);
    slots[i] = slot;
  }
  return slots.map((s) => TARGET_PALETTE[s]);
}
