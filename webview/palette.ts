/**
 * Target colours. Okabe–Ito (without black, invisible on dark scans) followed by Paul Tol's
 * "muted" set: both were designed to stay distinguishable with the common colour-vision
 * deficiencies, and together they give 16 colours before repeating.
 */
export type Rgb = readonly [number, number, number];

const HEX = [
  // Okabe–Ito
  '#E69F00',
  '#56B4E9',
  '#009E73',
  '#F0E442',
  '#0072B2',
  '#D55E00',
  '#CC79A7',
  // Tol muted
  '#88CCEE',
  '#44AA99',
  '#117733',
  '#DDCC77',
  '#CC6677',
  '#AA4499',
  '#999933',
  '#882255',
  '#332288',
] as const;

export function hexToRgb(hex: string): Rgb {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

export const PALETTE: readonly Rgb[] = HEX.map(hexToRgb);
export const PALETTE_HEX: readonly string[] = HEX;

/** Colour of the i-th target (0-based); repeats after 16. */
export function colorFor(index: number): Rgb {
  const n = PALETTE.length;
  return PALETTE[((index % n) + n) % n];
}

export function colorHexFor(index: number): string {
  const n = HEX.length;
  return HEX[((index % n) + n) % n];
}
