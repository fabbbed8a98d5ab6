import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promises as fs, existsSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { main } from '../../../src/cli/main';
import { buildCliBundle } from '../../support/cliBundle';
import { openImage, prepareModelInput } from '../../../src/imaging';
import type { GeneratedFixtures } from '../../fixtures/generate-imaging-fixtures';
import { decodePngRgb, generatedFixtures, SAMPLES } from './helpers';

const ROOT = path.join(__dirname, '..', '..', '..');

function capture(): { out: string[]; err: string[]; io: { out(l: string): void; err(l: string): void } } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (l) => out.push(l), err: (l) => err.push(l) } };
}

describe('medparse preprocess', function () {
  this.timeout(180_000);
  let f: GeneratedFixtures;
  let outDir: string;
  before(async () => {
    f = await generatedFixtures();
  });
  beforeEach(async () => {
    outDir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-preprocess-'));
  });
  afterEach(async () => {
    await fs.rm(outDir, { recursive: true, force: true });
  });

  it('writes <name>.model-input.png per input and one JSON line each; a bad input fails alone', async () => {
    const ct = path.join(SAMPLES, 'CT_lung_nodule.dcm');
    const c = capture();
    const code = await main(
      [
        'preprocess',
        ct,
        f.raster.textAsJpg,
        f.nifti.gz,
        '--out-dir',
        outDir,
        '--intensity',
        'ct:lung',
        '--slice',
        '7',
      ],
      c.io,
    );
    assert.equal(code, 1);
    assert.equal(c.out.length, 3);
    const lines = c.out.map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => [l.input, l.ok]),
      [
        [ct, true],
        [f.raster.textAsJpg, false],
        [f.nifti.gz, true],
      ],
    );
    assert.equal(lines[0].output, path.join(outDir, 'CT_lung_nodule.dcm.model-input.png'));
    assert.deepEqual([lines[0].width, lines[0].height], [512, 512]);
    assert.deepEqual([lines[2].width, lines[2].height], [422, 512]);
    assert.match(lines[1].error, /notes\.jpg: not a readable image/);
    // No file (partial or temp) for the failed input.
    assert.deepEqual((await fs.readdir(outDir)).sort(), [
      'CT_lung_nodule.dcm.model-input.png',
      'camus.nii.gz.model-input.png',
    ]);

    const written = await decodePngRgb(lines[0].output);
    const expected = await prepareModelInput(await openImage(ct), { kind: 'ct', site: 'lung' });
    assert.ok(Buffer.from(written.data).equals(Buffer.from(expected.rgb)));
  });

  it('gives inputs with the same file name from different folders different outputs (a/x.png, b/x.png)', async () => {
    const a = path.join(outDir, 'a', 'x.png');
    const b = path.join(outDir, 'b', 'X.png');
    const c2 = path.join(outDir, 'c', 'x.png');
    for (const [file, sample] of [
      [a, 'covid_1585.png'],
      [b, 'Part_1_516_pathology_breast.png'],
      [c2, 'demo/15_X-Ray_chest.png'],
    ]) {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.copyFile(path.join(SAMPLES, sample), file);
    }
    const out = path.join(outDir, 'out');
    const c = capture();
    assert.equal(await main(['preprocess', a, b, c2, a, '--out-dir', out], c.io), 0);
    const lines = c.out.map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => path.basename(l.output)),
      [
        'x.png.model-input.png',
        'X.png-2.model-input.png',
        'x.png-3.model-input.png',
        'x.png.model-input.png',
      ],
      'the same input twice keeps its one output',
    );
    assert.deepEqual((await fs.readdir(out)).sort(), [
      'X.png-2.model-input.png',
      'x.png-3.model-input.png',
      'x.png.model-input.png',
    ]);
    for (const [i, input] of [a, b, c2].entries()) {
      const expected = await prepareModelInput(await openImage(input), { kind: 'auto' });
      const written = await decodePngRgb(lines[i].output);
      assert.ok(
        Buffer.from(written.data).equals(Buffer.from(expected.rgb)),
        `${lines[i].output} is ${input}'s`,
      );
    }
  });

  it('--slice on one 2D image is an error; in a batch with volumes, a warning on stderr for the 2D ones', async () => {
    const single = capture();
    assert.equal(await main(['preprocess', f.raster.png, '--slice', '3', '--out-dir', outDir], single.io), 1);
    assert.match(
      JSON.parse(single.out[0]).error,
      /covid\.png: --slice 3 was given, but the file is a single 2D image with no slices/,
    );
    assert.deepEqual(await fs.readdir(outDir), []);

    const batch = capture();
    const code = await main(
      ['preprocess', f.raster.png, f.ct.implicit, f.nifti.gz, '--slice', '3', '--out-dir', outDir],
      batch.io,
    );
    assert.equal(code, 0);
    assert.deepEqual(
      batch.out.map((l) => JSON.parse(l).ok),
      [true, true, true],
    );
    assert.equal(batch.err.length, 2, batch.err.join('\n'));
    assert.match(
      batch.err[0],
      /^warning: .*covid\.png: --slice 3 was given, but the file is a single 2D image/,
    );
    assert.match(batch.err[1], /^warning: .*ct_implicit\.dcm: --slice 3 .*single-frame DICOM/);
  });

  it('exit 0 when all succeed; --frame picks a frame; defaults to a CT window for CT DICOM', async () => {
    const c = capture();
    assert.equal(await main(['preprocess', f.ct.multiFrame, '--frame', '1', '--out-dir', outDir], c.io), 0);
    const line = JSON.parse(c.out[0]);
    assert.deepEqual(line.frame, { index: 1, count: 3 });
    const written = await decodePngRgb(line.output);
    const abdomen = await prepareModelInput(await openImage(f.ct.implicit), { kind: 'ct', site: 'abdomen' });
    assert.ok(Buffer.from(written.data).equals(Buffer.from(abdomen.rgb)));
  });

  it('out-of-range slice and frame are per-input errors; bad options are usage errors (exit 2)', async () => {
    const c = capture();
    assert.equal(await main(['preprocess', f.nifti.gz, '--slice', '99', '--out-dir', outDir], c.io), 1);
    assert.match(JSON.parse(c.out[0]).error, /slice 99 out of range/);
    for (const args of [
      ['preprocess', f.nifti.gz],
      ['preprocess', '--out-dir', outDir],
      ['preprocess', f.nifti.gz, '--out-dir', outDir, '--intensity', 'ct:knee'],
      ['preprocess', f.nifti.gz, '--out-dir', outDir, '--slice', 'x'],
    ]) {
      const u = capture();
      assert.equal(await main(args, u.io), 2, args.join(' '));
      // The mistake on one line, then the command's help (all on stderr, nothing on stdout).
      assert.equal(u.err.length, 2);
      assert.match(u.err[1], /^\nUsage: medparse preprocess /);
      assert.deepEqual(u.out, []);
    }
  });

  it('runs from the bundle (node cli.js preprocess, built like dist/cli.js without touching dist/)', async () => {
    const bundleDir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-preprocess-bundle-'));
    try {
      await runFromBundle(path.join(bundleDir, 'cli.js'));
    } finally {
      await fs.rm(bundleDir, { recursive: true, force: true });
    }
  });

  async function runFromBundle(cli: string): Promise<void> {
    const env = await buildCliBundle(cli);
    assert.ok(existsSync(cli));
    const ct = path.join(SAMPLES, 'CT_lung_nodule.dcm');
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [cli, 'preprocess', ct, f.ct.j2k, '--out-dir', outDir, '--intensity', 'window:-1000,1000'],
      { env, cwd: ROOT },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.ok),
      [true, true],
    );
    const a = await decodePngRgb(lines[0].output);
    const b = await decodePngRgb(lines[1].output);
    assert.ok(
      Buffer.from(a.data).equals(Buffer.from(b.data)),
      'J2K copy differs from the original through the bundle',
    );
    const failed = await promisify(execFile)(
      process.execPath,
      [cli, 'preprocess', f.raster.empty, '--out-dir', outDir],
      { env, cwd: ROOT },
    ).catch((e: { code: number; stdout: string }) => e);
    assert.equal((failed as { code: number }).code, 1);
    assert.match(JSON.parse((failed as { stdout: string }).stdout).error, /empty file/);
  }
});
