// The settings contributed in package.json: every one the code reads exists, the restricted ones
// are real, and each is typed and bounded so the Settings editor validates what users type.
import * as assert from 'node:assert/strict';
import { CT_WINDOWS } from '../../../src/imaging';
import { MODALITY_KEYS } from '../../../src/shared/targets';
import { configurationCategories, contributedSettings, readManifest } from '../../support/manifest';
import { findSettingsReads } from '../../support/settingsReads';

const manifest = readManifest();
const settings = contributedSettings(manifest);
/** Settings that are fractions (probabilities, opacity): `number`; every other number is a count. */
const FRACTIONS = [
  'medimageparse.analysis.pValueThreshold',
  'medimageparse.viewer.maskThreshold',
  'medimageparse.viewer.maskOpacity',
];

/** The HU range as the descriptions write it: [−150, 250] with a real minus sign. */
const huRange = ([lower, upper]: readonly [number, number]) =>
  `[${String(lower).replace('-', '\u2212')}, ${String(upper).replace('-', '\u2212')}] HU`;

describe('package.json settings', () => {
  it('restrictedConfigurations names only contributed settings', () => {
    const restricted = manifest.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [];
    assert.ok(restricted.length > 0);
    assert.deepEqual(
      restricted.filter((k) => !settings.has(k)),
      [],
    );
    // Everything that says where requests go, or as whom, is restricted.
    for (const key of [
      'medimageparse.endpoints',
      'medimageparse.activeEndpoint',
      'medimageparse.auth.providerId',
    ])
      assert.ok(restricted.includes(key), key);
  });

  it('every setting the code reads or watches is contributed', function () {
    this.timeout(60_000); // parses every source file: a hang guard, not a speed limit
    const { reads, watched, unresolved } = findSettingsReads();
    assert.deepEqual(
      unresolved,
      [],
      'getConfiguration/affectsConfiguration arguments the scan cannot resolve',
    );
    // The scan must see the reads spread over the code (not pass by finding nothing).
    const found = new Set(reads.map((r) => r.key));
    for (const key of [
      'medimageparse.endpoints',
      'medimageparse.viewer.volumeMemoryMB',
      'medimageparse.batch.modality',
    ])
      assert.ok(found.has(key), `scan found no read of ${key}`);
    assert.deepEqual(
      reads.filter((r) => !settings.has(r.key)).map((r) => `${r.file}: ${r.key}`),
      [],
      'settings read in src/ but not contributed in package.json',
    );
    assert.deepEqual(
      watched
        .filter((w) => ![...settings.keys()].some((k) => k === w.key || k.startsWith(`${w.key}.`)))
        .map((w) => `${w.file}: ${w.key}`),
      [],
    );
  });

  it('are grouped in titled categories', () => {
    const categories = configurationCategories(manifest);
    assert.ok(Array.isArray(manifest.contributes.configuration) && categories.length > 1);
    for (const c of categories) {
      assert.ok(c.title && c.title.length > 0, 'a category without a title');
      assert.ok(Object.keys(c.properties).length > 0, `${c.title}: empty`);
    }
  });

  it('numbers are integers unless fractions, with minimum and maximum; enums describe each value', () => {
    for (const [key, s] of settings) {
      assert.ok(s.description || s.markdownDescription, `${key}: no description`);
      if (s.type === 'number' || s.type === 'integer') {
        assert.equal(s.type, FRACTIONS.includes(key) ? 'number' : 'integer', key);
        assert.equal(typeof s.minimum, 'number', `${key}: minimum`);
        assert.equal(typeof s.maximum, 'number', `${key}: maximum`);
        assert.ok((s.default as number) >= s.minimum! && (s.default as number) <= s.maximum!, key);
      }
      if (s.enum) {
        assert.equal(s.enumDescriptions?.length, s.enum.length, `${key}: enumDescriptions`);
        assert.ok(s.enum.includes(s.default), `${key}: default not in enum`);
      }
    }
  });

  it('the CT window choices name the HU range the model input uses', () => {
    const ct = settings.get('medimageparse.preprocessing.ctWindow')!;
    for (const [site, range] of Object.entries(CT_WINDOWS)) {
      const i = ct.enum!.indexOf(site);
      assert.ok(i >= 0, `${site} missing from the enum`);
      assert.ok(ct.enumDescriptions![i].includes(huRange(range)), `${site}: ${ct.enumDescriptions![i]}`);
    }
    assert.deepEqual(settings.get('medimageparse.batch.modality')!.enum, ['auto', ...MODALITY_KEYS]);
  });
});
