import { strict as assert } from 'node:assert';
import * as zlib from 'node:zlib';
import { adler32 } from '../../../src/imaging/modelInput/png';
import { prepareModelInput } from '../../../src/imaging/modelInput/prepare';
import { greyScanlineWriter, useJavaScriptScanlines } from '../../../src/imaging/modelInput/scanlineSimd';
import type { SourceImage } from '../../../src/imaging/types';

/**
 * The grey model input's PNG scanlines in WebAssembly SIMD (scanlines.wat) must be the bytes the
 * PNG format defines, with their zlib checksum: they replace the JavaScript rows for every grey
 * model input (volumes' slices and single images alike).
 */

/** The scanlines by the PNG specification, byte by byte: None for row 0, Up after it, grey as RGB. */
function referenceScanlines(grey: Uint8Array, size: number): Buffer {
  const rowLength = 3 * size + 1;
  const out = Buffer.alloc(rowLength * size);
  for (let y = 0; y < size; y++) {
    out[y * rowLength] = y === 0 ? 0 : 2;
    for (let x = 0; x < size; x++) {
      const d = (grey[y * size + x] - (y === 0 ? 0 : grey[(y - 1) * size + x])) & 255;
      for (let c = 0; c < 3; c++) out[y * rowLength + 1 + 3 * x + c] = d;
    }
  }
  return out;
}

const GREYS: Record<string, (size: number) => Uint8Array> = {
  noise: (size) => Uint8Array.from({ length: size * size }, (_, i) => (i * 2654435761) >>> 24),
  // Every difference wraps: 0 under 255 and 255 under 0.
  'stripes 0/255': (size) =>
    Uint8Array.from({ length: size * size }, (_, i) => (Math.floor(i / size) % 2) * 255),
  white: (size) => new Uint8Array(size * size).fill(255),
  black: (size) => new Uint8Array(size * size),
  ramp: (size) => Uint8Array.from({ length: size * size }, (_, i) => (i % size) + Math.floor(i / size)),
};

describe('imaging: the grey model input’s PNG scanlines in WebAssembly SIMD', () => {
  for (const size of [1024, 48, 16]) {
    for (const [name, make] of Object.entries(GREYS)) {
      it(`${name}, ${size}²: the specification's bytes and their Adler-32, band by band`, () => {
        const grey = make(size);
        const expected = referenceScanlines(grey, size);
        const scanlines = Buffer.alloc(expected.length, 0xcc);
        const rows = greyScanlineWriter(grey, size, scanlines);
        assert.ok(rows, 'no SIMD writer on this runtime');
        let adler = 1;
        const bands = [0, Math.min(size, 5), size >> 1, size];
        for (let i = 1; i < bands.length; i++) adler = rows(bands[i - 1], bands[i], adler);
        assert.ok(scanlines.equals(expected), 'scanline bytes differ');
        assert.equal(adler, adler32(expected));
      });
    }
  }

  it('says no where it does not apply, so the JavaScript rows run', () => {
    assert.equal(greyScanlineWriter(new Uint8Array(40 * 40), 40, Buffer.alloc(121 * 40)), undefined);
    assert.equal(greyScanlineWriter(new Uint8Array(2048 * 2048), 2048, Buffer.alloc(6145 * 2048)), undefined);
    useJavaScriptScanlines(true);
    try {
      assert.equal(greyScanlineWriter(new Uint8Array(64 * 64), 64, Buffer.alloc(193 * 64)), undefined);
    } finally {
      useJavaScriptScanlines(false);
    }
  });

  it('a CT slice’s model input: the same PNG as the JavaScript rows, and it inflates to its scanlines', async () => {
    const side = 512;
    const pixels = Float32Array.from({ length: side * side }, (_, i) => {
      const x = i % side;
      const y = Math.floor(i / side);
      const body = (x - 256) ** 2 / 200 ** 2 + (y - 256) ** 2 / 150 ** 2 < 1;
      return body ? 40 + ((i * 7919) % 61) - 30 : -1000;
    });
    const image: SourceImage = {
      file: 'phantom.dcm',
      format: 'dicom',
      width: side,
      height: side,
      channels: 1,
      pixels,
      range: { min: -1000, max: 70 },
      burnedInAnnotation: false,
      modalityHint: 'CT',
    };
    const intensity = { kind: 'window', lower: -150, upper: 250 } as const;
    const options = { resizeWorker: false };
    const simd = await prepareModelInput(image, intensity, options);
    useJavaScriptScanlines(true);
    let js;
    try {
      js = await prepareModelInput(image, intensity, options);
    } finally {
      useJavaScriptScanlines(false);
    }
    assert.ok(simd.png.equals(js.png), 'the PNGs differ');
    // zlib checks the Adler-32 as it inflates: a wrong checksum throws here.
    const idatAt = simd.png.indexOf('IDAT');
    const idat = simd.png.subarray(idatAt + 4, idatAt + 4 + simd.png.readUInt32BE(idatAt - 4));
    assert.ok(zlib.inflateSync(idat).equals(referenceScanlines(simd.grey as Uint8Array, 1024)));
  });
});
