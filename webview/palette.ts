/**
 * Target colours for the viewer: the shared, name-based palette (src/shared/targetColors.ts), as
 * RGB for the compositor. `colorFor(i)` is the i-th palette colour (tests and synthetic layers);
 * results use `targetColors(names)` so a target's colour does not depend on its position.
 */
import { hexToRgb, TARGET_PALETTE, type Rgb } from '../src/shared/targetColors';

export { hexToRgb, targetColors, type Rgb } from '../src/shared/targetColors';

export const PALETTE: readonly Rgb[] = TARGET_PALETTE.map(hexToRgb);
export const PALETTE_HEX: readonly string[] = TARGET_PALETTE;

/** The i-th palette colour (0-based); repeats after the palette's length. */
export function colorFor(index: number): Rgb {
  const n = PALETTE.length;
  return PALETTE[((index % n) + n) % n];
}

export function colorHexFor(index: number): string {
  const n = TARGET_PALETTE.length;
  return TARGET_PALETTE[((index % n) + n) % n];
}
