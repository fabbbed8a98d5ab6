import { strict as assert } from 'node:assert';
import {
  applyIntensityForNow,
  applyIntensityInto,
  type ResolvedIntensity,
} from '../../../src/imaging/modelInput/intensity';
import { clipAndStretchSimd, useJavaScriptIntensity } from '../../../src/imaging/modelInput/intensitySimd';

/**
 * The model input's intensity step in WebAssembly SIMD (intensity.wat) must give exactly the
 * values of the JavaScript loops it replaces (clip to the window, stretch the clipped range to
 * 0–255), down to the sign of a zero, for every kind of input: it feeds the resize, whose bytes
 * are checked against the reference pipeline's.
 */

/** CT-like values in HU with air, soft tissue and bone, and the awkward ones sprinkled in. */
function ctValues(length: number, seed: number, awkward: number[] = []): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    const h = ((i + seed) * 2654435761) >>> 0;
    values[i] =
      h % 5 === 0 ? -1000 + (h % 17) : h % 7 === 0 ? 700 + (h % 900) : -200 + (h % 500) + (h % 97) / 7;
  }
  awkward.forEach((v, k) => (values[(k * 7919 + seed) % length] = v));
  return values;
}

function mapWith(javaScript: boolean, pixels: Float32Array, intensity: ResolvedIntensity) {
  useJavaScriptIntensity(javaScript);
  try {
    const out = new Float64Array(pixels.length).fill(-7);
    const result = applyIntensityInto(pixels, intensity, out);
    return { ...result, values: Array.from(result.values) };
  } finally {
    useJavaScriptIntensity(false);
  }
}

const AWKWARD = [NaN, Infinity, -Infinity, -0, 0, -150, 250, 249.99998, -150.00002, 1e30, -1e30];
const WINDOWS: Record<string, ResolvedIntensity> = {
  'abdomen window': { kind: 'window', lower: -150, upper: 250 },
  'lung window': { kind: 'window', lower: -1000, upper: 1000 },
  'window above every value': { kind: 'window', lower: 5000, upper: 6000 },
  'window below every value': { kind: 'window', lower: -6000, upper: -5000 },
  'a window with -0 at its edge': { kind: 'window', lower: -0, upper: 100 },
  none: { kind: 'none' },
};

describe('imaging: the model input’s intensity step in WebAssembly SIMD', () => {
  for (const [name, intensity] of Object.entries(WINDOWS)) {
    for (const [length, awkward] of [
      [512 * 512, AWKWARD],
      [512 * 512, []],
      [37 * 11, AWKWARD], // odd: the last value is mapped as the module's padding
      [1, [-0]],
      [2, []],
    ] as const) {
      it(`${name}, ${length} values${awkward.length ? ' with NaN, ±∞ and ±0' : ''}: the JavaScript loops' values`, () => {
        const pixels = ctValues(length, length, [...awkward]);
        const simd = mapWith(false, pixels, intensity);
        const js = mapWith(true, pixels, intensity);
        assert.equal(simd.min, js.min);
        assert.equal(simd.max, js.max);
        assert.equal(simd.finite, js.finite);
        const differ = js.values.findIndex((v, i) => !Object.is(v, simd.values[i]));
        assert.equal(
          differ,
          -1,
          `value ${differ}: ${js.values[differ]} (JavaScript) vs ${simd.values[differ]}`,
        );
        // Left in the module's memory for the resize in this thread: the same values.
        const forNow = applyIntensityForNow(pixels, intensity, () => new Float64Array(length));
        assert.deepEqual([forNow.min, forNow.max, forNow.finite], [js.min, js.max, js.finite]);
        assert.equal(
          Array.from(forNow.values).findIndex((v, i) => !Object.is(v, js.values[i])),
          -1,
        );
      });
    }
  }

  it('is used for a CT slice, and says no where it does not apply', () => {
    assert.ok(clipAndStretchSimd(ctValues(512 * 512, 1), -150, 250, true), 'no SIMD on this runtime');
    assert.equal(clipAndStretchSimd(new Float32Array(2048 * 2048), -150, 250, true), undefined);
    assert.equal(clipAndStretchSimd(new Float32Array(0), -150, 250, true), undefined);
    useJavaScriptIntensity(true);
    try {
      assert.equal(clipAndStretchSimd(ctValues(64, 1), -150, 250, true), undefined);
    } finally {
      useJavaScriptIntensity(false);
    }
  });
});
