import assert from 'node:assert/strict';
import {
  keyStorageWarning,
  probeKeyStorage,
  type KeyStorageParts,
} from '../../../src/vscode/endpoints/keyStorage';

/** A session's secrets and global state; `secrets` may outlive it (keychain) or not (memory). */
function session(secrets: Map<string, string>, state: Map<string, unknown>): KeyStorageParts {
  return {
    secrets: {
      get: async (k) => secrets.get(k),
      store: async (k, v) => void secrets.set(k, v),
    },
    globalState: {
      get: <T>(k: string) => state.get(k) as T | undefined,
      update: async (k, v) => void state.set(k, v),
    },
  };
}

describe('key storage: do keys survive Reload Window here?', () => {
  it('says unknown the first time, then kept where secrets persist and lost where they do not', async () => {
    const state = new Map<string, unknown>();
    const keychain = new Map<string, string>();
    assert.equal(await probeKeyStorage(session(keychain, state)), 'unknown');
    // Desktop: the same keychain after a reload.
    assert.equal(await probeKeyStorage(session(keychain, state)), 'kept');
    // A browser workbench keeping secrets in memory: a reload starts with none.
    const memoryState = new Map<string, unknown>();
    assert.equal(await probeKeyStorage(session(new Map(), memoryState)), 'unknown');
    assert.equal(await probeKeyStorage(session(new Map(), memoryState)), 'lost');
    assert.equal(await probeKeyStorage(session(new Map(), memoryState)), 'lost');
  });

  it('warns plainly where keys are lost, and in a browser while it is not known yet', () => {
    assert.match(keyStorageWarning('lost', true)!, /does not keep keys.*enter the key again/);
    assert.match(keyStorageWarning('lost', false)!, /does not keep keys/);
    assert.match(keyStorageWarning('unknown', true)!, /browser workbench.*Reload Window/);
    assert.equal(keyStorageWarning('unknown', false), undefined);
    assert.equal(keyStorageWarning('kept', true), undefined);
  });
});
