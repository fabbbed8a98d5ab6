import { strict as assert } from 'node:assert';
import { resizePlane, type PlaneSource } from '../../../src/imaging/resize/bspline';
import { plainResizePlane } from './plainResize';

/**
 * Upsampling (a 512² CT slice to the 1024² model input, and any other enlargement) has fast paths
 * in bspline.ts that sample output rows in the same pass as the prefilter's backward sweep, and
 * output columns in pairs of phases. They must give the very floats the plain computation gives:
 * random values, exact 2× and other factors, odd sizes, sizes where one, two or more output rows
 * share a tap row.
 */
function firstDifference(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) return 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i] + 0, b[i] + 0)) return i;
  return -1;
}

/** Deterministic pseudo-random values in [0, 255]: a mix of integers (as CT windows give) and fractions. */
function randomPlane(width: number, height: number, seed: number): Float64Array {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const data = new Float64Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = next() < 0.5 ? Math.floor(next() * 256) : next() * 255;
  return data;
}

function source(data: Float64Array, width: number, height: number): PlaneSource {
  return {
    data,
    width,
    height,
    stride: 1,
    offset: 0,
    padLeft: 0,
    padTop: 0,
    paddedWidth: width,
    paddedHeight: height,
    maxAbs: 255,
  };
}

describe('imaging: upsampling equals the plain computation bit for bit', function () {
  this.timeout(120_000);
  for (const [w, h, ow, oh] of [
    [512, 512, 1024, 1024], // the CT slice: exactly 2× both ways
    [257, 129, 514, 258], // 2×, odd sizes
    [33, 65, 66, 130],
    [5, 7, 10, 14], // tiny: the window reaches both ends of the line
    [300, 301, 1024, 1024], // between 3× and 4×: one or two output rows per tap row
    [100, 90, 1024, 1024], // > 10×: several output rows per tap row
    [511, 383, 1024, 1024], // just under 2×
    [513, 700, 1024, 1024], // just under 2× one way, under 1.5× the other
  ]) {
    it(`${w}×${h} to ${ow}×${oh}`, () => {
      for (const seed of [1, 2]) {
        const src = source(randomPlane(w, h, seed * 7919 + w), w, h);
        const expected = plainResizePlane(src, ow, oh);
        const actual = resizePlane(src, ow, oh, new Float64Array(ow * oh));
        const at = firstDifference(expected, actual);
        assert.equal(
          at,
          -1,
          `seed ${seed}: first difference at x ${at % ow}, y ${Math.floor(at / ow)}: ${actual[at]} instead of ${expected[at]}`,
        );
      }
    });
  }
});
