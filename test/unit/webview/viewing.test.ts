import assert from 'node:assert/strict';
import {
  actualSize,
  fitTransform,
  imageToScreen,
  pan,
  restoreView,
  saveView,
  screenToImage,
  zoomAt,
} from '../../../webview/viewTransform';
import {
  dragWindow,
  fromWidthLevel,
  parseWindow,
  renderImageRgba,
  widthLevel,
  CT_PRESETS,
} from '../../../webview/windowing';

describe('webview view transform', () => {
  it('fits and centres the image', () => {
    const t = fitTransform(1024, 512, 800, 800);
    assert.equal(t.scale, 800 / 1024);
    assert.deepEqual(imageToScreen(t, 0, 0), [0, (800 - 400) / 2]);
  });

  it('zooms about the cursor and maps back exactly', () => {
    const t0 = fitTransform(1000, 1000, 500, 500);
    const before = screenToImage(t0, 123, 321);
    const t1 = zoomAt(t0, 2, 123, 321);
    const after = screenToImage(t1, 123, 321);
    assert.ok(Math.abs(before[0] - after[0]) < 1e-9 && Math.abs(before[1] - after[1]) < 1e-9);
    assert.equal(actualSize(t1, 500, 500).scale, 1);
    assert.deepEqual(pan(t1, 5, -5), { scale: t1.scale, tx: t1.tx + 5, ty: t1.ty - 5 });
  });

  it('saves the view independent of the window size and restores it', () => {
    const t = zoomAt(fitTransform(512, 512, 400, 300), 3, 100, 100);
    const saved = saveView(t, false, 400, 300);
    const r = restoreView(saved, 512, 512, 800, 600);
    assert.deepEqual(
      screenToImage(r, 400, 300).map((v) => Math.round(v * 1e6)),
      [saved.cx, saved.cy].map((v) => Math.round(v * 1e6)),
    );
    assert.deepEqual(
      restoreView({ ...saved, fit: true }, 512, 512, 800, 600),
      fitTransform(512, 512, 800, 600),
    );
  });
});

describe('webview window/level', () => {
  it('maps lower→0 and upper→255 and clamps', () => {
    const out = new Uint8ClampedArray(16);
    renderImageRgba(Float32Array.from([-1000, -150, 90, 250]), 1, 4, { lower: -150, upper: 250 }, out);
    assert.deepEqual([out[0], out[4], out[8], out[12]], [0, 0, 153, 255]);
    assert.equal(out[3], 255);
  });

  it('shows raster values as they are without a window', () => {
    const out = new Uint8ClampedArray(4);
    renderImageRgba(Float32Array.from([10, 20, 30]), 3, 1, undefined, out);
    assert.deepEqual([...out], [10, 20, 30, 255]);
  });

  it('converts width/level, parses typed bounds and drags within the range', () => {
    assert.deepEqual(widthLevel({ lower: -160, upper: 240 }), { width: 400, level: 40 });
    assert.deepEqual(fromWidthLevel(400, 40), { lower: -160, upper: 240 });
    assert.deepEqual(parseWindow('-100', '200'), { lower: -100, upper: 200 });
    assert.equal(parseWindow('200', '100'), undefined);
    assert.equal(parseWindow('', '100'), undefined);
    const w = dragWindow({ lower: 0, upper: 100 }, 50, 0, { min: -1000, max: 1500 });
    assert.equal(w.upper - w.lower, 100 + 50 * 5);
    assert.ok(CT_PRESETS.some((p) => p.id === 'lung') && CT_PRESETS.some((p) => p.id === 'bone'));
  });
});
