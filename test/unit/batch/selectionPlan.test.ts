import * as assert from 'node:assert/strict';
import { ownRecognitionKey, parseModalityFor } from '../../../src/batch/selectionPlan';
import { suggestionFor } from '../../../src/shared/suggestion';

/**
 * Several files parsed from one explorer selection: a chest X-ray selected with a CT must not be
 * checked against the CT's catalogue (its validity p-value would be computed for the wrong
 * modality) just because the CT came first.
 */
describe('explorer selection plan', () => {
  const ct = suggestionFor({ modality: 'CT', site: 'abdomen' });
  const xray = suggestionFor({ modality: 'DX', site: 'chest' });

  it('keeps each file its own modality and site', () => {
    assert.deepEqual(parseModalityFor(xray, ct), { modality: 'X-Ray', site: 'chest', from: 'file' });
    assert.deepEqual(parseModalityFor(ct, xray), { modality: 'CT', site: 'abdomen', from: 'file' });
  });

  it('uses the picked modality only for files that name none', () => {
    assert.deepEqual(parseModalityFor({}, ct), { modality: 'CT', site: 'abdomen', from: 'pick' });
  });

  it("recognizes with each file's own key, and skips a file that names none", () => {
    assert.deepEqual(ownRecognitionKey('a.dcm', ct), { modalityKey: 'CT-Abdomen' });
    assert.deepEqual(ownRecognitionKey('b.dcm', xray), { modalityKey: 'X-Ray-Chest' });
    const skip = ownRecognitionKey('photo.png', {});
    assert.ok('skip' in skip && skip.skip.startsWith('photo.png:'));
  });
});
