import assert from 'node:assert/strict';
import { guessFromName } from '../../../src/imaging/decode/common';
import { modalityKeyFor } from '../../../src/shared/targets';
import { suggestionFor } from '../../../src/shared/suggestion';

/** From a file name to the modality key the viewer starts with. */
function keyFor(file: string): string | undefined {
  const hints = guessFromName(file);
  const s = suggestionFor({ modality: hints.modality, site: hints.bodyPart });
  return s.modality && s.site ? modalityKeyFor(s.modality, s.site) : undefined;
}

describe('imaging: modality and site suggested from the file name', () => {
  it('suggests the catalogue modality and site the sample names carry', () => {
    assert.equal(keyFor('06_CT_abdomen.png'), 'CT-Abdomen');
    assert.equal(keyFor('15_X-Ray_chest.png'), 'X-Ray-Chest');
    assert.equal(keyFor('08_MRI_heart.png'), 'MRI-Cardiac');
    assert.equal(keyFor('26_OCT_retinal.png'), 'OCT');
  });

  it('recognises echocardiography views (2CH / 4CH) as cardiac ultrasound', () => {
    assert.equal(keyFor('patient0500_2CH_half_sequence.nii.gz'), 'Ultrasound-Cardiac');
    assert.equal(keyFor('patient0001_4CH_ED.nii.gz'), 'Ultrasound-Cardiac');
  });

  it('suggests nothing rather than guessing from unrelated words', () => {
    assert.deepEqual(guessFromName('tech_report_2chapters.png'), {
      modality: undefined,
      bodyPart: undefined,
    });
    assert.equal(keyFor('scan0001.png'), undefined);
  });
});
