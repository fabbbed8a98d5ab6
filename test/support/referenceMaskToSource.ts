/**
 * A deliberately plain restatement of how a 1024² model-output mask maps back onto the source
 * pixels, written from the reference preprocessing (not from src/imaging/geometry.ts) so that the
 * tests compare our mapping against an independent one, pixel for pixel:
 *
 * 1. Padding: the short axis gets floor((long − short) / 2) zero pixels on each side, so the
 *    padded image is (w + 2·padLeft) × (h + 2·padTop) — one pixel short of square when the
 *    difference is odd.
 * 2. Resize: the padded image's extent [−0.5, padded − 0.5] (pixel centres at integers) is
 *    stretched onto the model grid's extent [−0.5, 1023.5], each axis on its own.
 * 3. So source pixel centre x sits at padded x + padLeft, which is model coordinate
 *    (x + padLeft + 0.5) · 1024 / paddedWidth − 0.5 (the same for y).
 * 4. The mask is sampled there bilinearly from its four neighbours, the coordinate clamped to
 *    [0, 1023] (nothing exists outside the grid), and rounded to the nearest integer.
 *
 * Each pixel is computed on its own from these four steps: no tables, no shared helpers.
 */
export const GRID = 1024;

/**
 * Compares `actual` (one value per source pixel) with the reference mapping of `mask` and
 * returns the first few pixels that differ. A value exactly half-way between two integers may
 * round either way (floating-point order of operations), nothing else is tolerated.
 */
export function differencesFromReference(
  actual: Uint8Array,
  mask: Uint8Array,
  sourceWidth: number,
  sourceHeight: number,
  limit = 5,
): string[] {
  if (mask.length !== GRID * GRID) return [`mask has ${mask.length} values`];
  if (actual.length !== sourceWidth * sourceHeight) {
    return [`${actual.length} values, expected ${sourceWidth}×${sourceHeight}`];
  }
  // Step 1: padding.
  const long = Math.max(sourceWidth, sourceHeight);
  const padLeft = Math.floor((long - sourceWidth) / 2);
  const padTop = Math.floor((long - sourceHeight) / 2);
  const paddedWidth = sourceWidth + 2 * padLeft;
  const paddedHeight = sourceHeight + 2 * padTop;

  const out: string[] = [];
  for (let y = 0; y < sourceHeight && out.length < limit; y++) {
    for (let x = 0; x < sourceWidth && out.length < limit; x++) {
      // Steps 2–3: the pixel centre in the model grid, clamped to it.
      let gx = ((x + padLeft + 0.5) * GRID) / paddedWidth - 0.5;
      let gy = ((y + padTop + 0.5) * GRID) / paddedHeight - 0.5;
      gx = gx < 0 ? 0 : gx > GRID - 1 ? GRID - 1 : gx;
      gy = gy < 0 ? 0 : gy > GRID - 1 ? GRID - 1 : gy;
      // Step 4: bilinear weights of the four neighbours.
      const left = Math.floor(gx);
      const top = Math.floor(gy);
      const right = left + 1 < GRID ? left + 1 : left;
      const bottom = top + 1 < GRID ? top + 1 : top;
      const wx = gx - left;
      const wy = gy - top;
      const exact =
        mask[top * GRID + left] * (1 - wx) * (1 - wy) +
        mask[top * GRID + right] * wx * (1 - wy) +
        mask[bottom * GRID + left] * (1 - wx) * wy +
        mask[bottom * GRID + right] * wx * wy;

      const got = actual[y * sourceWidth + x];
      const tie = Math.abs(exact - Math.floor(exact) - 0.5) < 1e-9;
      const ok = tie ? got === Math.floor(exact) || got === Math.ceil(exact) : got === Math.round(exact);
      if (!ok) out.push(`(${x}, ${y}): got ${got}, reference ${exact}`);
    }
  }
  return out;
}
