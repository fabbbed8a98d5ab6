import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { openImage, prepareModelInput } from '../../../src/imaging';
import { intensityForRun } from '../../../src/pipeline/intensity';
import { modalityForKey } from '../../../src/shared/targets';
import { readCsv, simulateBatchJob } from '../../support/batchSimulator';
import { startPixelServer, type PixelServer } from '../../support/pixelServer';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');

function capture() {
  const io = {
    stdout: [] as string[],
    stderr: [] as string[],
    out: (l: string) => void io.stdout.push(l),
    err: (l: string) => void io.stderr.push(l),
  };
  return io;
}

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(file, 'utf8')) as T;

interface Manifest {
  folder: string;
  inputFiles: { name: string; rows: number; bytes: number; sha256: string }[];
  images: {
    source: string;
    status: string;
    error?: string;
    prompts?: string[];
    geometry?: { sourceWidth: number; sourceHeight: number; padTop: number; padLeft: number };
    modelInput?: { sha256: string; pixelsSha256: string };
    rows?: { file: string; row: number; prompts: string[] }[];
  }[];
}

interface Summary {
  counts: { total: number; parsed: number; skipped: number; failed: number };
  rows: Record<string, unknown>[];
}

/** Every file below `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => fs.statSync(path.join(dir, f)).isFile())
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

const sha256 = (data: Uint8Array) => crypto.createHash('sha256').update(data).digest('hex');

/** A folder of real images of several formats and shapes, one in a sub-folder. */
function makeFolder(root: string): string {
  const input = path.join(root, 'in');
  fs.mkdirSync(path.join(input, 'sub'), { recursive: true });
  fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, 'chest.png'));
  fs.copyFileSync(path.join(SAMPLES, 'CT_lung_nodule.dcm'), path.join(input, 'ct.dcm'));
  fs.copyFileSync(path.join(SAMPLES, '144DME_as_F.jpeg'), path.join(input, 'sub', 'oct.jpeg'));
  fs.copyFileSync(path.join(SAMPLES, 'Part_1_516_pathology_breast.png'), path.join(input, 'sub', 'path.png'));
  fs.copyFileSync(path.join(SAMPLES, 'patient0500_2CH_half_sequence.nii.gz'), path.join(input, 'heart.nii.gz'));
  return input;
}

describe('batch endpoint: batch-prepare and batch-import', function () {
  this.timeout(300_000);
  let tmp: string;
  let server: PixelServer;
  before(async () => {
    server = await startPixelServer();
  });
  after(() => server.close());
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-batch-endpoint-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const cli = async (...args: string[]) => {
    const io = capture();
    const code = await main(args, io);
    return { code, io, text: [...io.stdout, ...io.stderr].join('\n') };
  };

  it('writes numbered input files in the notebook format whose images are the online model input, and a manifest that ties each row to them', async () => {
    const input = makeFolder(tmp);
    const out = path.join(tmp, 'batch');
    const r = await cli('batch-prepare', input, '--prompt', 'bright & medium', '--modality', 'CT-Chest', '--out-dir', out, '--rows-per-file', '2');
    assert.equal(r.code, 0, r.text);
    assert.deepEqual(tree(out), ['batch_input_001.csv', 'batch_input_002.csv', 'batch_input_003.csv', 'manifest.json']);
    const manifest = readJson<Manifest>(path.join(out, 'manifest.json'));
    assert.equal(manifest.folder, input);
    assert.deepEqual(
      manifest.images.map((i) => i.source),
      ['chest.png', 'ct.dcm', 'heart.nii.gz', 'sub/oct.jpeg', 'sub/path.png'],
    );
    const { modality, site } = modalityForKey('CT-Chest');
    for (const f of manifest.inputFiles) {
      const bytes = fs.readFileSync(path.join(out, f.name));
      assert.equal(bytes.length, f.bytes);
      assert.equal(sha256(bytes), f.sha256);
      const records = readCsv(bytes.toString('utf8'));
      assert.deepEqual(records[0], ['', 'image', 'text'], "pandas to_csv's header: unnamed index, image, text");
      assert.equal(records.length - 1, f.rows);
      records.slice(1).forEach((rec, k) => assert.equal(rec[0], String(k), 'the index column counts from 0 in each file'));
    }
    for (const image of manifest.images) {
      assert.equal(image.status, 'prepared', image.error);
      assert.deepEqual(image.prompts, ['bright', 'medium']);
      const [row] = image.rows!;
      const records = readCsv(fs.readFileSync(path.join(out, row.file), 'utf8'));
      const [, b64, text] = records[row.row + 1];
      assert.equal(text, 'bright & medium');
      const png = Buffer.from(b64, 'base64');
      assert.equal(sha256(png), image.modelInput!.sha256);
      // Exactly what the online endpoint is sent for this image by Parse Folder.
      const source = await openImage(path.join(input, image.source));
      const online = await prepareModelInput(source, intensityForRun(source, modality, site));
      assert.ok(online.png.equals(png), `${image.source}: the CSV image is the online model input`);
      assert.equal(sha256(online.rgb), image.modelInput!.pixelsSha256);
      assert.equal(image.geometry!.sourceWidth, source.width);
      assert.equal(image.geometry!.sourceHeight, source.height);
    }
  });

  it('imports shuffled predictions of several input files into the same results, exports and summary as Parse Folder', async () => {
    const input = makeFolder(tmp);
    const batch = path.join(tmp, 'batch');
    const args = ['--prompt', 'bright & medium', '--modality', 'CT-Chest'];
    const prep = await cli('batch-prepare', input, ...args, '--out-dir', batch, '--rows-per-file', '2');
    assert.equal(prep.code, 0, prep.text);
    const manifest = readJson<Manifest>(path.join(batch, 'manifest.json'));
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(
      manifest.inputFiles.map((f) => path.join(batch, f.name)),
      predictions,
      { shuffleSeed: 7 },
    );
    const viaBatch = path.join(tmp, 'via-batch');
    const imp = await cli('batch-import', predictions, '--manifest', path.join(batch, 'manifest.json'), '--out-dir', viaBatch);
    assert.equal(imp.code, 0, imp.text);

    const viaOnline = path.join(tmp, 'via-online');
    const online = await cli('parse-folder', input, ...args, '--endpoint', server.url, '--out-dir', viaOnline);
    assert.equal(online.code, 0, online.text);

    const batchFiles = tree(viaBatch).filter((f) => f !== 'medimageparse-batch-import.json');
    assert.deepEqual(batchFiles, tree(viaOnline), 'the same result folders and files');
    for (const f of batchFiles.filter((n) => n.endsWith('.png') || n.endsWith('.nii.gz')))
      assert.ok(
        fs.readFileSync(path.join(viaBatch, f)).equals(fs.readFileSync(path.join(viaOnline, f))),
        `${f} is the same as Parse Folder's`,
      );
    const strip = (s: Summary) => ({ counts: s.counts, rows: s.rows });
    assert.deepEqual(
      strip(readJson<Summary>(path.join(viaBatch, 'medimageparse-summary.json'))),
      strip(readJson<Summary>(path.join(viaOnline, 'medimageparse-summary.json'))),
    );
    assert.equal(
      fs.readFileSync(path.join(viaBatch, 'medimageparse-summary.csv'), 'utf8'),
      fs.readFileSync(path.join(viaOnline, 'medimageparse-summary.csv'), 'utf8'),
    );
    // Results at source resolution.
    const report = readJson<{ source: { width: number; height: number } }>(
      path.join(viaBatch, 'sub', 'path.png.medimageparse', 'report.json'),
    );
    const g = manifest.images.find((i) => i.source === 'sub/path.png')!.geometry!;
    assert.deepEqual([report.source.width, report.source.height], [g.sourceWidth, g.sourceHeight]);
  });
});
