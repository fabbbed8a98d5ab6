import assert from 'node:assert/strict';
import type { ViewerSettings } from '../../../src/shared/protocol';
import { describeRow, formatArea, statusText } from '../../../webview/legendModel';
import {
  IDLE_RUN,
  initialUiState,
  isDimmed,
  isVisible,
  reduceRun,
  reduceUi,
  restoreUiState,
  selectionForModality,
  startingSelection,
} from '../../../webview/state';

const settings: ViewerSettings = {
  maskThreshold: 0.5,
  maskOpacity: 0.45,
  maskStyle: 'both',
  likelyAbsentDisplay: 'dim',
  pValueThreshold: 0.05,
};

describe('webview UI state', () => {
  it('starts from the settings and clamps slider values', () => {
    const s = initialUiState(settings);
    assert.equal(s.threshold, 0.5);
    assert.equal(reduceUi(s, { type: 'threshold', value: 3 }).threshold, 1);
    assert.equal(reduceUi(s, { type: 'opacity', value: -1 }).opacity, 0);
  });

  it('resets per-target visibility when another result arrives', () => {
    let s = reduceUi(initialUiState(settings), { type: 'result', resultId: 'a' });
    s = reduceUi(s, { type: 'visibility', target: 'liver', visible: false });
    assert.equal(reduceUi(s, { type: 'result', resultId: 'a' }).visibility.liver, false);
    assert.deepEqual(reduceUi(s, { type: 'result', resultId: 'b' }).visibility, {});
  });

  it('follows new settings only for controls the user left alone', () => {
    let s = reduceUi(initialUiState(settings), { type: 'opacity', value: 0.8 });
    s = reduceUi(s, {
      type: 'settings',
      previous: settings,
      next: { ...settings, maskThreshold: 0.3, maskOpacity: 0.2 },
    });
    assert.equal(s.threshold, 0.3);
    assert.equal(s.opacity, 0.8);
  });

  it('survives a JSON round trip and rejects malformed saved state', () => {
    let s = initialUiState(settings);
    s = reduceUi(s, { type: 'result', resultId: 'r1' });
    s = reduceUi(s, { type: 'view', view: { fit: false, scale: 2, cx: 10, cy: 20 } });
    s = reduceUi(s, { type: 'selection', selection: ['liver'] });
    const back = restoreUiState(JSON.parse(JSON.stringify(s)), settings);
    assert.deepEqual(back, s);
    assert.deepEqual(
      restoreUiState({ version: 1, threshold: 'x', selection: [1, 'a'], view: { fit: 1 } }, settings),
      { ...initialUiState(settings), selection: ['a'], ownSelection: true },
    );
    assert.deepEqual(restoreUiState('junk', settings), initialUiState(settings));
  });

  it('hides or dims likely-absent targets per the setting, unless the user chose', () => {
    assert.equal(isVisible('x', 'likely-absent', {}, 'hide'), false);
    assert.equal(isVisible('x', 'likely-absent', { x: true }, 'hide'), true);
    assert.equal(isVisible('x', 'likely-absent', {}, 'dim'), true);
    assert.equal(isDimmed('likely-absent', 'dim'), true);
    assert.equal(isDimmed('valid', 'dim'), false);
  });
});

describe('webview run state', () => {
  it('ignores messages about other runs', () => {
    let r = reduceRun(IDLE_RUN, { type: 'start', runId: 'a', kind: 'parse' });
    r = reduceRun(r, { type: 'progress', runId: 'b', message: 'stale', increment: 50 });
    assert.equal(r.progress, 0);
    r = reduceRun(r, { type: 'progress', runId: 'a', message: 'Sending', increment: 30 });
    assert.equal(r.message, 'Sending');
    assert.equal(r.progress, 30);
    r = reduceRun(r, { type: 'cancel' });
    assert.equal(r.phase, 'cancelling');
    assert.equal(reduceRun(r, { type: 'finished', runId: 'b', message: '' }).phase, 'cancelling');
    assert.equal(reduceRun(r, { type: 'finished', runId: 'a', message: 'Cancelled' }).phase, 'idle');
  });
});

describe('webview prompt selection, per viewer', () => {
  const remembered = { CT: ['liver', 'spleen'], MRI: ['myocardium'] };

  it('seeds only a new viewer with what was last run for the modality', () => {
    const fresh = restoreUiState(undefined, settings);
    assert.deepEqual(startingSelection(fresh, 'CT', remembered), ['liver', 'spleen']);
    assert.deepEqual(startingSelection(fresh, 'OCT', remembered), []);
    // A viewer that saved its state before it had a selection (still loading) is still new.
    const loading = restoreUiState(JSON.parse(JSON.stringify(initialUiState(settings))), settings);
    assert.deepEqual(startingSelection(loading, 'CT', remembered), ['liver', 'spleen']);
  });

  it('keeps a viewer’s own selection, even an empty one, when its state comes back', () => {
    const saved = JSON.parse(
      JSON.stringify(
        reduceUi(initialUiState(settings), { type: 'selection', selection: [], modality: 'CT' }),
      ),
    );
    assert.deepEqual(startingSelection(restoreUiState(saved, settings), 'CT', remembered), []);
    const own = JSON.parse(
      JSON.stringify(
        reduceUi(initialUiState(settings), { type: 'selection', selection: ['lung nodule'], modality: 'CT' }),
      ),
    );
    assert.deepEqual(startingSelection(restoreUiState(own, settings), 'CT', remembered), ['lung nodule']);
  });

  it('switching modality and back brings this viewer’s own selection, not what another viewer ran', () => {
    let s = reduceUi(initialUiState(settings), {
      type: 'selection',
      selection: ['lung nodule'],
      modality: 'CT',
    });
    const mri = selectionForModality(s, 'MRI', s.selection, remembered);
    assert.deepEqual(mri, ['myocardium'], 'a modality this viewer never had is seeded');
    s = reduceUi(s, { type: 'modality', modality: 'MRI', site: 'heart', selection: mri });
    s = reduceUi(s, { type: 'selection', selection: ['left heart ventricle'], modality: 'MRI' });
    const restored = restoreUiState(JSON.parse(JSON.stringify(s)), settings);
    assert.deepEqual(selectionForModality(restored, 'CT', restored.selection, remembered), ['lung nodule']);
    assert.deepEqual(selectionForModality(restored, 'MRI', [], remembered), ['left heart ventricle']);
    assert.deepEqual(
      selectionForModality(restored, 'OCT', restored.selection, {}),
      ['left heart ventricle'],
      'nothing remembered: the current selection stays',
    );
  });

  it('drops malformed remembered selections from old or tampered state', () => {
    const s = restoreUiState(
      {
        version: 1,
        selection: ['liver', 3],
        selections: { CT: ['liver', null], MRI: 'x', ['k'.repeat(200)]: [] },
      },
      settings,
    );
    assert.deepEqual(s.selection, ['liver']);
    assert.deepEqual(s.selections, { CT: ['liver'] });
  });
});

describe('webview legend wording', () => {
  it('gives area in pixels and mm², and validity', () => {
    assert.equal(formatArea(1000), '1,000 px');
    assert.equal(formatArea(1000, [0.5, 0.5]), '1,000 px · 250 mm²');
    assert.equal(statusText('likely-absent', 0.0004), 'likely absent (p < 0.001)');
    assert.equal(statusText('not-assessed', null), 'not assessed');
    assert.equal(
      describeRow({
        target: 'tumor',
        label: 'tumor',
        status: 'not-found',
        pValue: null,
        areaPixels: 0,
        instances: 0,
      }),
      'tumor: not found.',
    );
    assert.equal(
      describeRow({
        target: 'liver',
        label: 'liver',
        status: 'valid',
        pValue: 0.2,
        areaPixels: 10,
        instances: 1,
      }),
      'liver: 10 px, 1 instance, valid (p = 0.200).',
    );
  });
});
