import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inputFileName, prepareBatch } from '../../../src/batch/batchEndpoint/prepare';
import { openImage, prepareModelInput } from '../../../src/imaging';
import { intensityForRun } from '../../../src/pipeline/intensity';
import { modalityForKey } from '../../../src/shared/targets';
import { readCsv, simulateBatchJob } from '../../support/batchSimulator';
import { prepareSimulateImport, runCli } from '../../support/cliRun';
import { startPixelServer, type PixelServer } from '../../support/pixelServer';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');

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
  fs.copyFileSync(
    path.join(SAMPLES, 'patient0500_2CH_half_sequence.nii.gz'),
    path.join(input, 'heart.nii.gz'),
  );
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

  const cli = runCli;

  it('writes numbered input files in the notebook format whose images are the online model input, and a manifest that ties each row to them', async () => {
    const input = makeFolder(tmp);
    const out = path.join(tmp, 'batch');
    const r = await cli(
      'batch-prepare',
      input,
      '--prompt',
      'bright & medium',
      '--modality',
      'CT-Chest',
      '--out-dir',
      out,
      '--rows-per-file',
      '2',
    );
    assert.equal(r.code, 0, r.text);
    assert.deepEqual(tree(out), [
      'batch_input_001.csv',
      'batch_input_002.csv',
      'batch_input_003.csv',
      'manifest.json',
    ]);
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
      assert.deepEqual(
        records[0],
        ['', 'image', 'text'],
        "pandas to_csv's header: unnamed index, image, text",
      );
      assert.equal(records.length - 1, f.rows);
      records
        .slice(1)
        .forEach((rec, k) => assert.equal(rec[0], String(k), 'the index column counts from 0 in each file'));
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
    const args = ['--prompt', 'bright & medium', '--modality', 'CT-Chest'];
    const viaBatch = path.join(tmp, 'via-batch');
    const { manifestFile } = await prepareSimulateImport(tmp, input, args, viaBatch, {
      shuffleSeed: 7,
      prepareArgs: ['--rows-per-file', '2'],
    });

    const viaOnline = path.join(tmp, 'via-online');
    const online = await cli(
      'parse-folder',
      input,
      ...args,
      '--endpoint',
      server.url,
      '--out-dir',
      viaOnline,
    );
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
    const parsedRows = readJson<Summary>(path.join(viaBatch, 'medimageparse-summary.json')).rows;
    assert.equal(new Set(parsedRows.map((r) => r.image)).size, 5);
    assert.ok(
      parsedRows.filter((r) => (r.area as number) > 0).length >= 4,
      'the masks are not all empty, so the comparison means something',
    );
    // Results at source resolution.
    const report = readJson<{ source: { width: number; height: number } }>(
      path.join(viaBatch, 'sub', 'path.png.medimageparse', 'report.json'),
    );
    const manifest = readJson<Manifest>(manifestFile);
    const g = manifest.images.find((i) => i.source === 'sub/path.png')!.geometry!;
    assert.deepEqual([report.source.width, report.source.height], [g.sourceWidth, g.sourceHeight]);
  });

  /** prepare with two rows per file, for the failure tests. */
  const prepared = async (extra: string[] = []) => {
    const input = makeFolder(tmp);
    const batch = path.join(tmp, 'batch');
    const prep = await cli(
      'batch-prepare',
      input,
      '--prompt',
      'bright & medium',
      '--modality',
      'CT-Chest',
      '--out-dir',
      batch,
      '--rows-per-file',
      '2',
      ...extra,
    );
    assert.equal(prep.code, 0, prep.text);
    const manifestFile = path.join(batch, 'manifest.json');
    const manifest = readJson<Manifest>(manifestFile);
    return {
      input,
      batch,
      manifestFile,
      manifest,
      files: manifest.inputFiles.map((f) => path.join(batch, f.name)),
    };
  };
  const rowOf = (m: Manifest, source: string) => {
    const row = m.images.find((i) => i.source === source)!.rows![0];
    return { file: row.file, position: row.row };
  };

  it('reports a missing, a malformed and a wrongly counted row against their own images and imports every other image', async () => {
    const { manifest, manifestFile, files } = await prepared();
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(files, predictions, {
      shuffleSeed: 3,
      drop: [rowOf(manifest, 'ct.dcm')],
      corrupt: [
        { ...rowOf(manifest, 'sub/oct.jpeg'), how: 'truncated-json' },
        { ...rowOf(manifest, 'heart.nii.gz'), how: 'wrong-mask-count' },
      ],
      duplicate: [rowOf(manifest, 'chest.png')],
      extraLines: ['0,"{}",[],batch_input_999.csv', 'not-a-position,x,y', '"cut short'],
    });
    const out = path.join(tmp, 'out');
    const r = await cli('batch-import', predictions, '--manifest', manifestFile, '--out-dir', out);
    assert.equal(r.code, 1, 'an image failed');
    const summary = readJson<Summary>(path.join(out, 'medimageparse-summary.json'));
    const byImage = new Map<string, Record<string, unknown>[]>();
    for (const row of summary.rows)
      byImage.set(row.image as string, [...(byImage.get(row.image as string) ?? []), row]);
    assert.deepEqual(summary.counts, { total: 5, parsed: 2, skipped: 0, failed: 3, skippedBy: {} });
    const failure = (image: string) => {
      const rows = byImage.get(image)!;
      assert.equal(rows.length, 1);
      assert.equal(rows[0].status, 'failed');
      return rows[0].error as string;
    };
    assert.match(failure('ct.dcm'), /no prediction for batch_input_00\d\.csv row \d/);
    assert.match(
      failure('sub/oct.jpeg'),
      /predictions\.csv line \d+ \(batch_input_00\d\.csv row \d\).*image_features/,
    );
    assert.match(failure('heart.nii.gz'), /expected 2 mask\(s\), one per prompt/);
    for (const ok of ['chest.png', 'sub/path.png'])
      assert.deepEqual(new Set(byImage.get(ok)!.map((row) => row.status)), new Set(['parsed']), ok);
    assert.ok(fs.existsSync(path.join(out, 'chest.png.medimageparse', 'report.json')));
    assert.ok(!fs.existsSync(path.join(out, 'ct.dcm.medimageparse')), 'no result folder for a failed image');
    const report = readJson<{
      counts: Record<string, number>;
      unmatchedRows: { line: number; problem: string }[];
    }>(path.join(out, 'medimageparse-batch-import.json'));
    assert.equal(report.counts.duplicates, 1);
    assert.equal(report.counts.matched, 4);
    assert.equal(report.counts.unmatched, 3);
    assert.deepEqual(
      report.unmatchedRows.map((u) => u.problem.replace(/\d+/g, 'N')),
      [
        'batch_input_N.csv row N is not in the manifest',
        'column N is "not-a-position", not an input row position',
        'column N is "cut short", not an input row position',
      ],
    );
    assert.match(r.text, /failed: .*ct\.dcm: no prediction/);
  });

  it('reads the predictions of a job over one input file of several, without a file-name column, when told which file', async () => {
    const { manifest, manifestFile, files } = await prepared();
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob([files[1]], predictions, { fileColumn: false });
    const out = path.join(tmp, 'out');
    const refused = await cli('batch-import', predictions, '--manifest', manifestFile, '--out-dir', out);
    assert.equal(refused.code, 1);
    assert.match(
      refused.text,
      /no file-name column, and the manifest lists 3 input files: name the one this job read with --input-file/,
    );
    fs.rmSync(out, { recursive: true, force: true });
    const r = await cli(
      'batch-import',
      predictions,
      '--manifest',
      manifestFile,
      '--out-dir',
      out,
      '--input-file',
      path.basename(files[1]),
    );
    const inFile = manifest.images
      .filter((i) => i.rows![0].file === path.basename(files[1]))
      .map((i) => i.source);
    assert.equal(inFile.length, 2);
    const summary = readJson<Summary>(path.join(out, 'medimageparse-summary.json'));
    for (const row of summary.rows)
      assert.equal(
        row.status,
        inFile.includes(row.image as string) ? 'parsed' : 'failed',
        JSON.stringify(row),
      );
    assert.equal(r.code, 1, 'the images of the other files have no prediction');
    // The other files' predictions, imported into the same folder, complete it; done images are skipped.
    const rest = path.join(tmp, 'rest.csv');
    await simulateBatchJob([files[0], files[2]], rest, {});
    const again = await cli('batch-import', rest, '--manifest', manifestFile, '--out-dir', out);
    assert.equal(again.code, 0, again.text);
    const final = readJson<Summary>(path.join(out, 'medimageparse-summary.json'));
    assert.deepEqual(final.counts, {
      total: 5,
      parsed: 3,
      skipped: 2,
      failed: 0,
      skippedBy: { 'already-done': 2 },
    });
  });

  it('refuses to import an image whose source changed since it was prepared', async () => {
    const { input, manifestFile, files } = await prepared();
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(files, predictions, {});
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, 'sub', 'path.png'));
    fs.rmSync(path.join(input, 'chest.png'));
    const out = path.join(tmp, 'out');
    const r = await cli('batch-import', predictions, '--manifest', manifestFile, '--out-dir', out);
    assert.equal(r.code, 1);
    const rows = readJson<Summary>(path.join(out, 'medimageparse-summary.json')).rows;
    const error = (image: string) => rows.find((row) => row.image === image)!.error as string;
    assert.match(
      error('sub/path.png'),
      /is 256×256 now, .* when it was prepared|changed since batch-prepare/,
    );
    assert.match(error('chest.png'), /no such file/);
    assert.equal(rows.filter((row) => row.status === 'parsed').length > 0, true);
  });

  it('finds the sources in a folder that moved since it was prepared, when told where', async () => {
    const { input, manifestFile, files } = await prepared();
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(files, predictions, {});
    const moved = path.join(tmp, 'moved');
    fs.renameSync(input, moved);
    const out = path.join(tmp, 'out');
    const r = await cli(
      'batch-import',
      predictions,
      '--manifest',
      manifestFile,
      '--out-dir',
      out,
      '--source-dir',
      moved,
    );
    assert.equal(r.code, 0, r.text);
    const summary = readJson<Summary & { folder: string }>(path.join(out, 'medimageparse-summary.json'));
    assert.equal(summary.counts.parsed, 5);
    assert.equal(summary.folder, moved);
  });

  it('refuses a non-empty output folder, a bad manifest and bad options with a clear message, writing nothing', async () => {
    const input = makeFolder(tmp);
    const out = path.join(tmp, 'out');
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, 'keep.txt'), 'mine');
    const r = await cli(
      'batch-prepare',
      input,
      '--prompt',
      'bright',
      '--out-dir',
      out,
      '--modality',
      'CT-Chest',
    );
    assert.equal(r.code, 1);
    assert.match(r.text, /is not empty \(keep\.txt\)/);
    assert.deepEqual(fs.readdirSync(out), ['keep.txt']);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['in', 'out'], 'no staging folder left behind');
    const usage = await cli(
      'batch-prepare',
      input,
      '--prompt',
      'bright',
      '--out-dir',
      path.join(tmp, 'x'),
      '--rows-per-file',
      '0',
    );
    assert.equal(usage.code, 2);
    assert.match(usage.text, /--rows-per-file must be a whole number from 1 to 1000/);
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"kind": "something else"}');
    fs.writeFileSync(path.join(tmp, 'p.csv'), '');
    const imp = await cli(
      'batch-import',
      path.join(tmp, 'p.csv'),
      '--manifest',
      bad,
      '--out-dir',
      path.join(tmp, 'o'),
    );
    assert.equal(imp.code, 1);
    assert.match(
      imp.text,
      /bad\.json: not a batch manifest of this tool: "kind" is not "medimageparse-batch-manifest"/,
    );
    assert.ok(!fs.existsSync(path.join(tmp, 'o')));
    const mixedUp = await cli(
      'batch-prepare',
      input,
      '--prompt',
      'bright',
      '--modality',
      'CT-Chest',
      '--out-dir',
      path.join(tmp, 'b'),
    );
    assert.equal(mixedUp.code, 0, mixedUp.text);
    const swapped = await cli(
      'batch-import',
      path.join(tmp, 'b', 'batch_input_001.csv'),
      '--manifest',
      path.join(tmp, 'b', 'manifest.json'),
      '--out-dir',
      path.join(tmp, 'o'),
    );
    assert.equal(swapped.code, 1);
    assert.match(
      swapped.text,
      /batch_input_001\.csv: is a batch input file .*not the predictions the job wrote/,
    );
    assert.ok(!fs.existsSync(path.join(tmp, 'o')), 'nothing written');
  });

  it('imports recognition like Parse Folder --recognize', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    for (const name of ['a.png', 'b.png', 'c.png'])
      fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, name));
    const out = path.join(tmp, 'out');
    const { manifestFile } = await prepareSimulateImport(
      tmp,
      input,
      ['--recognize', '--modality', 'X-Ray-Chest'],
      out,
      { shuffleSeed: 1 },
    );
    assert.deepEqual(readJson<Manifest>(manifestFile).images[0].prompts, ['left lung', 'right lung']);
    const online = path.join(tmp, 'online');
    const o = await cli(
      'parse-folder',
      input,
      '--recognize',
      '--modality',
      'X-Ray-Chest',
      '--endpoint',
      server.url,
      '--out-dir',
      online,
    );
    assert.equal(o.code, 0, o.text);
    assert.equal(
      fs.readFileSync(path.join(out, 'medimageparse-summary.csv'), 'utf8'),
      fs.readFileSync(path.join(online, 'medimageparse-summary.csv'), 'utf8'),
    );
  });

  it('closes an input file before it passes the mask or byte bound, whatever the rows per file', async () => {
    const input = makeFolder(tmp);
    const masks = await prepareBatch(input, {
      targets: { kind: 'prompts', prompts: ['bright', 'medium'] },
      modalityKey: 'CT-Chest',
      outDir: path.join(tmp, 'masks'),
      maxMasksPerFile: 5,
    });
    assert.deepEqual(
      readJson<Manifest>(masks.manifest).inputFiles.map((f) => f.rows),
      [2, 2, 1],
      'two rows of two masks each, then the file is full',
    );
    const bytes = await prepareBatch(input, {
      targets: { kind: 'prompts', prompts: ['bright'] },
      modalityKey: 'CT-Chest',
      outDir: path.join(tmp, 'bytes'),
      maxFileBytes: 1,
    });
    const files = readJson<Manifest>(bytes.manifest).inputFiles;
    assert.deepEqual(
      files.map((f) => f.rows),
      [1, 1, 1, 1, 1],
      'a row larger than the bound still goes, alone',
    );
    assert.deepEqual(
      files.map((f) => f.name),
      [
        'batch_input_001.csv',
        'batch_input_002.csv',
        'batch_input_003.csv',
        'batch_input_004.csv',
        'batch_input_005.csv',
      ],
    );
    assert.equal(inputFileName(7, 1200), 'batch_input_0007.csv', 'padded to the width of the count');
  });

  it('leaves nothing behind when cancelled', async () => {
    const input = makeFolder(tmp);
    const abort = new AbortController();
    const outcome = await prepareBatch(input, {
      targets: { kind: 'prompts', prompts: ['bright'] },
      modalityKey: 'CT-Chest',
      outDir: path.join(tmp, 'out'),
      signal: abort.signal,
      onProgress: (p) => {
        if (p.done === 2) abort.abort();
      },
    });
    assert.equal(outcome.cancelled, true);
    assert.deepEqual(fs.readdirSync(tmp), ['in']);
  });

  it('carries targets with quotes and commas through the CSV text and the Python-style text_features', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, 'chest.png'));
    const batch = path.join(tmp, 'batch');
    const odd = 'it\'s, "odd"';
    const prep = await cli(
      'batch-prepare',
      input,
      '--prompt',
      'bright',
      '--prompt',
      odd,
      '--modality',
      'X-Ray-Chest',
      '--out-dir',
      batch,
    );
    assert.equal(prep.code, 0, prep.text);
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob([path.join(batch, 'batch_input_001.csv')], predictions);
    assert.ok(
      fs.readFileSync(predictions, 'utf8').includes(`"['bright', 'it\\'s, ""odd""']"`),
      'text_features as Python writes it (str of the list), quoted as pandas writes it',
    );
    const out = path.join(tmp, 'out');
    const r = await cli(
      'batch-import',
      predictions,
      '--manifest',
      path.join(batch, 'manifest.json'),
      '--out-dir',
      out,
    );
    assert.equal(r.code, 0, r.text);
    const rows = readJson<Summary>(path.join(out, 'medimageparse-summary.json')).rows;
    assert.deepEqual(
      rows.map((row) => row.target),
      ['bright', odd],
    );
    const report = readJson<{ prompts: string[] }>(path.join(out, 'chest.png.medimageparse', 'report.json'));
    assert.deepEqual(report.prompts, ['bright', odd]);
  });

  it('lists the images it skips (no modality, no recognition list) in the summary as Parse Folder does', async () => {
    const input = makeFolder(tmp);
    const batch = path.join(tmp, 'batch');
    const prep = await cli('batch-prepare', input, '--recognize', '--out-dir', batch);
    assert.equal(prep.code, 0, prep.text);
    const manifest = readJson<Manifest>(path.join(batch, 'manifest.json'));
    assert.ok(
      manifest.images.some((i) => i.status === 'skipped'),
      'some images have no modality of their own',
    );
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(
      manifest.inputFiles.map((f) => path.join(batch, f.name)),
      predictions,
      { shuffleSeed: 11 },
    );
    const out = path.join(tmp, 'out');
    const r = await cli(
      'batch-import',
      predictions,
      '--manifest',
      path.join(batch, 'manifest.json'),
      '--out-dir',
      out,
    );
    assert.equal(r.code, 0, r.text);
    const online = path.join(tmp, 'online');
    const o = await cli('parse-folder', input, '--recognize', '--endpoint', server.url, '--out-dir', online);
    assert.equal(o.code, 0, o.text);
    const strip = (s: Summary) => ({ counts: s.counts, rows: s.rows });
    assert.deepEqual(
      strip(readJson<Summary>(path.join(out, 'medimageparse-summary.json'))),
      strip(readJson<Summary>(path.join(online, 'medimageparse-summary.json'))),
    );
  });
});
