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
  slug,
  toggleTarget,
} from '../../../webview/prompts';

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
