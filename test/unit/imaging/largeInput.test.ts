import { strict as assert } from 'node:assert';
import { modelInputGeometry } from '../../../src/imaging/geometry';
import {
  applyIntensityInto,
  applyIntensityLater,
  type ResolvedIntensity,
} from '../../../src/imaging/modelInput/intensity';
import { modelInputPixels, prepareModelInput } from '../../../src/imaging/modelInput/prepare';
import { planResize, resizePlane, type PlaneSource } from '../../../src/imaging/resize/bspline';
import {
  BANDED_WORK,
  resizePlaneInBands,
  resizePlaneParallel,
  resizeWork,
  resizeWorkerReady,
  stopResizeWorker,
} from '../../../src/imaging/resize/parallel';
import type { IntensitySpec, SourceImage } from '../../../src/imaging/types';
import { decodePngRgb } from './helpers';

/** A deterministic grey strip with flat patches, gradients and edges. */
function strip(width: number, height: number): Uint8Array {
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      pixels[y * width + x] = ((x >> 4) + (y >> 4)) % 3 === 0 ? 200 : (x * 7 + y * 3 + ((x * y) >> 5)) & 255;
  return pixels;
}

function padded(data: Uint8Array | Float32Array, width: number, height: number): PlaneSource {
  const g = modelInputGeometry(width, height);
  return {
    data,
    width,
    height,
    stride: 1,
    offset: 0,
    padLeft: g.padLeft,
    padTop: g.padTop,
    paddedWidth: g.paddedWidth,
    paddedHeight: g.paddedHeight,
  };
}

function sharedOut(): Float64Array {
  return new Float64Array(new SharedArrayBuffer(1024 * 1024 * 8));
}

/** Counts turns of the event loop (timer ticks) until stopped. */
function ticker(): { stop: () => number } {
  let ticks = 0;
  let running = true;
  const tick = () => {
    ticks++;
    if (running) setTimeout(tick, 0);
  };
  setTimeout(tick, 0);
  return {
    stop: () => {
      running = false;
      return ticks;
    },
  };
}

describe('imaging: large inputs are resized in bands that let the event loop run', function () {
  this.timeout(120_000);
  after(() => stopResizeWorker());

  for (const [w, h] of [
    [300, 9000],
    [9000, 300],
  ]) {
    it(`${w}×${h}: the banded resize equals the one-go resize bit for bit, and timers run meanwhile`, async () => {
      assert.equal(await resizeWorkerReady(), true);
      const source = padded(strip(w, h), w, h);
      assert.ok(resizeWork(planResize(source, 1024, 1024)) > BANDED_WORK, 'large enough to be banded');
      const expected = resizePlane(source, 1024, 1024, new Float64Array(1024 * 1024));
      for (const out of [sharedOut(), new Float64Array(1024 * 1024)]) {
        const ticks = ticker();
        const actual = await resizePlaneInBands(source, 1024, 1024, out);
        assert.ok(ticks.stop() > 3, 'the event loop turned while the plane was resized');
        for (let i = 0; i < expected.length; i++)
          if (!Object.is(expected[i], actual[i]))
            assert.fail(`value ${i}: ${actual[i]} instead of ${expected[i]}`);
      }
    });
  }

  it('a float source outside shared memory, larger than one copy chunk, resizes in bands to the one-go result', async () => {
    // The worker reads a copy in shared memory, made in chunks of 8 MB: each chunk at its place.
    const w = 260;
    const h = 9000;
    const values = new Float32Array(w * h);
    for (let i = 0; i < values.length; i++) values[i] = ((i * 2654435761) % 1400) / 5.5;
    assert.ok(values.byteLength > 8 << 20, 'more than one chunk');
    const source = padded(values, w, h);
    const expected = resizePlane(source, 1024, 1024, new Float64Array(1024 * 1024));
    const actual = await resizePlaneInBands(source, 1024, 1024, sharedOut());
    for (let i = 0; i < expected.length; i++)
      if (!Object.is(expected[i], actual[i]))
        assert.fail(`value ${i}: ${actual[i]} instead of ${expected[i]}`);
  });

  it('two banded resizes and a one-go resize at once do not disturb each other', async () => {
    const a = padded(strip(300, 6000), 300, 6000);
    const b = padded(strip(6000, 280), 6000, 280);
    const c = padded(strip(200, 900), 200, 900);
    const expected = [a, b].map((s) => resizePlane(s, 1024, 1024, new Float64Array(1024 * 1024)));
    const expectedC = resizePlane(c, 1024, 1024, new Float64Array(1024 * 1024));
    const running = [
      resizePlaneInBands(a, 1024, 1024, sharedOut()),
      resizePlaneInBands(b, 1024, 1024, sharedOut()),
    ];
    await new Promise((resolve) => setTimeout(resolve, 5));
    const inBetween = resizePlaneParallel(c, 1024, 1024, sharedOut());
    const results = await Promise.all(running);
    assert.deepEqual(inBetween, expectedC);
    results.forEach((r, i) => assert.deepEqual(r, expected[i]));
  });

  it('intensity mapped in chunks equals the one-go mapping, with the same bounds', async () => {
    const n = 2_500_000; // several chunks
    const hu = new Float32Array(n);
    for (let i = 0; i < n; i++) hu[i] = ((i * 2654435761) % 4001) - 1500 + (i % 7) / 8;
    hu[17] = NaN;
    const wide = Float32Array.from(hu, (v, i) => (i % 1000 === 0 ? 1e30 : v * 1e-3));
    const withInfinity = Float32Array.from(hu, (v, i) => (i % 50 === 0 ? Infinity : v));
    const cases: [string, Float32Array, ResolvedIntensity][] = [
      ['window', hu, { kind: 'window', lower: -150, upper: 250 }],
      ['none', hu, { kind: 'none' }],
      ['percentile', hu, { kind: 'percentile' }],
      ['percentile, values across many exponents', wide, { kind: 'percentile' }],
      ['percentile reaching an infinity', withInfinity, { kind: 'percentile' }],
      ['percentile of nothing positive', new Float32Array(n).fill(-3), { kind: 'percentile' }],
    ];
    for (const [name, pixels, intensity] of cases) {
      const expected = applyIntensityInto(pixels, intensity, new Float64Array(n));
      const ticks = ticker();
      const actual = await applyIntensityLater(pixels, intensity, new Float64Array(n));
      assert.ok(ticks.stop() > 1, `${name}: the event loop turned`);
      assert.deepEqual(
        { min: actual.min, max: actual.max, finite: actual.finite },
        { min: expected.min, max: expected.max, finite: expected.finite },
        name,
      );
      for (let i = 0; i < n; i++)
        if (!Object.is(actual.values[i], expected.values[i])) assert.fail(`${name}: value ${i}`);
    }
  });

  it('prepareModelInput of a tall CT strip (windowed floats) gives the same model input as the one-go path', async () => {
    const width = 260;
    const height = 9000;
    const pixels = new Float32Array(width * height);
    for (let i = 0; i < pixels.length; i++) pixels[i] = ((i * 2654435761) % 1400) - 1000;
    const image: SourceImage = {
      file: 'strip.dcm',
      format: 'dicom',
      width,
      height,
      channels: 1,
      pixels,
      range: { min: -1000, max: 399 },
      burnedInAnnotation: false,
      modalityHint: 'CT',
    };
    const input = await prepareModelInput(image);
    assert.deepEqual(input.rgb, modelInputPixels(image));
  });

  it('prepareModelInput of large 16-bit images maps intensities while resizing, to the one-go model input', async () => {
    // Large inputs are not copied as mapped float64 values (800 MB for 100 megapixels): the resize
    // maps each row as it reads it. Percentiles, a window, clipping only, nothing positive, colour.
    const deep = (width: number, height: number, channels: 1 | 3, value: (i: number) => number) => {
      const pixels = new Float32Array(new SharedArrayBuffer(width * height * channels * 4));
      for (let i = 0; i < pixels.length; i++) pixels[i] = value(i);
      let min = Infinity;
      let max = -Infinity;
      for (const v of pixels) {
        min = Math.min(min, v);
        max = Math.max(max, v);
      }
      const image: SourceImage = {
        file: 'deep.png',
        format: 'raster',
        width,
        height,
        channels,
        pixels,
        range: { min, max },
        burnedInAnnotation: false,
        bitsStored: 16,
      };
      return image;
    };
    const grey = deep(260, 9000, 1, (i) => ((i * 2654435761) % 65536) * (i % 9 === 0 ? 0 : 1));
    const cases: [string, SourceImage, IntensitySpec][] = [
      ['grey, percentiles', grey, { kind: 'auto' }],
      ['grey, a window', grey, { kind: 'window', lower: 1000, upper: 40000 }],
      ['grey, clipped to 0–255 only', grey, { kind: 'none' }],
      ['grey, nothing above 0', deep(260, 9000, 1, () => 0), { kind: 'auto' }],
      ['colour, percentiles', deep(9000, 160, 3, (i) => ((i * 40503) % 65536) >> (i % 3)), { kind: 'auto' }],
      [
        'colour, equal channels',
        deep(9000, 160, 3, (i) => (Math.floor(i / 3) * 7919) % 65536),
        { kind: 'auto' },
      ],
    ];
    for (const [name, image, intensity] of cases) {
      const ticks = ticker();
      const input = await prepareModelInput(image, intensity);
      assert.ok(ticks.stop() > 3, `${name}: the event loop turned while the model input was prepared`);
      const expected = modelInputPixels(image, intensity);
      assert.ok(
        Buffer.from(input.rgb).equals(Buffer.from(expected)),
        `${name}: the model input differs from the one-go path`,
      );
      assert.ok(
        Buffer.from((await decodePngRgb(input.png)).data).equals(Buffer.from(expected)),
        `${name}: the PNG's pixels differ`,
      );
    }
  });

  it('prepareModelInput of a wide colour strip, and of one with equal channels, gives the one-go model input', async () => {
    const width = 9000;
    const height = 160;
    const grey = strip(width, height);
    const colour = new Uint8Array(width * height * 3);
    for (let i = 0; i < grey.length; i++) {
      colour[i * 3] = grey[i];
      colour[i * 3 + 1] = 255 - grey[i];
      colour[i * 3 + 2] = (grey[i] * 3) & 255;
    }
    const greyAsRgb = new Uint8Array(width * height * 3);
    for (let i = 0; i < grey.length; i++) greyAsRgb.fill(grey[i], i * 3, i * 3 + 3);
    for (const pixels of [colour, greyAsRgb]) {
      const image: SourceImage = {
        file: 'strip.jpeg',
        format: 'raster',
        width,
        height,
        channels: 3,
        pixels,
        range: { min: 0, max: 255 },
        burnedInAnnotation: false,
        bitsStored: 8,
      };
      const ticks = ticker();
      const input = await prepareModelInput(image);
      assert.ok(ticks.stop() > 3, 'the event loop turned while the model input was prepared');
      assert.deepEqual(input.rgb, modelInputPixels(image));
    }
  });

  it('prepareModelInput of a tall strip gives the same model input as the one-go path', async () => {
    const width = 300;
    const height = 9000;
    const image: SourceImage = {
      file: 'strip.png',
      format: 'raster',
      width,
      height,
      channels: 1,
      pixels: strip(width, height),
      range: { min: 0, max: 255 },
      burnedInAnnotation: false,
      bitsStored: 8,
    };
    const ticks = ticker();
    const input = await prepareModelInput(image);
    assert.ok(ticks.stop() > 3, 'the event loop turned while the model input was prepared');
    const expected = modelInputPixels(image);
    assert.deepEqual(input.rgb, expected);
    assert.deepEqual((await decodePngRgb(input.png)).data, expected);
  });
});
