import assert from 'node:assert/strict';
import { colorFor, colorHexFor, hexToRgb, PALETTE } from '../../../webview/palette';

describe('webview palette', () => {
  it('has 16 distinct colours starting with Okabe–Ito, then repeats', () => {
    assert.equal(PALETTE.length, 16);
    assert.equal(new Set(PALETTE.map((c) => c.join(','))).size, 16);
    assert.deepEqual(colorFor(0), [0xe6, 0x9f, 0x00]);
    assert.deepEqual(colorFor(16), colorFor(0));
    assert.equal(colorHexFor(17), colorHexFor(1));
  });

  it('leaves out black, which would vanish on dark scans', () => {
    for (const [r, g, b] of PALETTE) assert.ok(r + g + b > 120, `${r},${g},${b} too dark`);
    assert.deepEqual(hexToRgb('#332288'), [0x33, 0x22, 0x88]);
  });
});
