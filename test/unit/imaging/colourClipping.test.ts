import * as assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { modelInputPixels, openImage, prepareModelInput } from '../../../src/imaging';
import { findPython, runPython } from '../../support/python';
import { compare } from './helpers';

/** A small colour picture whose channels have different ranges (deterministic pseudo-random). */
function smallColour(width: number, height: number, seed: number): Buffer {
  const data = Buffer.alloc(width * height * 3);
  let s = seed;
  for (let i = 0; i < data.length; i++) {
    s = (s * 1103515245 + 12345) >>> 0;
    const c = i % 3;
    // R within 60–200, G within 0–255, B within 120–140: ranges far apart, as in small crops.
    const v = (s >>> 16) & 255;
    data[i] = c === 0 ? 60 + (v % 141) : c === 1 ? v : 120 + (v % 21);
  }
  return data;
}

// sha256 of the reference's model input (test/support/reference_rgb.py: BiomedParse's read_rgb
// steps with scikit-image 0.19.3, each channel resized and clipped on its own) for these pictures.
const REFERENCE: Record<string, string> = {
  '3x3': '1015761555e6aa3bc9467a46dbc5d007bb0e98d11048e3de77569510373b1f4a',
  '7x5': '56a9a1827ed7f17790985d6742a0d468aed2654cdb70dc52bebf039953ff87af',
};

describe('imaging: colour model input clips each channel to its own range, as the reference does', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-colour-clip-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  for (const [name, width, height, seed] of [
    ['3x3', 3, 3, 7],
    ['7x5', 7, 5, 11],
  ] as const) {
    it(`${name} colour PNG: byte-identical to the reference steps`, async () => {
      const file = path.join(dir, `${name}.png`);
      await sharp(smallColour(width, height, seed), { raw: { width, height, channels: 3 } })
        .png()
        .toFile(file);
      const image = await openImage(file);
      assert.equal(image.channels, 3);
      const ours = modelInputPixels(image);
      // The PNG that is sent holds the same pixels.
      assert.ok(Buffer.from((await prepareModelInput(image)).rgb).equals(Buffer.from(ours)));
      const digest = createHash('sha256').update(ours).digest('hex');
      const python = findPython(['numpy', 'skimage', 'PIL']);
      if (python) {
        const out = path.join(dir, `${name}.reference.rgb`);
        runPython(python, 'reference_rgb.py', [file, out]);
        const reference = new Uint8Array(await fs.readFile(out));
        const { differing, psnr } = compare(ours, reference);
        assert.equal(differing, 0, `${differing} bytes differ (PSNR ${psnr.toFixed(1)} dB)`);
      }
      assert.equal(digest, REFERENCE[name], 'the reference output recorded for this picture');
    });
  }
});
