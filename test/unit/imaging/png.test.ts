import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import * as path from 'node:path';
import { openImage, prepareModelInput } from '../../../src/imaging';
import { encodeRgbPng } from '../../../src/imaging/modelInput/png';
import { decodePngRgb, pngChunks, SAMPLES } from './helpers';

describe('imaging: model-input PNG encoder', () => {
  for (const [w, h] of [
    [1024, 1024],
    [37, 5],
    [1, 1],
  ]) {
    it(`${w}×${h}: decodes to the same RGB bytes, valid zlib (Adler-32) and CRCs, no metadata chunks`, async () => {
      const rgb = new Uint8Array(w * h * 3);
      for (let i = 0; i < rgb.length; i++) rgb[i] = (i * 7919 + (i >> 7) * 13) % 256;
      const png = await encodeRgbPng(rgb, w, h);
      assert.deepEqual(pngChunks(png), ['IHDR', 'IDAT', 'IEND']);
      const idatLength = png.readUInt32BE(33);
      const raw = zlib.inflateSync(png.subarray(41, 41 + idatLength)); // throws on a bad Adler-32
      assert.equal(raw.length, (w * 3 + 1) * h);
      const decoded = await decodePngRgb(png); // libpng checks every CRC
      assert.deepEqual([decoded.width, decoded.height, decoded.channels], [w, h, 3]);
      assert.ok(Buffer.from(decoded.data).equals(Buffer.from(rgb)));
    });
  }

  // The model input's scanlines and Adler-32 come from the pass that writes the RGB bytes.
  for (const sample of ['CT_lung_nodule.dcm', 'Part_1_516_pathology_breast.png']) {
    it(`model input of ${sample}: valid Adler-32, and the scanlines are the RGB bytes under the Up filter`, async () => {
      const input = await prepareModelInput(await openImage(path.join(SAMPLES, sample)));
      const idatLength = input.png.readUInt32BE(33);
      const raw = zlib.inflateSync(input.png.subarray(41, 41 + idatLength)); // throws on a bad Adler-32
      const stride = 1024 * 3;
      assert.equal(raw.length, (stride + 1) * 1024);
      const expected = Buffer.alloc(raw.length);
      for (let y = 0; y < 1024; y++) {
        expected[y * (stride + 1)] = y === 0 ? 0 : 2;
        for (let x = 0; x < stride; x++) {
          const above = y === 0 ? 0 : input.rgb[(y - 1) * stride + x];
          expected[y * (stride + 1) + 1 + x] = input.rgb[y * stride + x] - above;
        }
      }
      assert.ok(raw.equals(expected));
    });
  }
});
