import * as assert from 'node:assert/strict';
import {
  maskToSource,
  modelInputGeometry,
  modelInputPixels,
  modelToSource,
  sourceToModel,
  type SourceImage,
} from '../../../src/imaging';

function syntheticImage(
  width: number,
  height: number,
  inside: (x: number, y: number) => boolean,
): SourceImage {
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) pixels[y * width + x] = inside(x, y) ? 255 : 0;
  return {
    file: 'synthetic',
    format: 'raster',
    width,
    height,
    channels: 1,
    pixels,
    range: { min: 0, max: 255 },
    burnedInAnnotation: false,
    bitsStored: 8,
  };
}

describe('imaging: geometry of the model input and masks back on the source', () => {
  it('pads the short axis by floor((long − short)/2) on each side, as the reference', () => {
    assert.deepEqual(modelInputGeometry(422, 512), {
      sourceWidth: 422,
      sourceHeight: 512,
      padTop: 0,
      padLeft: 45,
      paddedWidth: 512,
      paddedHeight: 512,
      size: 1024,
    });
    assert.deepEqual(modelInputGeometry(300, 201), {
      sourceWidth: 300,
      sourceHeight: 201,
      padTop: 49,
      padLeft: 0,
      paddedWidth: 300,
      paddedHeight: 299,
      size: 1024,
    });
    assert.deepEqual(modelInputGeometry(1024, 1024).paddedWidth, 1024);
  });

  it('source → model-input → source coordinates round-trip, and pixel centres land where the resize samples', () => {
    const g = modelInputGeometry(300, 201);
    for (const [x, y] of [
      [0, 0],
      [299, 200],
      [123.25, 77.5],
    ]) {
      const m = sourceToModel(g, x, y);
      const back = modelToSource(g, m.x, m.y);
      assert.ok(Math.abs(back.x - x) < 1e-9 && Math.abs(back.y - y) < 1e-9);
    }
    // The padded image's first row/column edge (−0.5) maps to the model grid's edge (−0.5).
    const corner = sourceToModel(g, -0.5, -0.5 - g.padTop);
    assert.ok(Math.abs(corner.x + 0.5) < 1e-9 && Math.abs(corner.y + 0.5) < 1e-9);
  });

  for (const [w, h] of [
    [300, 201],
    [180, 420],
    [2000, 1500],
  ]) {
    it(`a mask computed on the model input maps back onto the ${w}×${h} source pixels`, () => {
      // A disc and a thin bar: the "model" returns exactly the model input's own pixels.
      const inside = (x: number, y: number): boolean =>
        (x - w * 0.4) ** 2 + (y - h * 0.5) ** 2 < (Math.min(w, h) * 0.3) ** 2 ||
        (y > h * 0.1 && y < h * 0.1 + 6);
      const image = syntheticImage(w, h, inside);
      const rgb = modelInputPixels(image, { kind: 'none' });
      const mask = new Uint8Array(1024 * 1024);
      for (let i = 0; i < mask.length; i++) mask[i] = rgb[i * 3];
      const back = maskToSource(mask, modelInputGeometry(w, h));
      assert.equal(back.length, w * h);
      let agree = 0;
      let union = 0;
      let both = 0;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const a = back[y * w + x] >= 128;
          const b = inside(x, y);
          if (a === b) agree++;
          if (a || b) union++;
          if (a && b) both++;
        }
      }
      assert.ok(both / union > 0.97, `IoU ${both / union}`);
      assert.ok(agree / (w * h) > 0.99, `agreement ${agree / (w * h)}`);
    });
  }

  it('a constant mask stays constant, and the mask size is checked', () => {
    const g = modelInputGeometry(50, 70);
    const back = maskToSource(new Uint8Array(1024 * 1024).fill(200), g);
    assert.ok(back.every((v) => v === 200));
    assert.throws(() => maskToSource(new Uint8Array(10), g), /expected 1024×1024/);
  });
});
