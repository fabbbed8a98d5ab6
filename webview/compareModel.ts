/** Figures of "Compare with ground truth" without the DOM (unit-tested under plain mocha). */

/** Dice of a probability map at `minByte` against a 0/1 truth; 1 when both are empty. */
export function diceAt(pred: Uint8Array, truth: Uint8Array, minByte: number): number {
  let tp = 0;
  let p = 0;
  let t = 0;
  for (let i = 0; i < pred.length; i++) {
    const a = pred[i] >= minByte;
    const b = truth[i] !== 0;
    if (a) p++;
    if (b) t++;
    if (a && b) tp++;
  }
  return p + t === 0 ? 1 : (2 * tp) / (p + t);
}
