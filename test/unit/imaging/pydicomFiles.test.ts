import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { openImage } from '../../../src/imaging';
import { findSeries } from '../../../src/imaging/series';
import { FIXTURES } from './helpers';

// DICOM files other tools wrote, which pydicom reads (see test/fixtures/README.md). Digests are
// sha256 of the uint8 pixels pydicom 2.3.1 returns for each (YBR converted with its
// convert_color_space).
const PYDICOM = path.join(FIXTURES, 'pydicom');

function sha256(pixels: ArrayLike<number>): string {
  return createHash('sha256').update(Uint8Array.from(pixels)).digest('hex');
}

describe('imaging: DICOM files pydicom reads are read too', () => {
  it('an explicit-VR transfer syntax over an implicit-VR data set is read as written, with a warning (SC_rgb_jpeg.dcm)', async () => {
    const image = await openImage(path.join(PYDICOM, 'SC_rgb_jpeg.dcm'));
    assert.equal(image.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.4.50');
    assert.deepEqual([image.width, image.height, image.channels], [256, 256, 3]);
    assert.equal(sha256(image.pixels), 'be7aa556b206ac445bc4125d24213bfac8832980138d54ece2b90be6e3d63d74');
    assert.equal(image.warnings?.length, 1);
    assert.match(image.warnings?.[0] ?? '', /says explicit VR but the data set is written in implicit VR/);
  });

  it('a series folder scan reads such a file’s header too (it is not skipped as unreadable)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-implicit-body-'));
    try {
      await fs.copyFile(path.join(PYDICOM, 'SC_rgb_jpeg.dcm'), path.join(dir, 'SC_rgb_jpeg.dcm'));
      // A secondary capture has no orientation, so it makes no volume; but it was read as DICOM.
      await assert.rejects(findSeries(dir), /has no ImageOrientationPatient/);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a gzip-compressed DICOM file is refused with what to do, not as a broken NIfTI', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-dcm-gz-'));
    try {
      const file = path.join(dir, 'MR_small.dcm.gz');
      await fs.writeFile(file, gzipSync(await fs.readFile(path.join(PYDICOM, 'MR_small.dcm'))));
      await assert.rejects(openImage(file), (error: Error) => {
        assert.match(error.message, /gzip-compressed DICOM file: decompress it first/);
        assert.ok(error.message.includes(file));
        return true;
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('such a file cut short in its pixel data is refused with an error naming it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-implicit-cut-'));
    try {
      const bytes = await fs.readFile(path.join(PYDICOM, 'SC_rgb_jpeg.dcm'));
      const file = path.join(dir, 'cut.dcm');
      await fs.writeFile(file, bytes.subarray(0, bytes.length - 1500));
      await assert.rejects(openImage(file), (error: Error) => {
        assert.ok(error.message.includes(file), error.message);
        assert.doesNotMatch(error.message, /typed array/);
        return true;
      });
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('files whose VR matches their transfer syntax carry no warning', async () => {
    const image = await openImage(path.join(PYDICOM, 'MR_small.dcm'));
    assert.equal(image.warnings, undefined);
  });

  it('uncompressed YBR_FULL_422 is upsampled and converted to the RGB pydicom gives', async () => {
    const image = await openImage(path.join(PYDICOM, 'SC_ybr_full_422_uncompressed.dcm'));
    assert.equal(image.dicom?.photometricInterpretation, 'YBR_FULL_422');
    assert.deepEqual([image.width, image.height, image.channels], [100, 100, 3]);
    assert.equal(sha256(image.pixels), 'ddb100d8f45a7fbf420e8ce5d1b376a5479f068c5109daac31eb982f662d228f');
  });

  it('1-bit data (BitsAllocated 1) is unpacked to 0 and 1 as pydicom does (liver_1frame.dcm)', async () => {
    const image = await openImage(path.join(PYDICOM, 'liver_1frame.dcm'));
    assert.deepEqual([image.width, image.height, image.channels], [512, 512, 1]);
    assert.deepEqual([image.range.min, image.range.max], [0, 1]);
    let sum = 0;
    for (const v of image.pixels) sum += v;
    assert.equal(sum, 36233);
    assert.equal(sha256(image.pixels), 'e036a07b502fdfd1f0ed932406e2474409be9fe49397c4906f2b8738f84f2230');
  });

  it('1-bit frames that are not byte-aligned are each read from their own first bit', async () => {
    const file = path.join(FIXTURES, 'synthetic', '1bit_3x3_3frames.dcm');
    const expected = [
      [1, 0, 0, 0, 1, 0, 0, 0, 1],
      [0, 1, 1, 1, 0, 1, 1, 1, 0],
      [1, 1, 1, 0, 0, 0, 1, 0, 1],
    ];
    for (const [frame, values] of expected.entries()) {
      const image = await openImage(file, { frame });
      assert.deepEqual(image.frame, { index: frame, count: 3 });
      assert.deepEqual(Array.from(image.pixels), values, `frame ${frame}`);
    }
  });

  describe('RT Dose', () => {
    let dir: string;
    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-rtdose-'));
    });
    after(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('values are the stored integers × DoseGridScaling (rtdose_1frame.dcm: 795000…1254000 × 1e-6)', async () => {
      const image = await openImage(path.join(PYDICOM, 'rtdose_1frame.dcm'));
      assert.equal(image.modalityHint, 'RTDOSE');
      assert.ok(Math.abs(image.range.min - 0.795) < 1e-6, `min ${image.range.min}`);
      assert.ok(Math.abs(image.range.max - 1.254) < 1e-6, `max ${image.range.max}`);
      let sum = 0;
      for (const v of image.pixels) sum += v;
      assert.ok(Math.abs(sum - 101.378) < 1e-3, `sum ${sum}`);
      // DoseUnits RELATIVE: no unit is claimed.
      assert.equal(image.unit, undefined);
    });

    it('DoseUnits GY gives the unit Gy', async () => {
      const bytes = await fs.readFile(path.join(PYDICOM, 'rtdose_1frame.dcm'));
      const at = bytes.indexOf('RELATIVE', 0, 'latin1');
      assert.ok(at > 0);
      bytes.write('GY      ', at, 'latin1'); // same length, CS padded with spaces
      const file = path.join(dir, 'rtdose_gy.dcm');
      await fs.writeFile(file, bytes);
      const image = await openImage(file);
      assert.equal(image.unit, 'Gy');
      assert.ok(Math.abs(image.range.max - 1.254) < 1e-6);
    });
  });
});
