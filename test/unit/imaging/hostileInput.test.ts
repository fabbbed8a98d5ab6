import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ImagingError, openImage, type OpenOptions } from '../../../src/imaging';
import { MAX_INFLATED_DICOM_BYTES } from '../../../src/imaging/limits';
import type { GeneratedFixtures } from '../../fixtures/generate-imaging-fixtures';
import { generatedFixtures } from './helpers';
import { deflateBomb, deflatedDicom } from './hostileFixtures';

/** The one-line "<file>: <problem>" ImagingError, never a raw RangeError or a bare number. */
async function expectImagingError(file: string, pattern: RegExp, options: OpenOptions = {}): Promise<string> {
  let message = '';
  await assert.rejects(openImage(file, options), (error: unknown) => {
    assert.ok(error instanceof ImagingError, `not an ImagingError: ${String(error)}`);
    assert.ok(error.message.startsWith(`${file}: `), error.message);
    assert.ok(!error.message.includes('\n'), 'message must be one line');
    assert.match(error.message, pattern);
    message = error.message;
    return true;
  });
  return message;
}

describe('imaging: hostile input is refused clearly and within bounds', function () {
  this.timeout(120_000);
  let f: GeneratedFixtures;
  let dir: string;
  before(async () => {
    f = await generatedFixtures();
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-hostile-'));
  });
  after(() => fs.rm(dir, { recursive: true, force: true }));

  const write = async (name: string, data: Buffer): Promise<string> => {
    const file = path.join(dir, name);
    await fs.writeFile(file, data);
    return file;
  };

  describe('Deflated Explicit VR Little Endian', () => {
    it('opens an honest deflated DICOM with the same pixels as the explicit one', async () => {
      const explicit = await fs.readFile(f.ct.explicit);
      const file = await write('ct_deflated.dcm', deflatedDicom(explicit));
      const [a, b] = await Promise.all([openImage(f.ct.explicit), openImage(file)]);
      assert.equal(b.width, a.width);
      assert.deepEqual(b.pixels, a.pixels);
      assert.equal(b.dicom?.transferSyntaxUID, '1.2.840.10008.1.2.1.99');
    });

    it('refuses a data set that inflates past the limit, naming the file, without holding it', async () => {
      const explicit = await fs.readFile(f.ct.explicit);
      const inflatedMiB = MAX_INFLATED_DICOM_BYTES / 1024 ** 2 + 64;
      const bomb = deflateBomb(explicit, inflatedMiB);
      assert.ok(bomb.length < 2 * 1024 ** 2, `bomb is ${bomb.length} bytes`);
      const file = await write('bomb.dcm', bomb);
      const before = process.memoryUsage().rss;
      await expectImagingError(
        file,
        /Deflated Explicit VR Little Endian.*inflates to more than 256 MiB.*refused/,
      );
      // The limit is checked while inflating: never the whole data set, never several copies of it.
      const grown = process.memoryUsage().rss - before;
      assert.ok(grown < MAX_INFLATED_DICOM_BYTES * 1.5, `RSS grew by ${Math.round(grown / 1024 ** 2)} MiB`);
    });

    it('names a corrupt deflate stream', async () => {
      const good = deflatedDicom(await fs.readFile(f.ct.explicit));
      const corrupt = Buffer.from(good);
      corrupt.fill(0xff, good.length - 2000, good.length - 1000);
      const file = await write('corrupt_deflated.dcm', corrupt);
      await expectImagingError(file, /deflate/i);
    });
  });
});
