import * as assert from 'node:assert/strict';
import {
  maskToSource,
  modelInputGeometry,
  modelInputPixels,
  modelToSource,
  sourceToModel,
  type SourceImage,
} from '../../../src/imaging';
import { differencesFromReference } from '../../support/referenceMaskToSource';

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

/** Deterministic pseudo-random 1024² mask (all values 0–255, no smoothness to hide behind). */
function randomMask(seed: number): Uint8Array {
  const mask = new Uint8Array(1024 * 1024);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < mask.length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    mask[i] = state & 255;
  }
  return mask;
}

/**
 * The model mask of a source shape, drawn straight in the model grid: each model pixel is 255
 * when its centre falls inside a source pixel of the shape (undoing resize and padding), else 0.
 */
function modelMaskOf(w: number, h: number, inside: (x: number, y: number) => boolean): Uint8Array {
  const long = Math.max(w, h);
  const padLeft = Math.floor((long - w) / 2);
  const padTop = Math.floor((long - h) / 2);
  const pw = w + 2 * padLeft;
  const ph = h + 2 * padTop;
  const mask = new Uint8Array(1024 * 1024);
  for (let v = 0; v < 1024; v++) {
    const y = Math.floor(((v + 0.5) * ph) / 1024) - padTop;
    for (let u = 0; u < 1024; u++) {
      const x = Math.floor(((u + 0.5) * pw) / 1024) - padLeft;
      if (x >= 0 && x < w && y >= 0 && y < h && inside(x, y)) mask[v * 1024 + u] = 255;
    }
  }
  return mask;
}

function centroid(
  w: number,
  h: number,
  inside: (x: number, y: number) => boolean,
): { x: number; y: number; n: number } {
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      if (inside(x, y)) {
        sx += x;
        sy += y;
        n++;
      }
  return { x: sx / n, y: sy / n, n };
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

  // The model input and the mask mapping must agree on where the source sits: a shape drawn on
  // the source, prepared as the model input, thresholded there and mapped back, lands where it was.
  for (const [w, h] of [
    [300, 201],
    [180, 420],
    [2000, 1500],
  ]) {
    it(`a mask computed on the model input maps back onto the ${w}×${h} source pixels, in place`, () => {
      const inside = (x: number, y: number): boolean =>
        (x - w * 0.4) ** 2 + (y - h * 0.5) ** 2 < (Math.min(w, h) * 0.3) ** 2 ||
        (y > h * 0.1 && y < h * 0.1 + 6) ||
        (x > w * 0.8 && x < w * 0.8 + 6);
      const image = syntheticImage(w, h, inside);
      const rgb = modelInputPixels(image, { kind: 'none' });
      const mask = new Uint8Array(1024 * 1024);
      for (let i = 0; i < mask.length; i++) mask[i] = rgb[i * 3];
      const back = maskToSource(mask, modelInputGeometry(w, h));
      assert.equal(back.length, w * h);
      const got = centroid(w, h, (x, y) => back[y * w + x] >= 128);
      const want = centroid(w, h, inside);
      // The resize blurs edges symmetrically, so the shape's centre of mass stays put; a mapping
      // off by one source pixel moves it by a whole pixel.
      assert.ok(
        Math.abs(got.x - want.x) < 0.1 && Math.abs(got.y - want.y) < 0.1,
        `centroid (${got.x}, ${got.y}) vs (${want.x}, ${want.y})`,
      );
      assert.ok(Math.abs(got.n - want.n) < 0.02 * want.n, `area ${got.n} vs ${want.n}`);
    });
  }

  // Exact: every source pixel against the plain reference (test/support/referenceMaskToSource.ts).
  // Odd differences between the sides (300×201, 7×4, 2001×1500, 1023×1024) leave the padded image
  // one pixel short of square; tiny and huge sources exercise the clamping at the grid's edges.
  const GEOMETRIES: [number, number][] = [
    [300, 201],
    [201, 300],
    [7, 4],
    [4, 7],
    [1, 1],
    [1, 6],
    [2001, 1500],
    [1023, 1024],
    [1024, 1024],
    [1500, 37],
  ];

  for (const [w, h] of GEOMETRIES) {
    it(`maps a random mask onto ${w}×${h} source pixels exactly as the reference`, () => {
      const mask = randomMask(w * 7919 + h);
      const back = maskToSource(mask, modelInputGeometry(w, h));
      assert.deepEqual(differencesFromReference(back, mask, w, h), []);
    });
  }

  for (const [w, h] of [...GEOMETRIES, [512, 512] as [number, number]]) {
    it(`maps a mask of flat patches (0, 255, other levels, noise) onto ${w}×${h} exactly as the reference`, () => {
      // Flat patches take the shortcut for four equal taps; their edges and the noise do not.
      const noise = randomMask(w * 31 + h);
      const mask = new Uint8Array(1024 * 1024);
      for (let v = 0; v < 1024; v++)
        for (let u = 0; u < 1024; u++) {
          const patch = noise[((v / 5) | 0) * 1024 + ((u / 3) | 0)];
          const i = v * 1024 + u;
          mask[i] = patch < 96 ? 0 : patch < 192 ? 255 : patch < 224 ? patch : noise[i];
        }
      const back = maskToSource(mask, modelInputGeometry(w, h));
      assert.deepEqual(differencesFromReference(back, mask, w, h), []);
    });
  }

  it('maps single model pixels and one-pixel vertical and horizontal lines exactly as the reference', () => {
    const shapes: [string, (u: number, v: number) => boolean][] = [
      ['pixel (512, 300)', (u, v) => u === 512 && v === 300],
      ['pixel (0, 0)', (u, v) => u === 0 && v === 0],
      ['pixel (1023, 1023)', (u, v) => u === 1023 && v === 1023],
      ['column 401', (u) => u === 401],
      ['column 1023', (u) => u === 1023],
      ['row 77', (_u, v) => v === 77],
      ['row 0', (_u, v) => v === 0],
    ];
    for (const [name, on] of shapes) {
      const mask = new Uint8Array(1024 * 1024);
      for (let v = 0; v < 1024; v++) for (let u = 0; u < 1024; u++) if (on(u, v)) mask[v * 1024 + u] = 255;
      for (const [w, h] of [
        [300, 201],
        [201, 300],
        [2001, 1500],
        [1023, 1024],
      ]) {
        const back = maskToSource(mask, modelInputGeometry(w, h));
        assert.deepEqual(differencesFromReference(back, mask, w, h), [], `${name} on ${w}×${h}`);
      }
    }
  });

  it('brings back thin vertical and horizontal source shapes and single source pixels exactly', () => {
    // Sources whose both axes are enlarged more than twice: the model pixels covering a source
    // pixel surround both bilinear neighbours of its centre, so the shape must come back as is.
    for (const [w, h] of [
      [300, 201],
      [201, 300],
      [7, 4],
      [121, 96],
    ]) {
      const shapes: [string, (x: number, y: number) => boolean][] = [
        ['column 1', (x) => x === 1],
        ['last column', (x) => x === w - 1],
        ['middle column', (x) => x === Math.floor(w / 2)],
        ['row 2', (_x, y) => y === Math.min(2, h - 1)],
        ['last row', (_x, y) => y === h - 1],
        ['pixel', (x, y) => x === Math.floor(w / 3) && y === Math.floor(h / 3)],
        ['corner pixel', (x, y) => x === 0 && y === 0],
        ['two pixels apart', (x, y) => (x === 3 || x === 5) && y === 1],
      ];
      for (const [name, inside] of shapes) {
        const back = maskToSource(modelMaskOf(w, h, inside), modelInputGeometry(w, h));
        const wrong: string[] = [];
        for (let y = 0; y < h; y++)
          for (let x = 0; x < w; x++)
            if (back[y * w + x] >= 128 !== inside(x, y) && wrong.length < 5) wrong.push(`(${x}, ${y})`);
        assert.deepEqual(wrong, [], `${name} on ${w}×${h}`);
      }
    }
  });

  // A source padded to 512² (a 512² CT or MRI slice, the commonest case) maps back in integers
  // (see halfRow in geometry.ts): the same bytes as the bilinear arithmetic in doubles, strictly,
  // with no half-way leeway. 510 wide has an odd left padding (its first pixel's taps are not
  // word-aligned); 511×512 and 513×513 are near misses that keep the general path.
  for (const [w, h] of [
    [512, 512],
    [512, 300],
    [510, 512],
    [512, 510],
    [299, 512],
    [512, 1],
    [511, 512],
    [513, 513],
  ] as [number, number][]) {
    it(`maps masks onto ${w}×${h} with exactly the bytes of the bilinear arithmetic in doubles`, () => {
      const g = modelInputGeometry(w, h);
      const noise = randomMask(w * 131 + h);
      const patches = new Uint8Array(1024 * 1024);
      for (let i = 0; i < patches.length; i++) {
        const patch = noise[(((i >> 10) / 7) | 0) * 1024 + (((i & 1023) / 5) | 0)];
        patches[i] = patch < 128 ? 0 : patch < 200 ? 255 : noise[i];
      }
      for (const mask of [noise, patches, new Uint8Array(1024 * 1024).fill(255)]) {
        const back = maskToSource(mask, g);
        const bad: string[] = [];
        for (let y = 0; y < h && bad.length < 5; y++) {
          const v = Math.min(Math.max(((y + g.padTop + 0.5) * 1024) / g.paddedHeight - 0.5, 0), 1023);
          const y0 = Math.floor(v);
          const y1 = Math.min(y0 + 1, 1023);
          for (let x = 0; x < w && bad.length < 5; x++) {
            const u = Math.min(Math.max(((x + g.padLeft + 0.5) * 1024) / g.paddedWidth - 0.5, 0), 1023);
            const x0 = Math.floor(u);
            const x1 = Math.min(x0 + 1, 1023);
            const [m00, m01] = [mask[y0 * 1024 + x0], mask[y0 * 1024 + x1]];
            const [m10, m11] = [mask[y1 * 1024 + x0], mask[y1 * 1024 + x1]];
            const a = m00 + (m01 - m00) * (u - x0);
            const b = m10 + (m11 - m10) * (u - x0);
            const want = Math.round(a + (b - a) * (v - y0));
            if (back[y * w + x] !== want) bad.push(`(${x}, ${y}): ${back[y * w + x]} ≠ ${want}`);
          }
        }
        assert.deepEqual(bad, []);
      }
    });
  }

  it('a constant mask stays constant, and the mask size is checked', () => {
    const g = modelInputGeometry(50, 70);
    const back = maskToSource(new Uint8Array(1024 * 1024).fill(200), g);
    assert.ok(back.every((v) => v === 200));
    assert.throws(() => maskToSource(new Uint8Array(10), g), /expected 1024×1024/);
  });
});
