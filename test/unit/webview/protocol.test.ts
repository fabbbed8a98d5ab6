import assert from 'node:assert/strict';
import { parseWebviewMessage } from '../../../src/shared/protocol';
import { newViewerId } from '../../../webview/state';

describe('webview → host protocol: ready', () => {
  it('carries the viewer’s own id when it has a well-formed one', () => {
    const id = newViewerId();
    assert.match(id, /^[0-9a-f]{24}$/);
    assert.notEqual(newViewerId(), id, 'every viewer gets its own id');
    assert.deepEqual(parseWebviewMessage({ type: 'ready', viewerId: id }), { type: 'ready', viewerId: id });
    assert.deepEqual(parseWebviewMessage({ type: 'ready' }), { type: 'ready' });
  });

  it('rejects a ready message whose id could be anything else', () => {
    for (const viewerId of ['', 'short', '../../etc', 'x'.repeat(65), 42, null])
      assert.equal(parseWebviewMessage({ type: 'ready', viewerId }), undefined, String(viewerId));
  });
});

describe('whole-volume messages from the webview', () => {
  it('accepts a volume run with a mode and an ordered slice range, and a plane to show', () => {
    assert.deepEqual(
      parseWebviewMessage({
        type: 'runVolume',
        runId: 'r1',
        prompts: [' liver '],
        mode: 'slices',
        range: [2, 9],
      }),
      {
        type: 'runVolume',
        runId: 'r1',
        prompts: ['liver'],
        mode: 'slices',
        range: [2, 9],
        modality: undefined,
        site: undefined,
        ctWindow: undefined,
      },
    );
    assert.equal(
      parseWebviewMessage({ type: 'runVolume', runId: 'r1', prompts: ['a'], mode: '3d' })?.type,
      'runVolume',
    );
    assert.deepEqual(parseWebviewMessage({ type: 'selectSlice', slice: 3, plane: 'coronal' }), {
      type: 'selectSlice',
      slice: 3,
      frame: undefined,
      plane: 'coronal',
    });
    assert.deepEqual(parseWebviewMessage({ type: 'volumeHideLikelyAbsent', hide: true }), {
      type: 'volumeHideLikelyAbsent',
      hide: true,
    });
  });

  it('rejects unknown modes, reversed or malformed ranges, unknown planes', () => {
    const run = { type: 'runVolume', runId: 'r1', prompts: ['a'] };
    for (const bad of [
      { ...run, mode: '4d' },
      { ...run, mode: 'slices', range: [5, 2] },
      { ...run, mode: 'slices', range: [1, 2, 3] },
      { ...run, mode: 'slices', range: [-1, 2] },
      { ...run, mode: 'slices', range: '1:2' },
      { ...run, mode: 'slices', prompts: [] },
      { type: 'selectSlice', plane: 'oblique' },
      { type: 'volumeHideLikelyAbsent', hide: 'yes' },
    ])
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
  });
});
