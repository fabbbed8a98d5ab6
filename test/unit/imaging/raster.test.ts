import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { openImage } from '../../../src/imaging';

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
