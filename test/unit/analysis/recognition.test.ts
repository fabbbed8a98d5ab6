import assert from 'node:assert/strict';
import path from 'node:path';
import manifest from '../../fixtures/golden/manifest.json';
import { readMask, readRaster } from '../../../src/analysis/rasterIO';
import { planRecognitionPrompts, recognitionTargets, recognize } from '../../../src/analysis/recognition';
import { distributionTargets } from '../../../src/analysis/targetDist';
import { MODALITY_KEYS } from '../../../src/shared/targets';

const golden = path.join(__dirname, '../../fixtures/golden');
const demo = path.join(__dirname, '../../fixtures/samples/demo');

async function loadCase(c: (typeof manifest.recognition)[number]) {
  const image = await readRaster(path.join(demo, c.image));
  const maps = new Map<string, Uint8Array>();
  for (const [target, file] of Object.entries(c.inputs))
    maps.set(target, (await readMask(path.join(golden, file))).mask);
  return { image, maps };
}

describe('analysis: recognition', () => {
  for (const c of manifest.recognition) {
    it(`reproduces the reference on ${c.image} (${c.modality})`, async () => {
      const { image, maps } = await loadCase(c);
      const r = recognize(image.data, maps, { modalityKey: c.modality });
      assert.deepEqual([...r.kept].sort(), c.kept_after_nms);
      assert.deepEqual(r.labels, c.label_names);
      for (const [name, area] of Object.entries(c.areas)) {
        assert.ok(Math.abs(r.areas[name] - area) <= 0.005 * area, `${name}: ${r.areas[name]} vs ${area}`);
      }
      for (const [name, p] of Object.entries(c.p_values)) {
        assert.ok(Math.abs(r.pValues[name]! - p) <= 1e-6 * p, `${name}: p ${r.pValues[name]} vs ${p}`);
      }
      const expected = (await readMask(path.join(golden, c.labels_png))).mask;
      let same = 0;
      for (let i = 0; i < expected.length; i++) if (expected[i] === r.labelMap[i]) same++;
      const agreement = same / expected.length;
      console.log(
        `      label map agreement with ${c.labels_png}: ${(agreement * 100).toFixed(4)}% (${expected.length - same} pixels differ)`,
      );
      assert.equal(same, expected.length, 'pixel-exact label map');
    });
  }

  it('drops targets under the p-value threshold (aorta at p ≈ 0.001 with threshold 0.01)', async () => {
    const c = manifest.recognition[0];
    const { image, maps } = await loadCase(c);
    const r = recognize(image.data, maps, { modalityKey: c.modality, pThreshold: 0.01 });
    assert.deepEqual(r.rejected, ['aorta']);
    assert.ok(!r.labels.includes('aorta'));
    assert.equal(r.pValues.aorta !== null && r.pValues.aorta < 0.01, true);
    // The other labels keep their pixels: aorta did not overlap them.
    assert.equal(r.areas.liver, c.areas.liver);
  });

  it('drops a target only when its p-value is strictly below the threshold (p = threshold is kept)', async () => {
    const c = manifest.recognition[0];
    const { image, maps } = await loadCase(c);
    const p = recognize(image.data, maps, { modalityKey: c.modality }).pValues.aorta!;
    const atP = recognize(image.data, maps, { modalityKey: c.modality, pThreshold: p });
    assert.deepEqual(atP.rejected, []);
    assert.ok(atP.kept.includes('aorta'));
    const above = recognize(image.data, maps, {
      modalityKey: c.modality,
      pThreshold: p * (1 + Number.EPSILON),
    });
    assert.deepEqual(above.rejected, ['aorta']);
  });

  it('suppresses a target mostly covered by a better one, and skips empty masks', () => {
    const n = 100;
    const image = new Uint8Array(n * 3).fill(120);
    const big = new Uint8Array(n).fill(0);
    const inside = new Uint8Array(n).fill(0);
    const empty = new Uint8Array(n);
    for (let i = 0; i < 60; i++) big[i] = 250;
    for (let i = 10; i < 30; i++) inside[i] = 200;
    // Without distributions (unknown key) p-values are null and input order decides the visit order.
    const r = recognize(image, { big, inside, empty }, { modalityKey: 'Unknown' });
    assert.deepEqual(r.kept, ['big']);
    assert.deepEqual(r.suppressed, ['inside', 'empty']);
    assert.deepEqual(r.labels, ['big']);
    assert.equal(r.areas.big, 60);
    assert.equal(r.labelMap[0], 1);
    assert.equal(r.labelMap[60], 0);
  });

  it('gives contested pixels to the most probable target and discards a target that wins too little', () => {
    const n = 100;
    const image = new Uint8Array(n).fill(100);
    const a = new Uint8Array(n);
    const b = new Uint8Array(n);
    const c = new Uint8Array(n);
    for (let i = 0; i < 50; i++) a[i] = 200; // a: 0–49
    for (let i = 40; i < 70; i++) b[i] = i < 50 ? 150 : 220; // b: overlaps a on 40–49 (a wins those)
    for (let i = 60; i < 80; i++) c[i] = 140; // c: 60–79, loses 60–69 to b → wins 10/20 < 60 %
    const r = recognize(
      image,
      new Map([
        ['a', a],
        ['b', b],
        ['c', c],
      ]),
      { modalityKey: 'Unknown' },
    );
    assert.deepEqual(r.kept, ['a', 'b', 'c']);
    assert.deepEqual(r.discarded, ['c']);
    assert.deepEqual(r.labels, ['a', 'b']);
    assert.equal(r.areas.a, 50);
    assert.equal(r.areas.b, 20);
    assert.equal(r.labelMap[75], 0, 'a discarded target leaves its pixels empty');
  });

  it('knows the reference target list of every modality key', () => {
    assert.deepEqual(recognitionTargets('X-Ray-Chest'), ['left lung', 'right lung']);
    assert.equal(recognitionTargets('CT-Abdomen').length, 13);
    assert.deepEqual(recognitionTargets('MRI-Abdomen'), recognitionTargets('CT-Abdomen'));
    assert.deepEqual(recognitionTargets('Nope'), []);
    for (const key of MODALITY_KEYS) {
      const targets = recognitionTargets(key);
      assert.ok(targets.length > 0, key);
      // Every target the reference recognises can be judged, except CT-Liver which has no distributions.
      if (key !== 'CT-Liver')
        for (const t of targets) assert.ok(distributionTargets(key).includes(t), `${key}/${t}`);
    }
  });

  it('plans prompts in as few chunks of at most K as possible', () => {
    const plan = planRecognitionPrompts('CT-Abdomen', 5);
    assert.deepEqual(
      plan.map((p) => p.targets.length),
      [5, 5, 3],
    );
    assert.equal(plan[0].text, 'postcava & aorta & right kidney & left kidney & duodenum');
    assert.deepEqual(
      plan.flatMap((p) => p.targets),
      recognitionTargets('CT-Abdomen'),
    );
    assert.deepEqual(planRecognitionPrompts('OCT', 16), [{ targets: ['edema'], text: 'edema' }]);
    assert.throws(() => planRecognitionPrompts('CT-Abdomen', 0), /positive integer/);
    assert.throws(() => planRecognitionPrompts('Nope', 4), /no recognition targets/);
  });

  it('rejects maps of different sizes', () => {
    assert.throws(
      () =>
        recognize(new Uint8Array(4), { a: new Uint8Array(4), b: new Uint8Array(3) }, { modalityKey: 'OCT' }),
      /'b' has 3 values, expected 4/,
    );
  });
});
