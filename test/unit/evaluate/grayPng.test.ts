import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeGray8Png } from '../../../src/evaluate/grayPng';

/** Pixels that make every PNG filter worth choosing somewhere (gradients, edges, noise). */
function pattern(width: number, height: number, channels: number): Buffer {
  const out = Buffer.alloc(width * height * channels);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      for (let c = 0; c < channels; c++)
        out[(y * width + x) * channels + c] =
          y < height / 3
            ? (x * 3 + c * 40) & 255
            : y < (2 * height) / 3
              ? ((x * 7919) ^ (y * 31) ^ c) & 255
              : x > y
                ? 255
                : 0;
  return out;
}

describe('evaluate: fast 8-bit PNG mask decoding', () => {
  for (const channels of [1, 2, 3, 4] as const)
    for (const adaptiveFiltering of [true, false])
      it(`reads the first channel as sharp does: ${channels} channel(s), ${adaptiveFiltering ? 'adaptive' : 'no'} filtering`, async () => {
        const [w, h] = [97, 60];
        const raw = pattern(w, h, channels);
        const png = await sharp(raw, { raw: { width: w, height: h, channels } })
          .png({ adaptiveFiltering, compressionLevel: 9 })
          .toBuffer();
        const got = await decodeGray8Png(png);
        assert.ok(got, 'decoded by the fast path');
        assert.deepEqual([got.width, got.height], [w, h]);
        const first = Uint8Array.from({ length: w * h }, (_, i) => raw[i * channels]);
        assert.deepEqual(got.data, first);
      });

  for (const channels of [1, 4] as const)
    it(`reads sparse masks (zero rows, repeated rows, a blob) exactly: ${channels} channel(s)`, async () => {
      const [w, h] = [64, 80];
      const raw = Buffer.alloc(w * h * channels);
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          // A band of identical rows (the Up filter leaves zero bytes), zero rows, then a disc.
          const v =
            y >= 10 && y < 30 && x >= 5 && x < 40 ? 255 : (x - 40) ** 2 + (y - 55) ** 2 < 150 ? 200 : 0;
          raw.fill(v, (y * w + x) * channels, (y * w + x + 1) * channels);
        }
      for (const adaptiveFiltering of [true, false]) {
        const png = await sharp(raw, { raw: { width: w, height: h, channels } })
          .png({ adaptiveFiltering })
          .toBuffer();
        const got = await decodeGray8Png(png);
        assert.ok(got);
        assert.deepEqual(
          got.data,
          Uint8Array.from({ length: w * h }, (_, i) => raw[i * channels]),
        );
      }
    });

  for (const channels of [2, 4] as const)
    it(`reads opaque masks with alpha (background rows repeat, never zero): ${channels} channels`, async () => {
      // As BiomedParse's RGBA masks are: grey value in the colour channels, alpha 255 everywhere.
      const [w, h] = [50, 90];
      const raw = Buffer.alloc(w * h * channels);
      const value = (x: number, y: number) =>
        y >= 20 && y < 40 && x >= 10 && x < 30 ? 255 : (x - 25) ** 2 + (y - 65) ** 2 < 120 ? 255 : 0;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) {
          const at = (y * w + x) * channels;
          raw.fill(value(x, y), at, at + channels - 1);
          raw[at + channels - 1] = 255;
        }
      const expected = Uint8Array.from({ length: w * h }, (_, i) => value(i % w, Math.floor(i / w)));
      for (const adaptiveFiltering of [true, false]) {
        const png = await sharp(raw, { raw: { width: w, height: h, channels } })
          .png({ adaptiveFiltering })
          .toBuffer();
        const got = await decodeGray8Png(png);
        assert.ok(got);
        assert.deepEqual(got.data, expected);
      }
    });

  it('leaves 16-bit, palette, interlaced and damaged files to the general decoder', async () => {
    const raw = pattern(20, 10, 1);
    const gray = () => sharp(raw, { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('b-w');
    const sixteen = await gray().png().toColourspace('grey16').toBuffer();
    const palette = await gray().png({ palette: true }).toBuffer();
    const interlaced = await gray().png({ progressive: true }).toBuffer();
    const plain = await gray().png().toBuffer();
    for (const bytes of [
      sixteen,
      palette,
      interlaced,
      plain.subarray(0, plain.length - 30),
      Buffer.from('not a png'),
    ])
      assert.equal(await decodeGray8Png(bytes), undefined);
    assert.ok(await decodeGray8Png(plain));
  });
});
