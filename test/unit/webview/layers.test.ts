import assert from 'node:assert/strict';
import {
  composeLabels,
  compositeOver,
  labelColors,
  labelMapMasks,
  lineOpacity,
  minByteFor,
  outlineWidthFor,
  packRgba,
  paintLayers,
  prepareLayer,
  shownArea,
} from '../../../webview/layers';
import { colorFor, PALETTE } from '../../../webview/palette';

describe('webview mask layers', () => {
  it('shows mask values above the probability threshold: 0.5 → ≥128, as the reference does', () => {
    assert.equal(minByteFor(0.5), 128);
    assert.equal(minByteFor(0), 1);
    assert.equal(minByteFor(1), 256);
    assert.equal(minByteFor(0.2), 52); // 0.2·255 = 51 → strictly above
    const layer = prepareLayer(Uint8Array.from([0, 127, 128, 200, 255, 1]));
    assert.equal(shownArea(layer, minByteFor(0.5)), 3);
    assert.equal(shownArea(layer, minByteFor(0)), 5);
    assert.equal(shownArea(layer, minByteFor(1)), 0);
  });

  it('orders pixels by probability so any threshold is a prefix', () => {
    const mask = Uint8Array.from([10, 250, 0, 128, 250, 5]);
    const layer = prepareLayer(mask);
    const values = [...layer.order].map((i) => mask[i]);
    assert.deepEqual(values, [250, 250, 128, 10, 5]);
    assert.equal(layer.atLeast[128], 3);
  });

  it('gives each pixel to the visible target with the highest probability, and reports the rows used', () => {
    const a = prepareLayer(Uint8Array.from([200, 200, 0, 130]));
    const b = prepareLayer(Uint8Array.from([100, 250, 180, 129]));
    const labels = new Uint8Array(4);
    const best = new Uint8Array(4);
    assert.deepEqual(composeLabels([a, b], [true, true], 128, labels, best, 2), { from: 0, to: 1 });
    assert.deepEqual([...labels], [1, 2, 2, 1]);
    composeLabels([a, b], [false, true], 128, labels, best, 2);
    assert.deepEqual([...labels], [0, 2, 2, 2]);
    assert.deepEqual(
      composeLabels([a, b], [true, false], 201, labels, best, 2),
      { from: 1, to: 0 },
      'nothing shown: empty span',
    );
    assert.deepEqual([...labels], [0, 0, 0, 0]);
    assert.deepEqual(composeLabels([a], [true], 129, labels, best, 2), { from: 0, to: 1 });
    assert.deepEqual(composeLabels([a], [true], 131, labels, best, 2), { from: 0, to: 0 });
  });

  it('paints fills inside and outlines on region boundaries, and clears stale rows', () => {
    // 6×6 with a 4×4 square of label 1 at (1..4, 1..4).
    const W = 6;
    const labels = new Uint8Array(36);
    for (let y = 1; y <= 4; y++) for (let x = 1; x <= 4; x++) labels[y * W + x] = 1;
    const lut = labelColors([colorFor(0)], [false]);
    const fill = new Uint32Array(36);
    const line = new Uint32Array(36);
    line[0] = 123; // stale pixel from an earlier paint, row 0 is outside the new span
    paintLayers(labels, W, W, lut, 1, { from: 1, to: 4 }, { from: 0, to: 5 }, fill, line);
    assert.equal(fill[2 * W + 2], lut[1], 'inside is filled');
    assert.equal(line[2 * W + 2], 0, 'inside has no outline');
    assert.equal(line[1 * W + 1], lut[1], 'edge is outlined');
    assert.equal(line[2 * W + 1], lut[1]);
    assert.equal(fill[0], 0);
    assert.equal(line[0], 0, 'stale rows are cleared');
    paintLayers(labels, W, W, lut, 2, { from: 1, to: 4 }, { from: 1, to: 0 }, fill, line);
    assert.equal(line[2 * W + 2], lut[1], 'a 2-pixel outline reaches the second ring');
  });

  it('dims likely-absent targets; opacity stays out of the pixels', () => {
    const lut = labelColors([PALETTE[0], PALETTE[1]], [false, true]);
    assert.equal(lut[0], 0);
    assert.equal(lut[1] >>> 24, 255);
    assert.ok(lut[2] >>> 24 < 255);
    // Still plainly visible: at least 60 % of a valid target's fill.
    assert.ok(lut[2] >>> 24 >= 0.6 * 255, `dimmed fill alpha ${lut[2] >>> 24} is too faint`);
    assert.equal(lineOpacity(0), 0);
    assert.equal(lineOpacity(0.45), 0.9);
    assert.equal(lineOpacity(1), 1);
    assert.equal(outlineWidthFor(2), 1);
    assert.equal(outlineWidthFor(0.5), 2);
    assert.equal(outlineWidthFor(0.01), 4);
  });

  it('outlines a likely-absent target dashed, at full strength, and a valid one solid', () => {
    // 20×20 with label 1 (valid) on the left half and label 2 (dimmed) on the right half.
    const W = 20;
    const labels = new Uint8Array(W * W);
    for (let y = 2; y < 18; y++) for (let x = 2; x < 18; x++) labels[y * W + x] = x < 10 ? 1 : 2;
    const lut = labelColors([PALETTE[0], PALETTE[1]], [false, true]);
    const fill = new Uint32Array(W * W);
    const line = new Uint32Array(W * W);
    paintLayers(labels, W, W, lut, 1, { from: 0, to: W - 1 }, { from: 0, to: W - 1 }, fill, line);
    const top = (x0: number, x1: number) => Array.from({ length: x1 - x0 }, (_, k) => line[2 * W + x0 + k]);
    assert.ok(
      top(2, 10).every((c) => c === lut[1]),
      'valid: a solid top edge',
    );
    const dashed = top(10, 18);
    assert.ok(
      dashed.some((c) => c === 0) && dashed.some((c) => c !== 0),
      `dimmed: gaps and dashes ${dashed}`,
    );
    for (const c of dashed) if (c) assert.equal(c >>> 24, 255, 'dashes at full strength');
    assert.equal(fill[5 * W + 14] >>> 24, lut[2] >>> 24, 'dimmed fill keeps its own alpha');
  });

  it('composites straight-alpha overlay over the image like canvas source-over', () => {
    assert.deepEqual(compositeOver([100, 100, 100], 0), [100, 100, 100, 255]);
    assert.deepEqual(compositeOver([0, 0, 0], packRgba(255, 0, 0, 255)), [255, 0, 0, 255]);
    assert.deepEqual(compositeOver([0, 0, 200], packRgba(200, 0, 0, 128)), [100, 0, 100, 255]);
    assert.deepEqual(compositeOver([0, 0, 200], packRgba(200, 0, 0, 255), 0.5), [100, 0, 100, 255]);
  });

  it('splits a recognition label map into one binary layer per label', () => {
    const masks = labelMapMasks(Uint8Array.from([0, 1, 2, 2, 3]), 2);
    assert.deepEqual([...masks[0]], [0, 255, 0, 0, 0]);
    assert.deepEqual([...masks[1]], [0, 0, 255, 255, 0]);
  });
});
