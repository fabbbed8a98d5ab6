import assert from 'node:assert/strict';
import * as path from 'node:path';
import { openImage } from '../../../src/imaging';
import { guessModality } from '../../../src/imaging/guessModality';
import { suggestionForImage } from '../../../src/editors/modalitySuggestion';
import { initialChoice } from '../../../src/shared/suggestion';

const SAMPLES = path.resolve(__dirname, '../../../media/samples');

describe('modality from the image when name and tags are silent', () => {
  it('covid_1585.png (a chest X-ray, nothing in its name) is suggested as X-Ray · chest, fairly sure', async () => {
    const image = await openImage(path.join(SAMPLES, 'covid_1585.png'));
    assert.equal(image.modalityHint, undefined, 'the name says nothing');
    const s = suggestionForImage(image);
    assert.deepEqual([s.modality, s.site, s.source], ['X-Ray', 'chest', 'image']);
    assert.ok((s.confidence ?? 0) >= 0.6, `confidence ${s.confidence}`);
    assert.match(s.reason ?? '', /grey/);
    assert.deepEqual(
      initialChoice(s),
      { modality: 'X-Ray', site: 'chest' },
      'the viewer starts there, not at CT · abdomen',
    );
  });

  it('tells a stained slide, an OCT scan and a radiograph apart, each with its confidence', async () => {
    const cases: [string, string][] = [
      ['Part_1_516_pathology_breast.png', 'pathology'],
      ['144DME_as_F.jpeg', 'OCT'],
      ['demo/15_X-Ray_chest.png', 'X-Ray'],
      ['demo/26_OCT_retinal.png', 'OCT'],
    ];
    for (const [file, modality] of cases) {
      const g = guessModality(await openImage(path.join(SAMPLES, file)));
      assert.equal(g?.modality, modality, `${file}: ${JSON.stringify(g)}`);
      assert.ok(g.confidence > 0 && g.confidence < 1);
    }
  });

  it("the file's own word and the user's remembered choice come before any guess", async () => {
    const image = await openImage(path.join(SAMPLES, 'covid_1585.png'));
    assert.deepEqual(suggestionForImage(image, { modality: 'CT', site: 'lung' }), {
      modality: 'CT',
      site: 'lung',
      source: 'remembered',
    });
    const named = await openImage(path.join(SAMPLES, 'demo', '06_CT_abdomen.png'));
    assert.equal(suggestionForImage(named).source, 'file');
    assert.equal(suggestionForImage(named).modality, 'CT');
  });
});
