import * as os from 'node:os';
import * as path from 'node:path';
import { promises as fs, rmSync } from 'node:fs';
import sharp from 'sharp';
import { generateImagingFixtures, type GeneratedFixtures } from '../../fixtures/generate-imaging-fixtures';
import { removeAfterAllTests } from '../../support/afterAllTests';

export const FIXTURES = path.join(__dirname, '..', '..', 'fixtures');
export const SAMPLES = path.join(FIXTURES, 'samples');
export const GOLDEN = path.join(FIXTURES, 'golden');

export function compare(a: Uint8Array, b: Uint8Array): { psnr: number; mad: number; differing: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let se = 0;
  let ad = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
    ad += Math.abs(d);
    if (d) differing++;
  }
  const mse = se / a.length;
  return { psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse), mad: ad / a.length, differing };
}

export async function decodePngRgb(
  png: Buffer | string,
): Promise<{ data: Uint8Array; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: info.channels };
}

/** PNG chunk types in file order. */
export function pngChunks(png: Buffer): string[] {
  const types: string[] = [];
  let p = 8;
  while (p + 8 <= png.length) {
    const len = png.readUInt32BE(p);
    types.push(png.toString('latin1', p + 4, p + 8));
    p += 12 + len;
  }
  return types;
}

let generated: Promise<GeneratedFixtures> | undefined;

/** Generates the variant files once per test run into a temp dir (removed after the last test). */
export function generatedFixtures(): Promise<GeneratedFixtures> {
  if (!generated) {
    generated = (async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-imaging-'));
      removeAfterAllTests(() => rmSync(dir, { recursive: true, force: true }));
      return generateImagingFixtures(dir);
    })();
  }
  return generated;
}
