import assert from 'node:assert/strict';
import { composeLabels, compositeOver, labelColors, labelMapMasks, minByteFor, packRgba, paintOverlay, prepareLayer, shownArea } from '../../../webview/layers';
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

  it('gives each pixel to the visible target with the highest probability', () => {
    const a = prepareLayer(Uint8Array.from([200, 200, 0, 130]));
    const b = prepareLayer(Uint8Array.from([100, 250, 180, 129]));
    const labels = new Uint8Array(4);
    const best = new Uint8Array(4);
    composeLabels([a, b], [true, true], 128, labels, best);
    assert.deepEqual([...labels], [1, 2, 2, 1]);
    composeLabels([a, b], [false, true], 128, labels, best);
    assert.deepEqual([...labels], [0, 2, 2, 2]);
    composeLabels([a, b], [true, true], 256, labels, best);
    assert.deepEqual([...labels], [0, 0, 0, 0]);
  });

  it('paints fills inside and outlines on region boundaries', () => {
    // 5×5 with a 3×3 square of label 1 in the middle.
    const W = 5;
    const labels = new Uint8Array(25);
    for (let y = 1; y <= 3; y++) for (let x = 1; x <= 3; x++) labels[y * W + x] = 1;
    const { fill, line } = labelColors([colorFor(0)], [false], 0.5);
    const out = new Uint32Array(25);
    paintOverlay(labels, W, W, fill, line, { style: 'both', opacity: 0.5, outlineWidth: 1 }, out);
    assert.equal(out[2 * W + 2], fill[1], 'centre is filled');
    assert.equal(out[1 * W + 1], line[1], 'edge is outlined');
    assert.equal(out[0], 0, 'outside is empty');
    paintOverlay(labels, W, W, fill, line, { style: 'outline', opacity: 0.5, outlineWidth: 1 }, out);
    assert.equal(out[2 * W + 2], 0, 'outline style leaves the inside clear');
    paintOverlay(labels, W, W, fill, line, { style: 'fill', opacity: 0.5, outlineWidth: 1 }, out);
    assert.equal(out[1 * W + 1], fill[1], 'fill style has no outline');
  });

  it('dims likely-absent targets and applies the global opacity', () => {
    const { fill } = labelColors([PALETTE[0], PALETTE[1]], [false, true], 0.4);
    assert.equal(fill[1] >>> 24, Math.round(255 * 0.4));
    assert.ok(fill[2] >>> 24 < fill[1] >>> 24);
    const zero = labelColors([PALETTE[0]], [false], 0);
    assert.equal(zero.fill[1] >>> 24, 0);
    assert.equal(zero.line[1] >>> 24, 0);
  });

  it('composites straight-alpha overlay over the image like canvas source-over', () => {
    assert.deepEqual(compositeOver([100, 100, 100], 0), [100, 100, 100, 255]);
    assert.deepEqual(compositeOver([0, 0, 0], packRgba(255, 0, 0, 255)), [255, 0, 0, 255]);
    assert.deepEqual(compositeOver([0, 0, 200], packRgba(200, 0, 0, 128)), [100, 0, 100, 255]);
  });

  it('splits a recognition label map into one binary layer per label', () => {
    const masks = labelMapMasks(Uint8Array.from([0, 1, 2, 2, 3]), 2);
    assert.deepEqual([...masks[0]], [0, 255, 0, 0, 0]);
    assert.deepEqual([...masks[1]], [0, 0, 255, 255, 0]);
  });
});
