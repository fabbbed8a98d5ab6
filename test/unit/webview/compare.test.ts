import assert from 'node:assert/strict';
import { diceAt } from '../../../webview/compareModel';

describe('webview: Compare with ground truth', () => {
  it('gives each target’s Dice at the threshold shown, 1 when both are empty', () => {
    const pred = Uint8Array.from([0, 100, 200, 255, 130, 0]);
    const truth = Uint8Array.from([0, 1, 1, 1, 0, 1]);
    // At ≥ 128: predicted {2, 3, 4}, truth {1, 2, 3, 5}: 2·2 / (3 + 4).
    assert.equal(diceAt(pred, truth, 128), 4 / 7);
    // At ≥ 100: predicted {1, 2, 3, 4}: 2·3 / (4 + 4).
    assert.equal(diceAt(pred, truth, 100), 6 / 8);
    assert.equal(diceAt(new Uint8Array(3), new Uint8Array(3), 128), 1);
    assert.equal(diceAt(Uint8Array.from([255]), new Uint8Array(1), 128), 0);
  });
});
