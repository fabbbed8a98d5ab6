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
