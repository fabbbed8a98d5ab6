import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  RECOMMENDED_TARGETS,
  ctWindowForSite,
  modalityKeyFor,
  promptText,
  sitesFor,
  suggestedPrompt,
  targetsFor,
} from '../../../src/shared/targets';
import { distributionKeys } from '../../../src/analysis/targetDist';

describe('shared: recommended targets catalogue', () => {
  it('lists the model card catalogue with the model spellings', () => {
    assert.deepEqual(Object.keys(RECOMMENDED_TARGETS).sort(), [
      'CT',
      'MRI',
      'MRI-FLAIR',
      'MRI-T1-Gd',
      'MRI-T2',
      'OCT',
      'X-Ray',
      'dermoscopy',
      'endoscope',
      'fundus',
      'pathology',
      'ultrasound',
    ]);
    assert.deepEqual(targetsFor('ultrasound', 'transperineal'), ['fetal head', 'public symphysis']);
    assert.equal(targetsFor('CT', 'abdomen').length, 19);
    assert.equal(sitesFor('pathology').length, 14);
    assert.deepEqual(targetsFor('pathology', 'testis'), ['epithelial cells']);
    assert.deepEqual(targetsFor('nope', 'x'), []);
    assert.deepEqual(sitesFor('nope'), []);
  });

  it('stays importable by the webview: no Node or vscode imports', () => {
    const source = fs.readFileSync(path.join(__dirname, '../../../src/shared/targets.ts'), 'utf8');
    assert.doesNotMatch(source, /^\s*import\s/m);
    assert.doesNotMatch(source, /require\(/);
  });

  it('maps the viewer choice to modality keys that have distributions', () => {
    const cases: [string, string, string | undefined][] = [
      ['CT', 'abdomen', 'CT-Abdomen'],
      ['CT', 'lung', 'CT-Chest'],
      ['CT', 'liver', 'CT-Liver'],
      ['CT', 'pelvis', undefined],
      ['MRI', 'abdomen', 'MRI-Abdomen'],
      ['MRI', 'heart', 'MRI-Cardiac'],
      ['MRI-FLAIR', 'brain', 'MRI-FLAIR-Brain'],
      ['MRI-T1-Gd', 'brain', 'MRI-T1-Gd-Brain'],
      ['MRI-T2', 'prostate', undefined],
      ['X-Ray', 'chest', 'X-Ray-Chest'],
      ['x-ray', 'Chest', 'X-Ray-Chest'],
      ['pathology', 'breast', 'Pathology'],
      ['pathology', 'thyroid', 'Pathology'],
      ['ultrasound', 'heart', 'Ultrasound-Cardiac'],
      ['ultrasound', 'breast', undefined],
      ['endoscope', 'colon', 'Endoscopy'],
      ['fundus', 'retinal', 'Fundus'],
      ['dermoscopy', 'skin', 'Dermoscopy'],
      ['OCT', 'retinal', 'OCT'],
    ];
    for (const [modality, site, key] of cases)
      assert.equal(modalityKeyFor(modality, site), key, `${modality}/${site}`);
    const withDist = new Set(distributionKeys());
    for (const modality of Object.keys(RECOMMENDED_TARGETS)) {
      for (const site of sitesFor(modality)) {
        const key = modalityKeyFor(modality, site);
        if (key && key !== 'CT-Liver') assert.ok(withDist.has(key), `${modality}/${site} → ${key}`);
      }
    }
  });

  it('builds prompt texts and maps CT sites to windows', () => {
    assert.equal(promptText(['liver', 'left kidney']), 'liver & left kidney');
    assert.equal(promptText(['tumor']), 'tumor');
    assert.equal(
      suggestedPrompt('neoplastic cells', 'breast', 'pathology'),
      'neoplastic cells in breast pathology',
    );
    for (const site of sitesFor('CT')) assert.ok(ctWindowForSite(site), site);
    assert.equal(ctWindowForSite('lung'), 'lung');
    assert.equal(ctWindowForSite('abdomen'), 'abdomen');
    assert.equal(ctWindowForSite('brain'), undefined);
  });
});
