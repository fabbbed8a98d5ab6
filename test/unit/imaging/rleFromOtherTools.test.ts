import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { modelInputPixels, openImage } from '../../../src/imaging';
import { FIXTURES } from './helpers';

// RLE files written by other DICOM tools, not by our own encoder (see test/fixtures/README.md):
// a round trip through our encoder would hide a misreading shared by both directions.
const PYDICOM = path.join(FIXTURES, 'pydicom');

describe('imaging: RLE Lossless files written by other tools', () => {
  it('MR_small_RLE.dcm (signed 16-bit, written by DCMTK) decodes to exactly the pixels of its uncompressed twin', async () => {
    const [rle, plain] = await Promise.all([
      openImage(path.join(PYDICOM, 'MR_small_RLE.dcm')),
      openImage(path.join(PYDICOM, 'MR_small.dcm')),
    ]);
    assert.equal(rle.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.5');
    assert.equal(plain.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.1');
    assert.deepEqual([rle.width, rle.height, rle.channels], [64, 64, 1]);
    assert.deepEqual([plain.width, plain.height, plain.channels], [64, 64, 1]);
    let differ = 0;
    for (let i = 0; i < plain.pixels.length; i++) if (rle.pixels[i] !== plain.pixels[i]) differ++;
    assert.equal(differ, 0, `${differ} of ${plain.pixels.length} pixels differ`);
    // The twin itself, as pydicom 2.3 reads it (pixel_array): a few values and two checksums.
    const at = (x: number, y: number): number => plain.pixels[y * 64 + x];
    assert.deepEqual([at(0, 0), at(32, 32), at(63, 63), at(50, 10)], [905, 182, 862, 1104]);
    let sum = 0;
    let weighted = 0;
    plain.pixels.forEach((v, i) => {
      sum += v;
      weighted += v * i;
    });
    assert.deepEqual([sum, weighted], [2125338, 4841228131]);
    assert.deepEqual([plain.range.min, plain.range.max], [127, 2145]);
    // And what the model receives is the same too.
    assert.ok(Buffer.from(modelInputPixels(rle)).equals(Buffer.from(modelInputPixels(plain))));
  });

  it('SC_rgb_rle.dcm (8-bit RGB, three segments, written by GDCM) decodes to its ten colour bands', async () => {
    const image = await openImage(path.join(PYDICOM, 'SC_rgb_rle.dcm'));
    assert.equal(image.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.5');
    assert.deepEqual([image.width, image.height, image.channels], [100, 100, 3]);
    // pydicom's own test of this file: ten bands of ten rows, each one colour across the width.
    const bands = [
      [255, 0, 0],
      [255, 128, 128],
      [0, 255, 0],
      [128, 255, 128],
      [0, 0, 255],
      [128, 128, 255],
      [0, 0, 0],
      [64, 64, 64],
      [192, 192, 192],
      [255, 255, 255],
    ];
    const wrong: string[] = [];
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 100; x++) {
        const got = [0, 1, 2].map((c) => image.pixels[(y * 100 + x) * 3 + c]);
        const want = bands[Math.floor(y / 10)];
        if (got.some((v, c) => v !== want[c]) && wrong.length < 5)
          wrong.push(`(${x}, ${y}): ${got} ≠ ${want}`);
      }
    }
    assert.deepEqual(wrong, []);
  });
});
