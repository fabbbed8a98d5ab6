import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { modelInputPixels, openImage, parseIntensitySpec } from '../../../src/imaging';
import { byteRange } from '../../../src/imaging/decode/raster';
import { SAMPLES } from './helpers';

/** The grey-stored-as-RGB check compares four pixels (twelve bytes) at a time: every byte position matters. */
describe('imaging: RGB pictures whose channels are equal decode to one channel, any difference keeps three', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-raster-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function channelsOf(rgb: Buffer, width: number, height: number, name: string): Promise<number> {
    const file = path.join(dir, name);
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png()
      .toFile(file);
    const image = await openImage(file);
    return image.channels;
  }

  it('grey in all three channels → 1 channel with the same values', async () => {
    const width = 7;
    const height = 3; // 21 pixels: five groups of four and a tail of one
    const rgb = Buffer.alloc(width * height * 3);
    for (let i = 0; i < width * height; i++) rgb.fill((i * 37) % 256, i * 3, i * 3 + 3);
    const file = path.join(dir, 'grey.png');
    await sharp(rgb, { raw: { width, height, channels: 3 } })
      .png()
      .toFile(file);
    const image = await openImage(file);
    assert.equal(image.channels, 1);
    assert.deepEqual(
      Array.from(image.pixels),
      Array.from({ length: 21 }, (_, i) => (i * 37) % 256),
    );
  });

  for (let position = 0; position < 63; position++) {
    it(`one byte off at offset ${position} (of 63) → 3 channels`, async () => {
      const rgb = Buffer.alloc(7 * 3 * 3, 100);
      rgb[position] = position % 2 ? 101 : 99;
      assert.equal(await channelsOf(rgb, 7, 3, `off${position}.png`), 3);
    });
  }
});

describe('imaging: 8-bit pictures keep their bytes, with the exact value range', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-raster-range-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('byteRange: the full range by the quick check, any narrower one by the full pass', () => {
    assert.deepEqual(byteRange(Uint8Array.from([7, 255, 3, 0, 9])), [0, 255]);
    assert.deepEqual(byteRange(Uint8Array.from([7, 254, 3, 1, 9])), [1, 254]);
    assert.deepEqual(byteRange(Uint8Array.from([0, 254, 3])), [0, 254]);
    assert.deepEqual(byteRange(Uint8Array.from([255, 1])), [1, 255]);
    assert.deepEqual(byteRange(Uint8Array.from([42])), [42, 42]);
    assert.deepEqual(byteRange(new Uint8Array(0)), [0, 0]);
  });

  for (const [name, low, high] of [
    ['full range', 0, 255],
    ['narrow range', 17, 201],
  ] as const) {
    it(`a colour PNG (${name}) opens as bytes with range ${low}–${high}, values as stored`, async () => {
      const width = 5;
      const height = 4;
      const rgb = Buffer.alloc(width * height * 3);
      for (let i = 0; i < rgb.length; i++) rgb[i] = low + ((i * 29) % (high - low + 1));
      rgb[7] = low;
      rgb[11] = high;
      const file = path.join(dir, `${name}.png`);
      await sharp(rgb, { raw: { width, height, channels: 3 } })
        .png()
        .toFile(file);
      const image = await openImage(file);
      assert.ok(image.pixels instanceof Uint8Array, 'bytes, not floats');
      assert.equal(image.channels, 3);
      assert.deepEqual(image.range, { min: low, max: high });
      assert.deepEqual(Array.from(image.pixels), Array.from(rgb));
    });
  }

  it('bytes and the same values as floats give the same model input, for every intensity', async () => {
    const image = await openImage(path.join(SAMPLES, 'Part_1_516_pathology_breast.png'));
    assert.ok(image.pixels instanceof Uint8Array);
    const asFloats = { ...image, pixels: Float32Array.from(image.pixels) };
    for (const spec of ['auto', 'none', 'percentile', 'window:20,230']) {
      const fromBytes = modelInputPixels(image, parseIntensitySpec(spec));
      const fromFloats = modelInputPixels(asFloats, parseIntensitySpec(spec));
      assert.ok(Buffer.from(fromBytes).equals(Buffer.from(fromFloats)), spec);
    }
  });
});
