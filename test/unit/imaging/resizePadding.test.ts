import { strict as assert } from 'node:assert';
import { modelInputGeometry } from '../../../src/imaging/geometry';
import { resizePlane, type PlaneSource } from '../../../src/imaging/resize/bspline';
import { plainResizePlane } from './plainResize';

/**
 * The resize of a tall or wide image computes only what the zero padding does not already decide
 * (see bspline.ts). These cases compare it with the plain full-square computation value for value:
 * every float equal (a zero's sign is not compared: it has no effect on any later value, and
 * truncation makes both 0).
 */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i] + 0, b[i] + 0)) return i;
  return -1;
}

/** A deterministic, non-smooth image with flat patches (values exactly at integers) and edges. */
function image(width: number, height: number, channels: number, scale = 1): Float32Array {
  const data = new Float32Array(width * height * channels);
  for (let i = 0; i < data.length; i++) {
    const flat = (i >> 5) % 3 === 0;
    data[i] = scale * (flat ? 255 : ((i * 2654435761) % 997) / 3.7 + Math.sin(i * 0.013) * 40);
  }
  return data;
}

/** The source placed as the model input pads it. */
function padded(
  data: PlaneSource['data'],
  width: number,
  height: number,
  stride = 1,
  offset = 0,
): PlaneSource {
  const g = modelInputGeometry(width, height);
  return {
    data,
    width,
    height,
    stride,
    offset,
    padLeft: g.padLeft,
    padTop: g.padTop,
    paddedWidth: g.paddedWidth,
    paddedHeight: g.paddedHeight,
  };
}

function check(name: string, source: PlaneSource, outWidth: number, outHeight: number): void {
  const expected = plainResizePlane(source, outWidth, outHeight);
  const actual = resizePlane(source, outWidth, outHeight, new Float64Array(outWidth * outHeight));
  const at = firstDifference(expected, actual);
  assert.equal(
    at,
    -1,
    `${name}: first difference at ${at} (x ${at % outWidth}, y ${Math.floor(at / outWidth)}): ` +
      `${actual[at]} instead of ${expected[at]}`,
  );
}

describe('imaging: resize of padded planes equals the plain full-square computation', function () {
  this.timeout(120_000);

  for (const [w, h] of [
    [7, 300],
    [300, 7],
    [513, 1],
    [1, 513],
    [2, 1],
    [1, 1],
    [40, 2500], // shrinking: blur along both axes, padding far wider than the prefilter's reach
    [2500, 40],
    [5, 2501], // odd difference: the padded plane stays one pixel short of square
    [2501, 6],
    [100, 1024], // the height keeps its size: x pass only
    [1024, 100], // the width keeps its size: copied, y pass only
    [600, 1500], // 3-tap blur
  ]) {
    it(`${w}×${h} grey to 1024²`, () => check(`${w}×${h}`, padded(image(w, h, 1), w, h), 1024, 1024));
  }

  it('each channel of interleaved RGB, and bytes', () => {
    const rgb = image(9, 700, 3);
    for (let c = 0; c < 3; c++) check(`9×700 channel ${c}`, padded(rgb, 9, 700, 3, c), 1024, 1024);
    const bytes = Uint8Array.from(image(700, 9, 1), (v) => v & 255);
    check('700×9 bytes', padded(bytes, 700, 9), 1024, 1024);
  });

  it('other output sizes and offsets that are not centred', () => {
    const data = image(11, 350, 1);
    const offCentre: PlaneSource = {
      data,
      width: 11,
      height: 350,
      stride: 1,
      offset: 0,
      padLeft: 3,
      padTop: 20,
      paddedWidth: 401,
      paddedHeight: 377,
    };
    check('11×350 at (3, 20) in 401×377, to 257×131', offCentre, 257, 131);
    check('11×350 at (3, 20) in 401×377, to 1024×377', offCentre, 1024, 377);
    check('11×350 at (3, 20) in 401×377, to 401×64', offCentre, 401, 64);
  });

  it('large, tiny, zero and non-finite values', () => {
    check('huge values', padded(image(6, 2000, 1, 1e30), 6, 2000), 1024, 1024);
    check('tiny values', padded(image(6, 2000, 1, 1e-300), 6, 2000), 1024, 1024);
    check('all zeros', padded(new Float32Array(6 * 2000), 6, 2000), 1024, 1024);
    const nan = image(6, 2000, 1);
    nan[3001] = NaN;
    check('a NaN', padded(nan, 6, 2000), 1024, 1024);
    const inf = image(2000, 6, 1);
    inf[77] = Infinity;
    check('an infinity', padded(inf, 2000, 6), 1024, 1024);
    const max = new Float64Array(6 * 2000).fill(1.7e308);
    check('near the largest double', padded(max, 6, 2000), 1024, 1024);
  });
});
