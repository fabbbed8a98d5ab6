import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { buildDicomSeg } from '../../../src/export/dicomSeg';
import { openImage } from '../../../src/imaging';
import { simulateMissingModuleForTests, type OptionalModule } from '../../../src/runtime/optionalModules';
import { generatedFixtures, SAMPLES } from '../imaging/helpers';

/** Runs `fn` with `name` failing to load as a package missing from node_modules does. */
async function without<T>(name: OptionalModule, fn: () => Promise<T>): Promise<T> {
  simulateMissingModuleForTests(name, true);
  try {
    return await fn();
  } finally {
    simulateMissingModuleForTests(name, false);
  }
}

describe('Optional modules: a library that cannot load fails only the files that need it', () => {
  it('without sharp, DICOM and NIfTI still open; a PNG fails naming the file, sharp and what to install', async () => {
    await without('sharp', async () => {
      const dicom = await openImage(path.join(SAMPLES, 'CT_lung_nodule.dcm'));
      assert.equal(dicom.format, 'dicom');
      const nifti = await openImage(path.join(SAMPLES, 'patient0500_2CH_half_sequence.nii.gz'));
      assert.equal(nifti.format, 'nifti');
      const png = path.join(SAMPLES, 'covid_1585.png');
      await assert.rejects(openImage(png), (error: Error) => {
        assert.ok(error.message.startsWith(`${png}: sharp could not be loaded`), error.message);
        assert.match(error.message, /DICOM and NIfTI work without it/);
        assert.match(error.message, /npm install .*sharp/);
        assert.match(error.message, /built for (linux|darwin|win32|alpine)-/);
        return true;
      });
    });
    // Once sharp is back, the same PNG opens: the failure was not cached for good.
    const png = await openImage(path.join(SAMPLES, 'covid_1585.png'));
    assert.equal(png.format, 'raster');
  });

  it('without the JPEG 2000 codec, a JPEG 2000 DICOM fails saying so; an uncompressed one opens', async () => {
    const fixtures = await generatedFixtures();
    await without('@cornerstonejs/codec-openjpeg', async () => {
      await assert.rejects(openImage(fixtures.ct.j2k), (error: Error) => {
        assert.ok(error.message.startsWith(`${fixtures.ct.j2k}: `), error.message);
        assert.match(error.message, /@cornerstonejs\/codec-openjpeg could not be loaded/);
        assert.match(error.message, /JPEG 2000/);
        return true;
      });
      assert.equal((await openImage(path.join(SAMPLES, 'CT_lung_nodule.dcm'))).format, 'dicom');
    });
    assert.equal((await openImage(fixtures.ct.j2k)).format, 'dicom');
  });

  it('without dcmjs, a DICOM SEG export says dcmjs is missing rather than blaming the file', async () => {
    const source = await openImage(path.join(SAMPLES, 'CT_lung_nodule.dcm'));
    const mask = new Uint8Array(source.width * source.height);
    await without('dcmjs', async () => {
      assert.throws(
        () => buildDicomSeg(source, [{ label: 'liver', mask }]),
        (error: Error) => {
          assert.match(error.message, /^dcmjs could not be loaded .* needed for exporting DICOM SEG files/);
          assert.doesNotMatch(error.message, /not a readable DICOM/);
          return true;
        },
      );
    });
  });
});
