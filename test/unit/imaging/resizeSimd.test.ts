import { strict as assert } from 'node:assert';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import {
  clipInteger,
  resizePlane,
  useJavaScriptLoops,
  xPassCoefficients,
  type PlaneSource,
} from '../../../src/imaging/resize/bspline';
import { resizePlaneToBytesParallel } from '../../../src/imaging/resize/parallel';
import { simdArea } from '../../../src/imaging/resize/simd';

type WasmScript = typeof import('../../../scripts/wasm.mjs', { with: { 'resolution-mode': 'import' } });

/**
 * The resize in WebAssembly SIMD (simd.wat) must give the model input's bytes exactly as the
 * JavaScript loops do, for every shape of resize: it replaces them for the slices of a volume.
 */

const repoRoot = path.resolve(__dirname, '../../..');

/** Noise: values between integers, in and past 0–255. */
function noise(width: number, height: number, seed: number): Float32Array {
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++)
    data[i] = (((i + seed) * 2654435761) % 997) / 3.9 + Math.sin((i + seed) * 0.011) * 30 - 10;
  return data;
}

/**
 * Flat integer regions with steps between them, like a CT's organs after windowing. Inside a flat
 * region the spline's exact value is the integer itself, and the computed one lands a rounding
 * error above or below it: truncation then gives the integer or one less depending on the order of
 * the additions, so any difference in the order of operations shows in the bytes.
 */
function regions(width: number, height: number, seed: number): Float32Array {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const band = Math.floor((x * 3 + seed) / 41) + Math.floor((y * 5 + seed) / 37);
      data[y * width + x] = (band * 47 + seed) % 256;
    }
  return data;
}

function plane(width: number, height: number, seed: number, fill = noise): PlaneSource {
  const side = Math.max(width, height);
  return {
    data: fill(width, height, seed),
    width,
    height,
    stride: 1,
    offset: 0,
    padLeft: (side - width) >> 1,
    padTop: (side - height) >> 1,
    paddedWidth: side,
    paddedHeight: side,
  };
}

function bytesOf(source: PlaneSource, size: number, bounds: { lo: number; hi: number }, javaScript: boolean) {
  useJavaScriptLoops(javaScript);
  try {
    const out = new Uint8Array(size * size).fill(7);
    assert.equal(resizePlaneToBytesParallel(source, size, size, out, bounds, false), true);
    return out;
  } finally {
    useJavaScriptLoops(false);
  }
}

describe('imaging: the resize in WebAssembly SIMD', function () {
  this.timeout(120_000);

  it('is the module its .wat source compiles to', async () => {
    const { WASM_SOURCES, wasmModuleText }: WasmScript = await import('../../../scripts/wasm.mjs');
    for (const source of WASM_SOURCES) {
      const committed = await fs.readFile(path.join(repoRoot, source.module), 'utf8');
      assert.equal(committed, await wasmModuleText(source), `${source.module}: run node scripts/wasm.mjs`);
    }
  });

  it('runs here (Node has WebAssembly SIMD), so the comparisons below compare something', () => {
    const area = simdArea(16, 16);
    assert.ok(area, 'the SIMD module did not load');
  });

  // Upsampling (two output rows per coefficient row at 2×, one or the general case otherwise),
  // odd and even band widths, padding on either axis (bands that start past column 0), and
  // bounds that clip both ways.
  const shapes: [string, number, number, number][] = [
    ['a 512² CT slice to 1024²', 512, 512, 1024],
    ['wide, padded top and bottom', 509, 377, 1024],
    ['tall, padded left and right (odd band)', 377, 509, 1024],
    ['a non-integer ratio', 300, 300, 1024],
    ['tiny', 70, 33, 1024],
    ['odd everything', 257, 513, 1023],
    ['one column', 1, 40, 64],
  ];
  for (const [name, width, height, size] of shapes) {
    it(`${name}: the same bytes as the JavaScript loops`, () => {
      for (const fill of [noise, regions])
        for (const bounds of [
          { lo: 0, hi: 255 },
          { lo: 20, hi: 200 },
        ]) {
          const source = plane(width, height, width * 7 + height, fill);
          const simd = bytesOf(source, size, bounds, false);
          const javaScript = bytesOf(source, size, bounds, true);
          const at = simd.findIndex((v, i) => v !== javaScript[i]);
          assert.equal(
            at,
            -1,
            `${fill.name}, [${bounds.lo}, ${bounds.hi}]: byte ${at} (row ${Math.floor(at / size)})`,
          );
          // And both are the doubles truncated and clipped.
          const doubles = resizePlane(source, size, size, new Float64Array(size * size));
          const want = Uint8Array.from(doubles, (v) => clipInteger(v | 0, bounds.lo, bounds.hi));
          assert.equal(
            want.findIndex((v, i) => v !== simd[i]),
            -1,
          );
        }
    });
  }

  it('gives the x pass the same coefficients, bit for bit, two lines per instruction', () => {
    for (const [name, width, height, size] of shapes) {
      for (const fill of [noise, regions]) {
        const source = plane(width, height, width * 3 + height, fill);
        const simd = xPassCoefficients(source, size, size, true);
        const javaScript = xPassCoefficients(source, size, size, false);
        assert.ok(simd && javaScript, `${name}: a plan the SIMD x pass takes`);
        const at = simd.findIndex((v, i) => !Object.is(v, javaScript[i]));
        assert.equal(at, -1, `${name}, ${fill.name}: coefficient ${at}: ${simd[at]} vs ${javaScript[at]}`);
      }
    }
  });

  it('leaves planes beyond its memory cap to the JavaScript loops', () => {
    assert.equal(simdArea(9_000_000, 1 << 20), undefined);
  });
});
