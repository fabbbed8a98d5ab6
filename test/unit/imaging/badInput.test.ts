import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ImagingError, openImage, type OpenOptions } from '../../../src/imaging';
import type { GeneratedFixtures } from '../../fixtures/generate-imaging-fixtures';
import { generatedFixtures, SAMPLES } from './helpers';

async function expectError(file: string, pattern: RegExp, options: OpenOptions = {}): Promise<void> {
  const started = Date.now();
  const before = process.memoryUsage().rss;
  await assert.rejects(openImage(file, options), (error: unknown) => {
    assert.ok(error instanceof ImagingError, `not an ImagingError: ${String(error)}`);
    assert.equal(error.file, file);
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.ok(!error.message.includes('\n'), 'message must be one line');
    assert.match(error.message, pattern);
    return true;
  });
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  assert.ok(process.memoryUsage().rss - before < 512 * 1024 ** 2, 'allocated more than 512 MiB');
}

describe('imaging: bad input gets a one-line error naming the file and the problem', function () {
  this.timeout(120_000);
  let f: GeneratedFixtures;
  before(async () => {
    f = await generatedFixtures();
  });

  it('empty file', () => expectError(f.raster.empty, /empty file/));
  it('text renamed .jpg', () => expectError(f.raster.textAsJpg, /not a readable image/));
  it('truncated DICOM', () => expectError(f.ct.truncated, /truncated pixel data/));
  it('truncated NIfTI', () => expectError(f.nifti.truncated, /truncated NIfTI/));
  it('truncated .nii.gz', () => expectError(f.nifti.truncatedGz, /truncated gzip/));
  it('DICOM without pixel data', () => expectError(f.ct.noPixelData, /no pixel data/));
  it('unsupported transfer syntax is named', () =>
    expectError(f.ct.unsupported, /unsupported transfer syntax MPEG2.*1\.2\.840\.10008\.1\.2\.4\.100/));
  it('a PNG whose header claims 30000×30000', () =>
    expectError(f.raster.hugePng, /30000×30000.*larger than/));
  it('frame index out of range', () =>
    expectError(f.ct.multiFrame, /frame 3 out of range \(file has 3 frames/, { frame: 3 }));
  it('frame of a single-frame DICOM', () => expectError(f.ct.implicit, /frame 1 out of range/, { frame: 1 }));
  it('slice index out of range', () =>
    expectError(f.nifti.gz, /slice 15 out of range \(volume has 15 slices/, { slice: 15 }));
  it('time point of a 3D NIfTI', () => expectError(f.nifti.plain, /time point.*out of range/, { frame: 2 }));
  it('missing file', () => expectError(path.join(SAMPLES, 'does-not-exist.png'), /no such file/));
  it('negative index', () => expectError(f.nifti.plain, /non-negative integer/, { slice: -1 }));
});
