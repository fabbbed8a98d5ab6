import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openImage } from '../../../src/imaging';
import { FIXTURES } from './helpers';

// 12-bit lossy JPEG (JPEG Extended, process 4, 1.2.840.10008.1.2.4.51). The expected samples are
// DCMTK's (dcmdjpeg, IJG's 12-bit library with the islow IDCT): sha256 of the stored values as
// little-endian uint16, and, where dcmdjpeg is installed, its output itself.
const CASES = [
  {
    file: path.join(FIXTURES, 'pydicom', 'JPGExtended.dcm'),
    size: [256, 1024],
    intercept: 0,
    sha256: 'd30242775a414c01d616447854ebe3f2b20259822894bcd6891f879bcdcbf313',
  },
  {
    // CT_lung_nodule.dcm compressed by DCMTK 3.6.7: dcmcjpeg +ee (see test/fixtures/README.md).
    file: path.join(FIXTURES, 'dcmtk', 'CT_lung_nodule_jpeg12.dcm'),
    size: [512, 512],
    intercept: -2047, // DCMTK moved the intercept when it compressed
    sha256: 'ed63ec2e73f94cce971a132fe42ba5fda0749e338bb37644161de7ffad8e09d6',
  },
];

function storedDigest(pixels: ArrayLike<number>, intercept: number): string {
  const stored = new Uint16Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) stored[i] = pixels[i] - intercept;
  return createHash('sha256').update(new Uint8Array(stored.buffer)).digest('hex');
}

describe('imaging: 12-bit JPEG Extended decodes to exactly the samples of IJG\u2019s 12-bit decoder', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-jpeg12-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const c of CASES) {
    it(path.basename(c.file), async () => {
      const image = await openImage(c.file);
      assert.equal(image.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.4.51');
      assert.deepEqual([image.width, image.height, image.channels], c.size.concat(1));
      assert.equal(storedDigest(image.pixels, c.intercept), c.sha256);
      const dcmdjpeg = spawnSync('dcmdjpeg', ['--version'], { stdio: 'ignore' });
      if (dcmdjpeg.status === 0) {
        const plain = path.join(dir, path.basename(c.file));
        const run = spawnSync('dcmdjpeg', [c.file, plain], { encoding: 'utf8' });
        assert.equal(run.status, 0, run.stderr);
        const reference = await openImage(plain);
        assert.equal(reference.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.1');
        assert.ok(
          Buffer.from(reference.pixels.buffer).equals(Buffer.from(image.pixels.buffer)),
          'differs from dcmdjpeg',
        );
      }
    });
  }

  it('a 12-bit stream filed under JPEG Baseline (1.2.840.10008.1.2.4.50) is read by its stream, as GDCM does', async () => {
    const bytes = await fs.readFile(CASES[0].file);
    const at = bytes.indexOf('1.2.840.10008.1.2.4.51', 0, 'latin1');
    assert.ok(at > 0);
    bytes.write('1.2.840.10008.1.2.4.50', at, 'latin1');
    const file = path.join(dir, 'filed_as_baseline.dcm');
    await fs.writeFile(file, bytes);
    const image = await openImage(file);
    assert.equal(image.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.4.50');
    assert.equal(storedDigest(image.pixels, CASES[0].intercept), CASES[0].sha256);
  });

  it('a 12-bit JPEG cut short fails with an error naming the file, not a crash', async () => {
    const bytes = await fs.readFile(CASES[1].file);
    const cut = path.join(dir, 'cut.dcm');
    await fs.writeFile(cut, bytes.subarray(0, bytes.length - 60_000));
    await assert.rejects(openImage(cut), (error: Error) => error.message.includes(cut));
  });
});
