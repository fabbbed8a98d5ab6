import assert from 'node:assert/strict';
import { buildCliBundle } from '../../support/cliBundle';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import manifest from '../../fixtures/golden/manifest.json';
import { main } from '../../../src/cli/main';
import type { CliIO } from '../../../src/cli/command';
import { readMask } from '../../../src/analysis/rasterIO';

const root = path.join(__dirname, '../../..');
const golden = path.join(root, 'test/fixtures/golden');
const demo = path.join(root, 'test/fixtures/samples/demo');

function capture(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { stdout, stderr, out: (l) => stdout.push(l), err: (l) => stderr.push(l) };
}

function recognizeArgs(c: (typeof manifest.recognition)[number], outDir: string): string[] {
  return [
    'recognize',
    '--image',
    path.join(demo, c.image),
    '--modality',
    c.modality,
    ...Object.entries(c.inputs).flatMap(([t, f]) => ['--mask', `${t}=${path.join(golden, f)}`]),
    '--out-dir',
    outDir,
  ];
}

describe('cli: pvalue and recognize', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-cli-'))));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('pvalue prints the golden p-value and found flag', async () => {
    for (const c of manifest.pvalue.filter((p) => p.mask8)) {
      const io = capture();
      const code = await main(
        [
          'pvalue',
          '--image',
          path.join(demo, c.image),
          '--mask',
          path.join(golden, c.mask8!),
          '--modality',
          c.modality,
          '--target',
          c.target,
        ],
        io,
      );
      assert.equal(code, 0, io.stderr.join('\n'));
      const out = JSON.parse(io.stdout.join('\n'));
      assert.equal(out.found, true);
      assert.ok(Math.abs(out.pValue - c.adj_p_value) <= 1e-6 * c.adj_p_value, `${c.target}: ${out.pValue}`);
    }
  });

  it('pvalue --p-threshold: a p-value equal to the threshold is valid, just above it likely absent', async () => {
    const c = manifest.pvalue.find((p) => p.mask8 && p.adj_p_value > 1e-6)!;
    const run = async (threshold?: string) => {
      const io = capture();
      const args = ['--image', path.join(demo, c.image), '--mask', path.join(golden, c.mask8!)];
      args.push('--modality', c.modality, '--target', c.target);
      if (threshold !== undefined) args.push('--p-threshold', threshold);
      assert.equal(await main(['pvalue', ...args], io), 0, io.stderr.join('\n'));
      return JSON.parse(io.stdout.join('\n')) as { pValue: number; status: string; pThreshold: number };
    };
    const { pValue } = await run();
    // JSON prints the shortest text that reads back as the same double: the exact p-value.
    const at = await run(String(pValue));
    assert.deepEqual([at.pThreshold, at.status], [pValue, 'valid']);
    const above = await run(String(pValue * (1 + Number.EPSILON)));
    assert.equal(above.status, 'likely-absent');
  });

  it('pvalue says not assessed (null) for a target without a distribution', async () => {
    const io = capture();
    const c = manifest.pvalue[0];
    await main(
      [
        'pvalue',
        '--image',
        path.join(demo, c.image),
        '--mask',
        path.join(golden, c.mask8!),
        '--modality',
        'CT-Abdomen',
        '--target',
        'kidney cyst',
      ],
      io,
    );
    const out = JSON.parse(io.stdout.join('\n'));
    assert.equal(out.pValue, null);
    assert.equal(out.status, 'not-assessed');
  });

  it('pvalue fails with one clear line on a missing file or argument', async () => {
    let io = capture();
    assert.equal(
      await main(
        [
          'pvalue',
          '--image',
          path.join(tmp, 'missing.png'),
          '--mask',
          'x.png',
          '--modality',
          'OCT',
          '--target',
          'edema',
        ],
        io,
      ),
      1,
    );
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0], /missing\.png: cannot read image/);
    io = capture();
    assert.equal(await main(['pvalue', '--image', 'a.png'], io), 2);
    assert.match(io.stderr[0], /--mask is required/);
  });

  it('recognize writes labels.png and prints the golden labels, areas and p-values', async () => {
    const c = manifest.recognition[0];
    const outDir = path.join(tmp, 'rec');
    const io = capture();
    assert.equal(await main(recognizeArgs(c, outDir), io), 0, io.stderr.join('\n'));
    const out = JSON.parse(io.stdout.join('\n'));
    assert.deepEqual(out.labels, c.label_names);
    assert.deepEqual(out.areas, c.areas);
    for (const [t, p] of Object.entries(c.p_values)) assert.ok(Math.abs(out.pValues[t] - p) <= 1e-6 * p);
    const written = (await readMask(path.join(outDir, 'labels.png'))).mask;
    const expected = (await readMask(path.join(golden, c.labels_png))).mask;
    assert.ok(
      Buffer.from(written).equals(Buffer.from(expected)),
      'labels.png equals the reference label map',
    );
  });

  it('recognize rejects a malformed --mask', async () => {
    const io = capture();
    assert.equal(
      await main(
        ['recognize', '--image', 'a.png', '--modality', 'OCT', '--mask', 'edema', '--out-dir', tmp],
        io,
      ),
      2,
    );
    assert.match(io.stderr[0], /not of the form <target>=<file>/);
  });

  it('runs from the bundled CLI (node cli.js, built like dist/cli.js)', async function () {
    this.timeout(60000);
    const bundle = path.join(tmp, 'cli.js');
    const env = await buildCliBundle(bundle);
    const c = manifest.recognition[0];
    const outDir = path.join(tmp, 'rec-bundled');
    const run = promisify(execFile);
    const { stdout } = await run(process.execPath, [bundle, ...recognizeArgs(c, outDir)], { env, cwd: root });
    const out = JSON.parse(stdout);
    assert.deepEqual(out.labels, c.label_names);
    assert.deepEqual(out.areas, c.areas);
    assert.ok(fs.existsSync(path.join(outDir, 'labels.png')));
    const p = manifest.pvalue[2];
    const pv = JSON.parse(
      (
        await run(
          process.execPath,
          [
            bundle,
            'pvalue',
            '--image',
            path.join(demo, p.image),
            '--mask',
            path.join(golden, p.mask8!),
            '--modality',
            p.modality,
            '--target',
            p.target,
          ],
          { env, cwd: root },
        )
      ).stdout,
    );
    assert.equal(pv.found, true);
    assert.ok(Math.abs(pv.pValue - p.adj_p_value) <= 1e-6 * p.adj_p_value);
  });
});
