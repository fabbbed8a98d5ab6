import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { openImage, prepareModelInput } from '../../../src/imaging';
import { SAMPLES } from './helpers';
import { clipInteger, resizePlane, type PlaneSource } from '../../../src/imaging/resize/bspline';
import {
  resizePlaneParallel,
  resizePlaneToBytesParallel,
  MIN_PARALLEL_PIXELS,
  resizeWorkerHalves,
  resizeWorkerReady,
  stopResizeWorker,
} from '../../../src/imaging/resize/parallel';

/** A deterministic, non-smooth test image in shared memory (what the worker can read). */
function sharedImage(width: number, height: number, channels: number): Float32Array {
  const data = new Float32Array(new SharedArrayBuffer(width * height * channels * 4));
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 997) / 3.7 + Math.sin(i * 0.013) * 40;
  return data;
}

function sharedOut(size: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(size * size * 8));
}

function firstDifference(a: Float64Array, b: Float64Array): number {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
}

describe('imaging: two-thread resize (worker)', function () {
  this.timeout(60_000);
  after(() => stopResizeWorker());

  it('starts its worker under tsx and gives bit-identical planes for every resize shape', async () => {
    assert.equal(await resizeWorkerReady(), true);
    const cases: { name: string; source: PlaneSource; size: number }[] = [];
    // Upsampling a padded wide image (no y blur), shrinking a tall one (y blur), an unchanged
    // height (x pass only), and one channel of interleaved colour (stride 3, a non-shared copy).
    const wide = sharedImage(509, 377, 1);
    cases.push({
      name: 'upsample, padded top/bottom',
      source: {
        data: wide,
        width: 509,
        height: 377,
        stride: 1,
        offset: 0,
        padLeft: 0,
        padTop: 66,
        paddedWidth: 509,
        paddedHeight: 509,
      },
      size: 1024,
    });
    const tall = sharedImage(613, 1402, 1);
    cases.push({
      name: 'shrink, padded left/right',
      source: {
        data: tall,
        width: 613,
        height: 1402,
        stride: 1,
        offset: 0,
        padLeft: 394,
        padTop: 0,
        paddedWidth: 1402,
        paddedHeight: 1402,
      },
      size: 1024,
    });
    const same = sharedImage(700, 1024, 1);
    cases.push({
      name: 'height unchanged',
      source: {
        data: same,
        width: 700,
        height: 1024,
        stride: 1,
        offset: 0,
        padLeft: 162,
        padTop: 0,
        paddedWidth: 1024,
        paddedHeight: 1024,
      },
      size: 1024,
    });
    const colour = Float32Array.from(sharedImage(1234, 1234, 3)); // not shared: copied for the worker
    cases.push({
      name: 'green of interleaved RGB',
      source: {
        data: colour,
        width: 1234,
        height: 1234,
        stride: 3,
        offset: 1,
        padLeft: 0,
        padTop: 0,
        paddedWidth: 1234,
        paddedHeight: 1234,
      },
      size: 1024,
    });
    const before = resizeWorkerHalves();
    for (const { name, source, size } of cases) {
      const expected = resizePlane(source, size, size, new Float64Array(size * size));
      // Several rounds: the worker picks up its halves once it is warm, and they must match too.
      for (let round = 0; round < 4; round++) {
        const actual = resizePlaneParallel(source, size, size, sharedOut(size));
        assert.equal(firstDifference(expected, actual), -1, `${name}, round ${round}`);
      }
      // The model input's bytes written by the resize itself (ByteOutput), on two threads and in
      // this one: those of the doubles truncated and clipped. Bounds inside the values' range, so
      // that both clips and the zero of the padding count. An unchanged height writes its output
      // in the x pass, which keeps doubles: refused, nothing written.
      for (const bytes of [
        { lo: 0, hi: 255 },
        { lo: 20, hi: 200 },
      ]) {
        const want = Uint8Array.from(expected, (v) => clipInteger(v | 0, bytes.lo, bytes.hi));
        for (const out of [new Uint8Array(new SharedArrayBuffer(size * size)), new Uint8Array(size * size)]) {
          out.fill(7);
          const written = resizePlaneToBytesParallel(source, size, size, out, bytes);
          if (name === 'height unchanged') {
            assert.equal(written, false, name);
            assert.ok(
              out.every((v) => v === 7),
              `${name}: nothing written`,
            );
            continue;
          }
          assert.equal(written, true, name);
          const at = want.findIndex((v, i) => v !== out[i]);
          assert.equal(
            at,
            -1,
            `${name}, [${bytes.lo}, ${bytes.hi}], ${out.buffer.constructor.name}: byte ${at}`,
          );
        }
      }
    }
    assert.ok(resizeWorkerHalves() > before, 'the worker did some of the work');
  });

  it('prepares the same model input without its worker when asked (the slices of a volume)', async () => {
    assert.equal(await resizeWorkerReady(), true);
    const ct = await openImage(path.join(SAMPLES, 'CT_lung_nodule.dcm'));
    // By default the worker takes its halves (once warm: a few tries)...
    const before = resizeWorkerHalves();
    let withWorker = await prepareModelInput(ct);
    for (let i = 0; i < 5 && resizeWorkerHalves() === before; i++) withWorker = await prepareModelInput(ct);
    assert.ok(resizeWorkerHalves() > before, 'the worker did its share by default');
    // ...and none when told not to.
    const halves = resizeWorkerHalves();
    const alone = await prepareModelInput(ct, undefined, { resizeWorker: false });
    assert.equal(resizeWorkerHalves(), halves, 'the worker did none of it');
    assert.ok(alone.png.equals(withWorker.png), 'the same PNG');
    assert.deepEqual(alone.grey, withWorker.grey);
  });

  it('resizes planes under MIN_PARALLEL_PIXELS in this thread, where a worker costs more than it saves', () => {
    const data = sharedImage(48, 48, 1);
    const source = {
      data,
      width: 48,
      height: 48,
      stride: 1,
      offset: 0,
      padLeft: 0,
      padTop: 0,
      paddedWidth: 48,
      paddedHeight: 48,
    };
    assert.ok(48 * 48 < MIN_PARALLEL_PIXELS);
    const expected = resizePlane(source, 1024, 1024, new Float64Array(1024 * 1024));
    const before = resizeWorkerHalves();
    const actual = resizePlaneParallel(source, 1024, 1024, sharedOut(1024));
    assert.equal(firstDifference(expected, actual), -1);
    assert.equal(resizeWorkerHalves(), before, 'the worker took no half of a 48² plane');
  });

  it('falls back to this thread for an output that is not in shared memory', () => {
    const data = sharedImage(300, 200, 1);
    const source = {
      data,
      width: 300,
      height: 200,
      stride: 1,
      offset: 0,
      padLeft: 0,
      padTop: 50,
      paddedWidth: 300,
      paddedHeight: 300,
    };
    const expected = resizePlane(source, 256, 256, new Float64Array(256 * 256));
    const before = resizeWorkerHalves();
    const actual = resizePlaneParallel(source, 256, 256, new Float64Array(256 * 256));
    assert.equal(firstDifference(expected, actual), -1);
    assert.equal(resizeWorkerHalves(), before);
  });
});
