import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../../src/cli/main';
import { startFaultServer, type FaultServer } from '../../support/faultServer';
import { captureIO } from '../../support/cliRun';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');

const capture = captureIO;

const listing = (dir: string) => fs.readdirSync(dir).sort();

describe('medparse parse: re-runs, prompts with "/" and files without extension', function () {
  this.timeout(60_000);
  let server: FaultServer;
  let tmp: string;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-rerun-'));
    server.requests.length = 0;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const parse = async (...args: string[]) => {
    const io = capture();
    const code = await main(['parse', ...args, '--endpoint', `${server.url}/score`], io);
    return { code, io };
  };

  it('a second parse of the same image goes to a new numbered folder; the first stays whole', async () => {
    const image = path.join(tmp, 'chest.png');
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), image);
    assert.equal((await parse(image, '--prompt', 'left lung & right lung')).code, 0);
    const second = await parse(image, '--prompt', 'lung');
    assert.equal(second.code, 0, second.io.stderr.join('\n'));
    assert.deepEqual(listing(tmp), ['chest.png', 'chest.png.medimageparse', 'chest.png.medimageparse-2']);
    assert.deepEqual(listing(path.join(tmp, 'chest.png.medimageparse')), [
      'labels.png',
      'left_lung.png',
      'report.json',
      'right_lung.png',
    ]);
    assert.deepEqual(listing(path.join(tmp, 'chest.png.medimageparse-2')), [
      'labels.png',
      'lung.png',
      'report.json',
    ]);
    assert.match(second.io.stdout.join('\n'), /chest\.png\.medimageparse-2[/\\]report\.json/);
  });

  it('--out-dir holding a result is refused before anything is sent; --overwrite replaces it as one unit', async () => {
    const image = path.join(tmp, 'chest.png');
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), image);
    const out = path.join(tmp, 'out');
    assert.equal((await parse(image, '--prompt', 'left lung & right lung', '--out-dir', out)).code, 0);
    assert.equal(server.requests.length, 1);

    const refused = await parse(image, '--prompt', 'lung', '--out-dir', out);
    assert.equal(refused.code, 1);
    assert.match(refused.io.stderr.join('\n'), /out already holds files .*--overwrite/);
    assert.equal(server.requests.length, 1, 'refused before the request');
    assert.deepEqual(listing(out), ['labels.png', 'left_lung.png', 'report.json', 'right_lung.png']);

    const replaced = await parse(image, '--prompt', 'lung', '--out-dir', out, '--overwrite');
    assert.equal(replaced.code, 0, replaced.io.stderr.join('\n'));
    assert.deepEqual(listing(out), ['labels.png', 'lung.png', 'report.json'], 'no mask of the old run stays');
    const report = JSON.parse(fs.readFileSync(path.join(out, 'report.json'), 'utf8'));
    assert.deepEqual(report.prompts, ['lung']);
    assert.deepEqual(listing(tmp), ['chest.png', 'out'], 'no temporary is left');
  });

  it('sends a prompt with "/" and a DICOM without extension, and writes their result', async () => {
    const image = path.join(tmp, 'IM0001');
    fs.copyFileSync(path.join(SAMPLES, 'CT_lung_nodule.dcm'), image);
    const { code, io } = await parse(image, '--prompt', 'T1/T2 lesion & T1 T2 lesion');
    assert.equal(code, 0, io.stderr.join('\n'));
    const dir = path.join(tmp, 'IM0001.medimageparse');
    assert.deepEqual(listing(dir), [
      'T1_T2_lesion-2.png',
      'T1_T2_lesion.png',
      'labels.png',
      'report.json',
      'segmentation.dcm',
    ]);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    assert.deepEqual(
      report.targets.map((t: { name: string; maskFile: string }) => [t.name, t.maskFile]),
      [
        ['T1/T2 lesion', 'T1_T2_lesion.png'],
        ['T1 T2 lesion', 'T1_T2_lesion-2.png'],
      ],
    );
  });

  it('refuses --overwrite without --out-dir, and an --out-dir that is a file, before sending', async () => {
    const image = path.join(tmp, 'chest.png');
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), image);
    const usage = await parse(image, '--prompt', 'lung', '--overwrite');
    assert.equal(usage.code, 2);
    const file = path.join(tmp, 'notes.txt');
    fs.writeFileSync(file, 'mine');
    const notFolder = await parse(image, '--prompt', 'lung', '--out-dir', file);
    assert.equal(notFolder.code, 1);
    assert.match(notFolder.io.stderr.join('\n'), /notes\.txt: exists and is not a folder/);
    assert.equal(server.requests.length, 0);
    assert.equal(fs.readFileSync(file, 'utf8'), 'mine');
  });
});
