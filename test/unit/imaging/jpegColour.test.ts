import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { openImage } from '../../../src/imaging';
import {
  jpegColourFacts,
  jpegColourSpace,
  withDecidedColourTransform,
} from '../../../src/imaging/decode/jpegColour';
import { FIXTURES } from './helpers';

// Colour JPEG Baseline files from pydicom's test data (see test/fixtures/README.md). The digests are
// sha256 of the uint8 RGB pixels pydicom 2.3.1 (Pillow handler, then convert_color_space for YBR)
// returns for each file.
const PYDICOM = path.join(FIXTURES, 'pydicom');

function sha256(pixels: ArrayLike<number>): string {
  return createHash('sha256').update(Uint8Array.from(pixels)).digest('hex');
}

describe('imaging: colour JPEG in DICOM, YCbCr or RGB as the stream and the header say', () => {
  it('RGB with no marker and component ids 0, 1, 2 is not colour-converted (pydicom: SC_jpeg_no_color_transform)', async () => {
    const image = await openImage(path.join(PYDICOM, 'SC_jpeg_no_color_transform.dcm'));
    assert.equal(image.dicom?.photometricInterpretation, 'RGB');
    // Converted from YCbCr by mistake, the light grey page came out magenta (255, 121, 255).
    assert.deepEqual(Array.from(image.pixels.slice(0, 3)), [244, 244, 244]);
    assert.equal(sha256(image.pixels), 'be7aa556b206ac445bc4125d24213bfac8832980138d54ece2b90be6e3d63d74');
  });

  it('RGB with an Adobe "no transform" marker is not converted (SC_jpeg_no_color_transform_2)', async () => {
    const image = await openImage(path.join(PYDICOM, 'SC_jpeg_no_color_transform_2.dcm'));
    assert.equal(sha256(image.pixels), '334275c10bc60e8050888482dd5bdd6f094bb11c37d8d88a8fd4d62ed0b39c8d');
  });

  it('YBR_FULL with a JFIF marker is converted to RGB (SC_rgb_jpeg_dcmtk, written by DCMTK)', async () => {
    const image = await openImage(path.join(PYDICOM, 'SC_rgb_jpeg_dcmtk.dcm'));
    assert.equal(image.dicom?.photometricInterpretation, 'YBR_FULL');
    assert.equal(sha256(image.pixels), 'ddb100d8f45a7fbf420e8ce5d1b376a5479f068c5109daac31eb982f662d228f');
  });

  it('component ids 1, 2, 3 mean YCbCr even where the header says RGB (SC_rgb_jpeg_lossy_gdcm): the colour bands come out right', async () => {
    // pydicom and GDCM trust the header here and return the raw YCbCr samples ((76, 85, 255) for the
    // red band); the bands of the lossless RLE twin show which reading is right.
    const [jpeg, rle] = await Promise.all([
      openImage(path.join(PYDICOM, 'SC_rgb_jpeg_lossy_gdcm.dcm')),
      openImage(path.join(PYDICOM, 'SC_rgb_rle.dcm')),
    ]);
    assert.equal(jpeg.dicom?.photometricInterpretation, 'RGB');
    for (let band = 0; band < 10; band++) {
      for (let y = band * 10 + 2; y < band * 10 + 8; y++) {
        for (let x = 0; x < 100; x++) {
          for (let c = 0; c < 3; c++) {
            const i = (y * 100 + x) * 3 + c;
            assert.ok(
              Math.abs(jpeg.pixels[i] - rle.pixels[i]) <= 2,
              `band ${band} (${x}, ${y}) channel ${c}`,
            );
          }
        }
      }
    }
  });

  it('the decision follows libjpeg for the stream, and PhotometricInterpretation only where the stream is silent', () => {
    const jpeg = (segments: number[][], ids: number[]): Uint8Array => {
      const sof = [0xff, 0xc0, 0, 8 + 3 * ids.length, 8, 0, 2, 0, 2, ids.length];
      for (const id of ids) sof.push(id, 0x11, 0);
      return Uint8Array.from([0xff, 0xd8, ...segments.flat(), ...sof, 0xff, 0xda, 0, 2, 0xff, 0xd9]);
    };
    const jfif = [0xff, 0xe0, 0, 16, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0];
    const adobe = (t: number) => [0xff, 0xee, 0, 14, ...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, t];
    const shortAdobe = [0xff, 0xee, 0, 12, ...Buffer.from('Adobe'), 0, 100, 0, 0, 0];
    const cases: Array<[string, Uint8Array, string, 'rgb' | 'ycbcr']> = [
      ['JFIF marker, header RGB', jpeg([jfif], [0, 1, 2]), 'RGB', 'ycbcr'],
      ['Adobe transform 0, header YBR', jpeg([adobe(0)], [1, 2, 3]), 'YBR_FULL_422', 'rgb'],
      ['Adobe transform 1, header RGB', jpeg([adobe(1)], [0, 1, 2]), 'RGB', 'ycbcr'],
      ['ids R, G, B, header YBR', jpeg([], [0x52, 0x47, 0x42]), 'YBR_FULL', 'rgb'],
      ['ids 1, 2, 3, header RGB', jpeg([], [1, 2, 3]), 'RGB', 'ycbcr'],
      ['ids 0, 1, 2, header RGB', jpeg([], [0, 1, 2]), 'RGB', 'rgb'],
      ['ids 0, 1, 2, header YBR_FULL_422', jpeg([], [0, 1, 2]), 'YBR_FULL_422', 'ycbcr'],
      // libjpeg ignores an Adobe marker too short to hold the transform flag.
      ['short Adobe marker, ids 0, 1, 2, header RGB', jpeg([shortAdobe], [0, 1, 2]), 'RGB', 'rgb'],
    ];
    for (const [name, stream, photometric, expected] of cases) {
      assert.equal(jpegColourSpace(jpegColourFacts(stream), photometric), expected, name);
      // The stream handed to libjpeg gets an Adobe "no transform" marker exactly where libjpeg
      // alone would have guessed wrong.
      const handed = withDecidedColourTransform(stream, photometric);
      const facts = jpegColourFacts(handed);
      const libjpegSays = facts.jfif
        ? 'ycbcr'
        : facts.adobeTransform !== undefined
          ? facts.adobeTransform === 0
            ? 'rgb'
            : 'ycbcr'
          : facts.componentIds.join() === '82,71,66'
            ? 'rgb'
            : 'ycbcr';
      assert.equal(libjpegSays, expected, `${name}: what libjpeg will do`);
    }
  });
});
