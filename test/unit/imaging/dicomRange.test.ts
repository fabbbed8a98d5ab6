import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openImage } from '../../../src/imaging';
import { FIXTURES, SAMPLES } from './helpers';

/**
 * The DICOM decoder finds a rescaled image's value range while rescaling (one pass less): it
 * must be exactly the [min, max] of the values it returns, as a separate scan would find it.
 */
describe('imaging: DICOM value range found while rescaling', () => {
  it('equals the range of the decoded values, for the CT sample and the pydicom files', async () => {
    const dir = path.join(FIXTURES, 'pydicom');
    const files = [
      path.join(SAMPLES, 'CT_lung_nodule.dcm'),
      ...(await fs.readdir(dir)).filter((f) => f.endsWith('.dcm')).map((f) => path.join(dir, f)),
    ];
    let checked = 0;
    for (const file of files) {
      const image = await openImage(file);
      let min = Infinity;
      let max = -Infinity;
      for (const v of image.pixels) {
        min = v < min ? v : min;
        max = v > max ? v : max;
      }
      assert.deepEqual([image.range.min, image.range.max], [min, max], path.basename(file));
      checked++;
    }
    assert.ok(checked >= 10);
  });
});
