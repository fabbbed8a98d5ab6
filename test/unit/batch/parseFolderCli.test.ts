import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import zlib from 'node:zlib';
import { recognitionTargets } from '../../../src/analysis/recognition';
import { main } from '../../../src/cli/main';
import { captureIO } from '../../support/cliRun';
import { startFaultServer, type FaultServer } from '../../support/faultServer';
import { generatedFixtures } from '../imaging/helpers';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');

interface Summary {
  counts: {
    total: number;
    parsed: number;
    skipped: number;
    failed: number;
    skippedBy: Record<string, number>;
  };
  rows: {
    image: string;
    status: string;
    target?: string;
    reason?: string;
    modalityKey?: string;
    exportFolder?: string;
    error?: string;
  }[];
}

/** A PNG that claims width × height pixels (valid chunks, no real pixel data). */
function hugePngHeader(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(12 + data.length);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(zlib.crc32(body), 8 + data.length);
    return out;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.alloc(64))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The id of a process that has exited. */
function deadPid(): number {
  return Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout);
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

/** Every file below `dir`, relative, sorted (hidden ones included). */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

describe('medparse parse-folder', function () {
  this.timeout(120_000);
  let server: FaultServer;
  let tmp: string;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-folder-'));
    server.requests.length = 0;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const run = async (...args: string[]) => {
    const io = captureIO();
    const code = await main(['parse-folder', ...args, '--endpoint', `${server.url}/score`], io);
    return { code, io };
  };

  it('gives scan.png, scan.dcm and scan.jpeg each their own result folder, and a re-run skips exactly those', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    const sources = {
      'scan.png': 'covid_1585.png',
      'scan.dcm': 'CT_lung_nodule.dcm',
      'scan.jpeg': '144DME_as_F.jpeg',
    };
    for (const [name, sample] of Object.entries(sources))
      fs.copyFileSync(path.join(SAMPLES, sample), path.join(input, name));
    const { code, io } = await run(input, '--prompt', 'lesion', '--modality', 'CT-Chest');
    assert.equal(code, 0, io.stderr.join('\n'));
    assert.equal(server.requests.length, 3);
    for (const name of Object.keys(sources)) {
      const folder = path.join(input, `${name}.medimageparse`);
      const report = readJson<{ source: { file: string; width: number; height: number }; files: string[] }>(
        path.join(folder, 'report.json'),
      );
      assert.equal(report.source.file, path.join(input, name), `${name}'s folder holds ${name}'s result`);
      const size = await sharp(path.join(folder, 'labels.png')).metadata();
      assert.deepEqual([size.width, size.height], [report.source.width, report.source.height]);
      assert.deepEqual(fs.readdirSync(folder).sort(), [...report.files].sort(), 'nothing else in the folder');
    }
    const summary = readJson<Summary>(path.join(input, 'medimageparse-summary.json'));
    assert.deepEqual(
      summary.rows.map((r) => [r.image, r.status, r.exportFolder]),
      [
        ['scan.dcm', 'parsed', 'scan.dcm.medimageparse'],
        ['scan.jpeg', 'parsed', 'scan.jpeg.medimageparse'],
        ['scan.png', 'parsed', 'scan.png.medimageparse'],
      ],
    );

    const again = await run(input, '--prompt', 'lesion', '--modality', 'CT-Chest');
    assert.equal(again.code, 0);
    assert.equal(server.requests.length, 3, 'nothing is sent again');
    const resumed = readJson<Summary>(path.join(input, 'medimageparse-summary.json'));
    assert.deepEqual(resumed.counts.skippedBy, { 'already-done': 3 });
    assert.deepEqual(
      resumed.rows.map((r) => [r.image, r.reason, r.exportFolder]),
      [
        ['scan.dcm', 'already-done', 'scan.dcm.medimageparse'],
        ['scan.jpeg', 'already-done', 'scan.jpeg.medimageparse'],
        ['scan.png', 'already-done', 'scan.png.medimageparse'],
      ],
    );
  });

  it('judges each image of a mixed folder by its own modality, skips what fits none, and --modality sets one for all', async () => {
    const input = path.join(tmp, 'mixed');
    fs.mkdirSync(input);
    for (const sample of [
      'CT_lung_nodule.dcm',
      '144DME_as_F.jpeg',
      'Part_1_516_pathology_breast.png',
      'patient0500_2CH_half_sequence.nii.gz',
      'demo/08_MRI_heart.png',
      'demo/15_X-Ray_chest.png',
      'covid_1585.png',
    ])
      fs.copyFileSync(path.join(SAMPLES, sample), path.join(input, path.basename(sample)));
    const out = path.join(tmp, 'out');
    const { code, io } = await run(input, '--recognize', '--out-dir', out, '--concurrency', '3');
    assert.equal(code, 0, io.stderr.join('\n'));
    const summary = readJson<Summary>(path.join(out, 'medimageparse-summary.json'));
    const keyOf = (image: string) => [
      ...new Set(summary.rows.filter((r) => r.image === image).map((r) => r.modalityKey)),
    ];
    assert.deepEqual(keyOf('CT_lung_nodule.dcm'), ['CT-Chest'], 'from the DICOM tags');
    assert.deepEqual(keyOf('144DME_as_F.jpeg'), ['OCT']);
    assert.deepEqual(keyOf('Part_1_516_pathology_breast.png'), ['Pathology']);
    assert.deepEqual(keyOf('patient0500_2CH_half_sequence.nii.gz'), ['Ultrasound-Cardiac']);
    assert.deepEqual(keyOf('08_MRI_heart.png'), ['MRI-Cardiac']);
    assert.deepEqual(keyOf('15_X-Ray_chest.png'), ['X-Ray-Chest']);
    const skipped = summary.rows.filter((r) => r.status === 'skipped');
    assert.deepEqual(
      skipped.map((r) => [r.image, r.reason]),
      [['covid_1585.png', 'no-modality']],
      'an image without hints is reported, not parsed with another image\u2019s key',
    );
    assert.match(skipped[0].error ?? '', /no modality/);
    assert.deepEqual(summary.counts, {
      total: 7,
      parsed: 6,
      skipped: 1,
      failed: 0,
      skippedBy: { 'no-modality': 1 },
    });
    assert.match(
      io.stdout.join('\n'),
      /6 parsed, 0 already done, 0 failed, 1 skipped \(1 without a modality\)/,
    );
    // Each result was asked for with its own key's targets.
    for (const [image, key] of [
      ['144DME_as_F.jpeg', 'OCT'],
      ['CT_lung_nodule.dcm', 'CT-Chest'],
      ['15_X-Ray_chest.png', 'X-Ray-Chest'],
    ]) {
      const report = readJson<{ prompts: string[]; modality: { key: string } }>(
        path.join(out, `${image}.medimageparse`, 'report.json'),
      );
      assert.equal(report.modality.key, key);
      assert.deepEqual(report.prompts, recognitionTargets(key));
    }
    assert.ok(
      fs.existsSync(
        path.join(out, 'patient0500_2CH_half_sequence.nii.gz.medimageparse', 'labels_slice7.nii.gz'),
      ),
      'the NIfTI source gets NIfTI labels of its own geometry',
    );
    assert.deepEqual(
      fs.readdirSync(input).sort(),
      fs
        .readdirSync(input)
        .filter((f) => !f.includes('medimageparse'))
        .sort(),
      'the input folder is left as it was',
    );

    // One modality for the whole folder: the image without hints is parsed too, with that key.
    const forced = await run(input, '--prompt', 'lung', '--modality', 'X-Ray-Chest', '--out-dir', out);
    assert.equal(forced.code, 0, forced.io.stderr.join('\n'));
    const all = readJson<Summary>(path.join(out, 'medimageparse-summary.json'));
    assert.equal(all.counts.parsed, 7);
    assert.ok(all.rows.every((r) => r.modalityKey === 'X-Ray-Chest'));
  });

  it("counts an earlier version's <stem> folder as done only for the file its report names", async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    fs.copyFileSync(path.join(SAMPLES, 'CT_lung_nodule.dcm'), path.join(input, 'scan.dcm'));
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, 'scan.png'));
    // The layout of earlier versions: scan.dcm's result in scan/.
    const legacy = path.join(input, 'scan');
    const io = captureIO();
    const made = await main(
      [
        'parse',
        path.join(input, 'scan.dcm'),
        '--prompt',
        'nodule',
        '--modality',
        'CT-Chest',
        '--out-dir',
        legacy,
        '--endpoint',
        `${server.url}/score`,
      ],
      io,
    );
    assert.equal(made, 0, io.stderr.join('\n'));
    fs.writeFileSync(path.join(legacy, `.nodule.png.${deadPid()}.0badf00d.tmp`), 'left by a kill');
    const before = server.requests.length;
    assert.equal((await run(input, '--prompt', 'nodule', '--modality', 'CT-Chest')).code, 0);
    assert.equal(server.requests.length - before, 1, 'only scan.png is sent');
    const summary = readJson<Summary>(path.join(input, 'medimageparse-summary.json'));
    assert.deepEqual(
      summary.rows.map((r) => [r.image, r.status, r.exportFolder]),
      [
        ['scan.dcm', 'skipped', 'scan'],
        ['scan.png', 'parsed', 'scan.png.medimageparse'],
      ],
    );
    assert.deepEqual(fs.readdirSync(legacy).sort(), [
      'labels.png',
      'nodule.png',
      'report.json',
      'segmentation.dcm',
    ]);
  });

  it('a re-run with other targets writes new sibling folders and leaves every earlier result whole', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    fs.copyFileSync(path.join(SAMPLES, 'demo/15_X-Ray_chest.png'), path.join(input, 'chest_xray.png'));
    assert.equal((await run(input, '--prompt', 'left lung & right lung')).code, 0);
    const first = tree(input);
    assert.equal((await run(input, '--prompt', 'lung')).code, 0);
    const base = path.join(input, 'chest_xray.png.medimageparse');
    assert.deepEqual(fs.readdirSync(base).sort(), [
      'labels.png',
      'left_lung.png',
      'report.json',
      'right_lung.png',
    ]);
    assert.deepEqual(fs.readdirSync(`${base}-2`).sort(), ['labels.png', 'lung.png', 'report.json']);
    assert.deepEqual(readJson<{ prompts: string[] }>(path.join(base, 'report.json')).prompts, [
      'left lung',
      'right lung',
    ]);
    assert.ok(
      first.every((f) => tree(input).includes(f)),
      'no earlier file changed place',
    );
    // Running either again resumes from its own folder.
    const before = server.requests.length;
    assert.equal((await run(input, '--prompt', 'left lung & right lung')).code, 0);
    assert.equal((await run(input, '--prompt', 'lung')).code, 0);
    assert.equal(server.requests.length, before);
    assert.ok(!tree(input).some((f) => f.includes('-3')));
  });

  it('an image past a limit (a request that times out, a picture too large) fails alone; the images after it are parsed', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    for (const name of ['a_chest_xray.png', 'c_chest_xray.png', 'd_chest_xray.png'])
      fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, name));
    fs.writeFileSync(path.join(input, 'b_chest_xray.png'), hugePngHeader(60_000, 60_000));
    // The first request answers only after the client's limit for an attempt (timeouts are not retried).
    server.enqueue({ type: 'slow', delayMs: 3000 });
    const { code } = await run(input, '--prompt', 'lung', '--timeout', '0.3', '--concurrency', '1');
    assert.equal(code, 1, 'a failed image makes the exit code 1');
    const summary = readJson<Summary>(path.join(input, 'medimageparse-summary.json'));
    assert.deepEqual(
      summary.rows.map((r) => [r.image, r.status]),
      [
        ['a_chest_xray.png', 'failed'],
        ['b_chest_xray.png', 'failed'],
        ['c_chest_xray.png', 'parsed'],
        ['d_chest_xray.png', 'parsed'],
      ],
    );
    assert.match(summary.rows[0].error ?? '', /within 0\.3 s/);
    assert.match(summary.rows[1].error ?? '', /b_chest_xray\.png.*larger than/);
  });

  it('skips an image marked BurnedInAnnotation = YES unless --allow-burned-in, sending nothing of it', async () => {
    const fixtures = await generatedFixtures();
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    fs.copyFileSync(fixtures.ct.burnedIn, path.join(input, 'burned.dcm'));
    fs.copyFileSync(path.join(SAMPLES, 'CT_lung_nodule.dcm'), path.join(input, 'plain.dcm'));
    const { code } = await run(input, '--prompt', 'nodule');
    assert.equal(code, 0);
    assert.equal(server.requests.length, 1, 'only the plain image was sent');
    const summary = readJson<Summary>(path.join(input, 'medimageparse-summary.json'));
    assert.deepEqual(
      summary.rows.map((r) => [r.image, r.status, r.reason ?? '']),
      [
        ['burned.dcm', 'skipped', 'burned-in'],
        ['plain.dcm', 'parsed', ''],
      ],
    );
    assert.ok(!fs.existsSync(path.join(input, 'burned.dcm.medimageparse')));
    assert.equal((await run(input, '--prompt', 'nodule', '--allow-burned-in')).code, 0);
    assert.ok(fs.existsSync(path.join(input, 'burned.dcm.medimageparse', 'report.json')));
  });

  it('refuses a bad --modality and a missing --prompt/--recognize before reading anything', async () => {
    for (const args of [
      [tmp, '--prompt', 'liver', '--modality', 'CT-Lung'],
      [tmp],
      [tmp, '--prompt', 'liver', '--recognize'],
      [tmp, '--prompt', 'liver', '--concurrency', '0'],
    ]) {
      const { code, io } = await run(...args);
      assert.equal(code, 2, args.join(' '));
      assert.match(io.stderr.join('\n'), /medparse parse-folder: [^\n]+\n+Usage: medparse parse-folder /);
    }
    assert.equal(server.requests.length, 0);
  });
});
