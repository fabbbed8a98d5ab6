import * as assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { encodeRgbPng } from '../../../src/imaging/modelInput/png';
import { decodePngRgb, pngChunks } from './helpers';

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
});
