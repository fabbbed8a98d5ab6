import assert from 'node:assert/strict';
import {
  addPrompts,
  initialChoice,
  isRecommended,
  offListTargets,
  previewText,
  removePrompt,
  resolveModality,
  searchCatalogue,
  selectionNote,
  freeTextPlaceholder,
  slug,
  toggleTarget,
  validityCheckable,
  CATALOGUE_MODALITIES,
} from '../../../webview/prompts';
import { assessTarget } from '../../../src/analysis/pvalue';
import { distributionKeys, distributionTargets } from '../../../src/analysis/targetDist';
import { modalityKeyFor, sitesFor, targetsFor } from '../../../src/shared/targets';

describe('webview prompt picking', () => {
  it('starts from the image suggestion when the catalogue knows it', () => {
    assert.deepEqual(initialChoice({ modality: 'CT', site: 'abdomen' }), { modality: 'CT', site: 'abdomen' });
    assert.deepEqual(initialChoice({ modality: 'MR', site: 'cardiac' }), { modality: 'MRI', site: 'heart' });
    assert.deepEqual(initialChoice({ modality: 'X-Ray', site: 'chest' }), {
      modality: 'X-Ray',
      site: 'chest',
    });
    assert.equal(resolveModality('US'), 'ultrasound');
    assert.equal(initialChoice({}).modality, 'CT');
  });

  it('previews exactly the text that is sent', () => {
    assert.equal(previewText(['liver', 'left kidney']), 'liver & left kidney');
  });

  it('splits free text on & and skips duplicates and blanks', () => {
    assert.deepEqual(addPrompts(['liver'], ' tumor &  LIVER & & left  kidney '), [
      'liver',
      'tumor',
      'left kidney',
    ]);
    assert.deepEqual(removePrompt(['liver', 'tumor'], 'Liver'), ['tumor']);
    assert.deepEqual(toggleTarget(['liver'], 'liver'), []);
    assert.deepEqual(toggleTarget([], 'liver'), ['liver']);
  });

  it('notes targets outside the recommended list without blocking them', () => {
    assert.ok(isRecommended('Liver', 'CT', 'abdomen'));
    assert.deepEqual(offListTargets(['liver', 'brain tumor'], 'CT', 'abdomen'), ['brain tumor']);
  });

  it('searches the whole catalogue, one hit per target with where it is listed', () => {
    const hits = searchCatalogue('kidney');
    assert.ok(hits.some((h) => h.target === 'left kidney'));
    const liver = searchCatalogue('liver').find((h) => h.target === 'liver');
    assert.ok(liver && liver.places.some((p) => p.modality === 'MRI' && p.site === 'abdomen'));
    assert.equal(new Set(hits.map((h) => h.target)).size, hits.length);
    assert.deepEqual(searchCatalogue('   '), []);
    assert.ok(searchCatalogue('public symphysis').length === 1, "keeps the model's own spelling");
  });

  it('makes attribute-safe test id slugs', () => {
    assert.equal(slug('COVID-19 infection'), 'covid-19-infection');
    assert.equal(slug('<img src=x>'), 'img-src-x');
  });
});

describe('picker note: one truth with the legend about validity', () => {
  const mask = new Uint8Array(256 * 256);
  for (let i = 0; i < 4000; i++) mask[20000 + i] = 220; // a found object
  const image = new Uint8Array(256 * 256 * 3).fill(90);

  it('says "cannot be checked" exactly for the targets the analysis will leave not assessed', () => {
    const names = new Set<string>(distributionKeys().flatMap((k) => distributionTargets(k)));
    for (const modality of CATALOGUE_MODALITIES)
      for (const site of sitesFor(modality)) {
        for (const t of targetsFor(modality, site)) names.add(t);
        const key = modalityKeyFor(modality, site);
        for (const target of [...names, 'a free text target']) {
          const verdict = assessTarget(image, mask, key, target).status;
          const note = selectionNote([target], modality, site);
          const says = note.includes('cannot be checked for validity');
          assert.equal(
            says,
            verdict === 'not-assessed',
            `${target} as ${modality} · ${site}: analysis ${verdict}, note “${note}”`,
          );
          assert.equal(validityCheckable(target, modality, site), verdict !== 'not-assessed');
        }
      }
  });

  it('an off-list target the reference can still judge is not called uncheckable', () => {
    // Listed by the CT-Abdomen reference but (for the test) chosen under another catalogue site.
    const target = distributionTargets('CT-Abdomen').find((t) => !isRecommended(t, 'CT', 'abdomen'));
    const note = selectionNote(['brain tumor'], 'CT', 'abdomen');
    assert.match(note, /“brain tumor” is not in the recommended list for CT · abdomen/);
    assert.match(note, /“brain tumor” cannot be checked for validity/);
    if (target) {
      const n2 = selectionNote([target], 'CT', 'abdomen');
      assert.match(n2, /still checked for validity/);
      assert.doesNotMatch(n2, /cannot be checked/);
    }
  });
});

describe('free-text placeholder', () => {
  it('suggests only a target the catalogue lists for the modality and site shown', () => {
    for (const modality of CATALOGUE_MODALITIES)
      for (const site of sitesFor(modality)) {
        const text = freeTextPlaceholder(modality, site);
        const example = /e\.g\. (.+)$/.exec(text)?.[1];
        assert.ok(example, text);
        assert.ok(
          targetsFor(modality, site).includes(example),
          `${modality} · ${site}: “${example}” is not listed`,
        );
      }
    assert.doesNotMatch(freeTextPlaceholder('CT', 'abdomen'), /liver tumor/);
  });
});
