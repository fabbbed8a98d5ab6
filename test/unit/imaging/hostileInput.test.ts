import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
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

  describe('a compressed frame the decoder rejects', () => {
    /** The file with `fill` written over [from, to) of its length (inside the pixel data). */
    const corrupt = async (
      source: string,
      name: string,
      from: number,
      to: number,
      fill: number,
    ): Promise<string> => {
      const bytes = Buffer.from(await fs.readFile(source));
      bytes.fill(fill, Math.floor(bytes.length * from), Math.floor(bytes.length * to));
      return write(name, bytes);
    };
    const noBareNumber = (message: string): void =>
      assert.doesNotMatch(message, /:\s*\d+\s*$/, `ends in a bare number: ${message}`);

    it('JPEG-LS: names the file, the transfer syntax and the decoder message', async () => {
      const file = await corrupt(f.ct.jpegLs, 'bad_jpegls.dcm', 0.5, 0.52, 0x5a);
      const message = await expectImagingError(
        file,
        /cannot decode JPEG-LS Lossless \(1\.2\.840\.10008\.1\.2\.4\.80\) frame 0: the JPEG-LS data is corrupt \(decoder message: Invalid JPEG-LS stream/,
      );
      noBareNumber(message);
    });

    it('JPEG Baseline: names the file, the transfer syntax and a cause', async () => {
      const file = await corrupt(f.ct8.jpegBaseline, 'bad_jpeg.dcm', 0.5, 0.6, 0xff);
      const message = await expectImagingError(
        file,
        /cannot decode JPEG Baseline \(Process 1\) \(1\.2\.840\.10008\.1\.2\.4\.50\) frame 0: the JPEG data is corrupt/,
      );
      noBareNumber(message);
    });

    it('JPEG 2000 with no image left in it: says so instead of "0×0×0"', async () => {
      const file = await corrupt(f.ct.j2k, 'bad_j2k.dcm', 0.3, 0.9, 0x5a);
      const message = await expectImagingError(
        file,
        /cannot decode JPEG 2000 .*\(1\.2\.840\.10008\.1\.2\.4\.90\) frame 0: the decoder found no JPEG 2000 image/,
      );
      noBareNumber(message);
    });

    it('a cut-off JPEG-LS stream is refused as truncated, without running the decoder over it', async () => {
      // The fuzzer's case: CharLS took 40–70 s on this before failing.
      const bytes = await fs.readFile(f.ct.jpegLs);
      // The last fragment (item FFFE,E000) keeps half its bytes, with its length and the
      // sequence delimiter that closes the pixel data written as they should be.
      const item = bytes.lastIndexOf(Buffer.from([0xfe, 0xff, 0x00, 0xe0]));
      const kept = Math.floor(bytes.readUInt32LE(item + 4) / 2) & ~1;
      const header = Buffer.from(bytes.subarray(item, item + 8));
      header.writeUInt32LE(kept, 4);
      const delimiter = Buffer.from([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
      const cut = Buffer.concat([
        bytes.subarray(0, item),
        header,
        bytes.subarray(item + 8, item + 8 + kept),
        delimiter,
      ]);
      const file = await write('cut_jpegls.dcm', cut);
      await expectImagingError(
        file,
        /cannot decode JPEG-LS Lossless \(1\.2\.840\.10008\.1\.2\.4\.80\) frame 0: the JPEG-LS data is truncated \(no end-of-image marker\)/,
      );
    });

    it('the codec still decodes good files after a failure', async () => {
      const file = await corrupt(f.ct.jpegLs, 'bad_jpegls_again.dcm', 0.3, 0.9, 0x5a);
      await assert.rejects(openImage(file), ImagingError);
      const good = await openImage(f.ct.jpegLs);
      assert.equal(good.width, 512);
    });
  });

  describe('NIfTI header fields that are not numbers', () => {
    const withVoxOffset = async (value: number, gz: boolean): Promise<string> => {
      const plain = Buffer.from(await fs.readFile(f.nifti.plain));
      plain.writeFloatLE(value, 108);
      const name = `vox_offset_${String(value)}.nii${gz ? '.gz' : ''}`;
      return write(name, gz ? zlib.gzipSync(plain) : plain);
    };
    for (const gz of [false, true]) {
      for (const value of [NaN, Infinity, -400]) {
        it(`vox_offset ${value} in a .nii${gz ? '.gz' : ''} is named, not a RangeError`, async () =>
          expectImagingError(
            await withVoxOffset(value, gz),
            new RegExp(`invalid NIfTI: vox_offset is ${value}`),
          ));
      }
    }
    it('a fractional vox_offset is read as nibabel reads it (rounded down)', async () => {
      const file = await withVoxOffset(352.75, false);
      const [a, b] = await Promise.all([openImage(f.nifti.plain), openImage(file)]);
      assert.deepEqual(b.pixels, a.pixels);
    });
  });

  describe('pictures whose pixels would not fit the memory budget', () => {
    /** A PNG with only a header (and a token IDAT) claiming the given size and format. */
    const pngHeader = (width: number, height: number, bitDepth: number, colourType: number): Buffer => {
      const chunk = (type: string, body: Buffer): Buffer => {
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        const crc = Buffer.alloc(4);
        crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), body])) >>> 0);
        return Buffer.concat([len, Buffer.from(type, 'latin1'), body, crc]);
      };
      const ihdr = Buffer.alloc(13);
      ihdr.writeUInt32BE(width, 0);
      ihdr.writeUInt32BE(height, 4);
      ihdr[8] = bitDepth;
      ihdr[9] = colourType;
      return Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        chunk('IHDR', ihdr),
        chunk('IDAT', zlib.deflateSync(Buffer.alloc(16))),
        chunk('IEND', Buffer.alloc(0)),
      ]);
    };

    it('a 16-bit RGB PNG of 8000×8000 (within the pixel count, but 730 MB as floats) is refused by its header', async () => {
      const file = await write('rgb16_8000.png', pngHeader(8000, 8000, 16, 2));
      const before = process.memoryUsage().rss;
      await expectImagingError(
        file,
        /16-bit colour image of 8000×8000 pixels is larger than the supported 34 megapixels for such images \(it would take 732 MB of memory\)/,
      );
      assert.ok(process.memoryUsage().rss - before < 100 * 1024 ** 2, 'refused before decoding');
    });

    it('16-bit grey and 8-bit colour of the same size are still accepted by the check', async () => {
      for (const [name, depth, type] of [
        ['grey16_8000.png', 16, 0],
        ['rgb8_8000.png', 8, 2],
      ] as const) {
        const file = await write(name, pngHeader(8000, 8000, depth, type));
        // Accepted by the size check: fails later, on the token pixel data, as a decoding error.
        await expectImagingError(file, /cannot decode png/);
      }
    });
  });
});
