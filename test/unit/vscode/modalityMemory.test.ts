import assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { ModalityMemory } from '../../../src/vscode/modalityMemory';

function memento(): vscode.Memento {
  const data = new Map<string, unknown>();
  return {
    keys: () => [...data.keys()],
    get: <T>(key: string, fallback?: T) => (data.has(key) ? (data.get(key) as T) : fallback),
    update: async (key: string, value: unknown) => void data.set(key, value),
  } as vscode.Memento;
}

describe("the user's modality choice per file", () => {
  it('is remembered for that file only, and replaced by a later choice', async () => {
    const m = new ModalityMemory(memento());
    await m.set('/w/covid_1585.png', { modality: 'X-Ray', site: 'chest' });
    assert.deepEqual(m.get('/w/covid_1585.png'), { modality: 'X-Ray', site: 'chest' });
    assert.equal(m.get('/w/other.png'), undefined);
    await m.set('/w/covid_1585.png', { modality: 'CT', site: 'lung' });
    assert.deepEqual(m.get('/w/covid_1585.png'), { modality: 'CT', site: 'lung' });
  });

  it('keeps only catalogue pairs (the webview is untrusted)', async () => {
    const m = new ModalityMemory(memento());
    await m.set('/w/a.png', { modality: 'CT', site: 'banana' });
    await m.set('/w/b.png', { modality: 'constructor', site: 'x' });
    assert.equal(m.get('/w/a.png'), undefined);
    assert.equal(m.get('/w/b.png'), undefined);
    assert.equal(m.get('constructor'), undefined);
  });
});
