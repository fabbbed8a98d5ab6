import assert from 'node:assert/strict';
import { hexToRgb, preferredSlot, TARGET_PALETTE, targetColors } from '../../../src/shared/targetColors';
import { RECOMMENDED_TARGETS, sitesFor, targetsFor } from '../../../src/shared/targets';
import { distributionTargets } from '../../../src/analysis/targetDist';
import { colorFor, PALETTE } from '../../../webview/palette';

/** CIELAB of an sRGB hex colour (D65). */
function lab(hex: string): [number, number, number] {
  const lin = hexToRgb(hex).map((v) => {
    const c = v / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  const X = (lin[0] * 0.4124 + lin[1] * 0.3576 + lin[2] * 0.1805) / 0.95047;
  const Y = lin[0] * 0.2126 + lin[1] * 0.7152 + lin[2] * 0.0722;
  const Z = (lin[0] * 0.0193 + lin[1] * 0.1192 + lin[2] * 0.9505) / 1.08883;
  const f = (t: number) => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  return [116 * f(Y) - 16, 500 * (f(X) - f(Y)), 200 * (f(Y) - f(Z))];
}
const deltaE = (a: string, b: string) => {
  const [p, q] = [lab(a), lab(b)];
  return Math.hypot(p[0] - q[0], p[1] - q[1], p[2] - q[2]);
};

describe('target colours', () => {
  it('every two palette colours are far apart (ΔE*ab ≥ 34) and none is too dark for a dark scan', () => {
    for (let i = 0; i < TARGET_PALETTE.length; i++) {
      assert.ok(lab(TARGET_PALETTE[i])[0] >= 50, `${TARGET_PALETTE[i]} is too dark`);
      for (let j = i + 1; j < TARGET_PALETTE.length; j++) {
        const d = deltaE(TARGET_PALETTE[i], TARGET_PALETTE[j]);
        assert.ok(d >= 34, `${TARGET_PALETTE[i]} and ${TARGET_PALETTE[j]} are only ΔE ${d.toFixed(1)} apart`);
      }
    }
    assert.equal(PALETTE.length, TARGET_PALETTE.length);
    assert.deepEqual(colorFor(TARGET_PALETTE.length), colorFor(0));
  });

  it('a target keeps its colour whatever its position: Parse order, Recognize order, another run', () => {
    const parse = ['liver', 'spleen', 'gallbladder', 'stomach'];
    // The CT-Abdomen recognition list, in its own order (it includes a non-catalogue name).
    const recognize = distributionTargets('CT-Abdomen');
    const byName = (names: string[]) => Object.fromEntries(names.map((n, i) => [n, targetColors(names)[i]]));
    const a = byName(parse);
    const b = byName(recognize);
    const c = byName([...parse].reverse());
    for (const t of parse) {
      assert.equal(a[t], b[t], `${t}: Parse ${a[t]}, Recognize ${b[t]}`);
      assert.equal(a[t], c[t], `${t}: order changed its colour`);
    }
    assert.equal(
      targetColors(['Liver '])[0],
      targetColors(['liver'])[0],
      'spelling case and spaces do not matter',
    );
  });

  it('no two targets of one catalogue list share a colour; spleen and gallbladder are far apart', () => {
    for (const modality of Object.keys(RECOMMENDED_TARGETS))
      for (const site of sitesFor(modality)) {
        const list = targetsFor(modality, site);
        assert.equal(new Set(targetColors(list)).size, list.length, `${modality} · ${site}`);
      }
    const list = targetsFor('CT', 'abdomen');
    const colors = targetColors(list);
    assert.equal(new Set(colors).size, list.length, `${list} → ${colors}`);
    const [spleen, gallbladder] = targetColors(['spleen', 'gallbladder']);
    assert.ok(deltaE(spleen, gallbladder) >= 34);
  });

  it('gives a colliding free-text target the next free colour, and its own colour when alone', () => {
    const free = 'a free text target';
    const clash = targetsFor('CT', 'abdomen').find((t) => preferredSlot(t) === preferredSlot(free));
    if (clash) {
      const [x, y] = targetColors([clash, free]);
      assert.notEqual(x, y);
    }
    assert.equal(targetColors([free])[0], TARGET_PALETTE[preferredSlot(free)]);
    assert.equal(targetColors([free])[0], targetColors([free])[0]);
  });
});
