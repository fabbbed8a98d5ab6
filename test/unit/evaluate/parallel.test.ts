import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { evaluateFolders } from '../../../src/evaluate/evaluate';

/** A 0/255 disc of radius r at (cx, cy) on a w×h grey PNG. */
async function disc(file: string, w: number, h: number, cx: number, cy: number, r: number): Promise<void> {
  const px = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) px[y * w + x] = 255;
  await fs.writeFile(
    file,
    await sharp(px, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toBuffer(),
  );
}

describe('evaluate: images spread over worker threads', function () {
  this.timeout(120_000);
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-evaluate-parallel-'));
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('gives the same pairs, skipped targets and order with workers as in one thread', async () => {
    const pred = path.join(tmp, 'pred');
    const truth = path.join(tmp, 'truth');
    await fs.mkdir(pred);
    await fs.mkdir(truth);
    for (let i = 0; i < 12; i++) {
      const name = `case${String(i).padStart(2, '0')}`;
      await disc(path.join(pred, `${name}_liver.png`), 64, 48, 30 + (i % 5), 20, 8 + (i % 4));
      await disc(path.join(truth, `${name}_liver.png`), 64, 48, 30, 22, 9);
      // A target without ground truth (skipped) and, on one image, a truth of another size.
      await disc(path.join(pred, `${name}_spleen.png`), 64, 48, 10, 10, 3);
      if (i === 5) await disc(path.join(truth, `${name}_spleen.png`), 32, 32, 10, 10, 3);
    }
    const one = await evaluateFolders(pred, truth, { threads: 1 });
    let progress = 0;
    const many = await evaluateFolders(pred, truth, { threads: 2, onProgress: () => progress++ });
    assert.equal(one.pairs.length, 12);
    assert.equal(one.skipped.length, 12);
    assert.deepEqual(many, one);
    assert.equal(progress, 12, 'progress once per image');
  });
});
