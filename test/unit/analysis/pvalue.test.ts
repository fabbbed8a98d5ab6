import assert from 'node:assert/strict';
import path from 'node:path';
import betaCdf from '@stdlib/stats-base-dists-beta-cdf';
import manifest from '../../fixtures/golden/manifest.json';
import { readMask, readRaster } from '../../../src/analysis/rasterIO';
import {
  adjustedPValue,
  assessTarget,
  ksPValueSingle,
  maskStatistics,
  pValueFromStatistics,
} from '../../../src/analysis/pvalue';
import { targetDistribution } from '../../../src/analysis/targetDist';

const golden = path.join(__dirname, '../../fixtures/golden');
const demo = path.join(__dirname, '../../fixtures/samples/demo');

describe('analysis: invalid-prompt p-value', () => {
  for (const c of manifest.pvalue) {
    it(`matches the reference for ${c.target} on ${c.image} (${c.modality}${c.mask8 ? '' : ', empty mask'})`, async () => {
      const image = await readRaster(path.join(demo, c.image));
      const mask = c.mask8
        ? (await readMask(path.join(golden, c.mask8))).mask
        : new Uint8Array(image.width * image.height);
      const p = adjustedPValue(image.data, mask, c.modality, c.target);
      assert.ok(p !== null, 'the target has a distribution');
      const expected = c.adj_p_value;
      if (Math.abs(expected) < 1e-9)
        assert.ok(Math.abs(p - expected) <= 1e-12, `p=${p} expected ${expected}`);
      else assert.ok(Math.abs(p - expected) / expected <= 1e-6, `p=${p} expected ${expected}`);
    });
  }

  it('is the geometric mean of the four KS p-values 2·min(F, 1 − F)', () => {
    const dist = targetDistribution('X-Ray-Chest', 'left lung')!;
    const stats = [0.985, 0.35, 0.34, 0.36];
    // The formula of the notes, evaluated directly.
    const ps = stats.map((x, i) => {
      const F = betaCdf(x, dist[i][0], dist[i][1]);
      return 2 * Math.min(F, 1 - F);
    });
    const expected = Math.pow(ps[0] * ps[1] * ps[2] * ps[3], 1 / 4);
    assert.ok(expected > 1e-6, 'the statistics are in range of the distributions');
    assert.ok(Math.abs(pValueFromStatistics(stats, dist) - expected) <= 1e-12 * expected);
    assert.equal(ksPValueSingle(0.5), 1);
    assert.equal(ksPValueSingle(0), 0);
    assert.equal(ksPValueSingle(1), 0);
    assert.ok(Math.abs(ksPValueSingle(0.2) - 0.4) < 1e-15);
    assert.ok(Math.abs(ksPValueSingle(0.9) - 0.2) < 1e-15);
  });

  it('reads statistics over m ≥ 128 only, /256, and repeats gray images on R, G, B', () => {
    const mask = Uint8Array.from([127, 128, 255, 0]);
    const gray = Uint8Array.from([9, 100, 200, 50]);
    const rgba = Uint8Array.from([9, 9, 9, 255, 100, 10, 1, 255, 200, 20, 2, 255, 50, 50, 50, 255]);
    assert.deepEqual(maskStatistics(gray, mask), [383 / 2 / 256, 150 / 256, 150 / 256, 150 / 256]);
    assert.deepEqual(maskStatistics(rgba, mask), [383 / 2 / 256, 150 / 256, 15 / 256, 1.5 / 256]);
    assert.deepEqual(maskStatistics(gray, Uint8Array.from([127, 127, 0, 3])), [0, 0, 0, 0]);
    assert.throws(() => maskStatistics(new Uint8Array(5), mask), /channels/);
  });

  it('gives a verdict per target: valid, likely absent, not found, not assessed', async () => {
    const image = await readRaster(path.join(demo, '06_CT_abdomen.png'));
    const { mask } = await readMask(path.join(golden, 'prob_06_CT_abdomen_liver_s3.png'));
    const empty = new Uint8Array(mask.length);
    const liver = assessTarget(image.data, mask, 'CT-Abdomen', 'liver');
    assert.equal(liver.status, 'valid');
    assert.ok(Math.abs(liver.pValue! - 0.2513631807970666) < 1e-12);
    assert.equal(
      assessTarget(image.data, mask, 'CT-Abdomen', 'liver', { pThreshold: 0.3 }).status,
      'likely-absent',
    );
    assert.equal(assessTarget(image.data, empty, 'CT-Abdomen', 'spleen').status, 'not-found');
    const noDist = assessTarget(image.data, mask, 'CT-Abdomen', 'kidney cyst');
    assert.deepEqual(noDist, { status: 'not-assessed', pValue: null });
    assert.deepEqual(assessTarget(image.data, mask, undefined, 'liver'), {
      status: 'not-assessed',
      pValue: null,
    });
    assert.equal(adjustedPValue(image.data, mask, 'CT-Abdomen', 'constructor'), null);
    assert.equal(adjustedPValue(image.data, mask, 'No-Such-Key', 'liver'), null);
  });

  it('flags a target only when its p-value is strictly below the threshold (p = threshold is valid)', async () => {
    // The reference: a target is invalid when adj_p_value < threshold; the setting reads "below".
    const image = await readRaster(path.join(demo, '06_CT_abdomen.png'));
    const { mask } = await readMask(path.join(golden, 'prob_06_CT_abdomen_liver_s3.png'));
    const p = adjustedPValue(image.data, mask, 'CT-Abdomen', 'liver')!;
    const justAbove = p * (1 + Number.EPSILON);
    const justBelow = p * (1 - Number.EPSILON);
    assert.ok(justBelow < p && p < justAbove);
    const verdict = (pThreshold: number) =>
      assessTarget(image.data, mask, 'CT-Abdomen', 'liver', { pThreshold }).status;
    assert.equal(verdict(p), 'valid');
    assert.equal(verdict(justBelow), 'valid');
    assert.equal(verdict(justAbove), 'likely-absent');
  });

  it('flags the golden pathology mask (glandular structure asked as neoplastic cells) as likely absent', async () => {
    const c = manifest.pvalue.find((p) => p.modality === 'Pathology')!;
    const image = await readRaster(path.join(demo, c.image));
    const { mask } = await readMask(path.join(golden, c.mask8!));
    assert.equal(assessTarget(image.data, mask, c.modality, c.target).status, 'likely-absent');
  });
});
