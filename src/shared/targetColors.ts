/**
 * Target colours, the same in every viewer, run and export: a target's colour comes from its
 * name, never from its position in a result, so "spleen" is the same colour in Parse and in
 * Recognize. Shared by the webview and the host (src/export/overlay.ts); pure.
 *
 * The palette: twenty colours, three of them Okabe–Ito's, the rest picked greedily (farthest
 * from all chosen so far in CIELAB) from saturated sRGB colours with 50 ≤ L* ≤ 90, so that every
 * pair is at least ΔE*ab 34 apart (2.3 is a just-noticeable difference; the old sixteen-colour
 * palette had pairs at 14, e.g. its two light blues) and none is too dark to see on a dark scan.
 * Twenty covers the longest catalogue list (CT abdomen, 19 targets) without a repeat.
 */
import { RECOMMENDED_TARGETS } from './targets';

// Order matters only for which target gets which colour (slot = catalogue position mod 20):
// liver (catalogue position 11) keeps the orange it always had; the pale colours land on
// rarer targets.
export const TARGET_PALETTE: readonly string[] = [
  '#FFDD99',
  '#56B4E9',
  '#009E73',
  '#FF00FF',
  '#00FF00',
  '#FF2266',
  '#6666EE',
  '#FFAAEE',
  '#BBEE66',
  '#FF4400',
  '#AA6644',
  '#E69F00',
  '#00FF99',
  '#EE22AA',
  '#009900',
  '#778833',
  '#55EEEE',
  '#EEDD00',
  '#FF8899',
  '#8877BB',
];

export type Rgb = readonly [number, number, number];

export function hexToRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const canonical = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');

/**
 * Catalogue targets in catalogue order (first appearance): a site's targets are consecutive, so
 * the targets of one site list (up to twenty) all get different colours.
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
 * preferred colour; when two targets of the result want the same one, the catalogue target
 * earlier in the catalogue keeps it (then free text, by name: never by position in the result,
 * so Parse and Recognize agree) and the other takes the next free colour. The targets of one
 * catalogue list never clash; colours repeat only when there are more targets than colours.
 */
export function targetColors(targets: readonly string[]): string[] {
  const n = TARGET_PALETTE.length;
  const slots = new Array<number>(targets.length);
  const taken = new Set<number>();
  const rank = (key: string) => CATALOGUE_ORDER.get(key) ?? Number.MAX_SAFE_INTEGER;
  const byPriority = targets
    .map((t, i) => ({ key: canonical(t), i }))
    .sort((a, b) => rank(a.key) - rank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  const seen = new Map<string, number>();
  for (const { key, i } of byPriority) {
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
