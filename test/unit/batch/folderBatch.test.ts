import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  completeExport,
  findImages,
  runFolderBatch,
  type BatchDeps,
  type BatchOptions,
} from '../../../src/batch/folderBatch';
import { endpointFolderDeps } from '../../../src/batch/folderDeps';
import { defaultExportDir } from '../../../src/export';
import { startFaultServer, type FaultServer } from '../../support/faultServer';
import { makeClient } from '../endpoint/helpers';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');
const PROMPTS = ['lung', 'nodule'];

/** Folders made by makeFolder, removed after each test. */
const folders: string[] = [];

/** A folder of real sample images (nested), copied `copies` times. */
async function makeFolder(copies: number): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-batch-'));
  folders.push(dir);
  for (let i = 0; i < copies; i++) {
    const sub = path.join(dir, `case${String(i).padStart(3, '0')}`);
    await fs.mkdir(sub, { recursive: true });
    await fs.copyFile(path.join(SAMPLES, 'covid_1585.png'), path.join(sub, 'xray.png'));
    await fs.copyFile(path.join(SAMPLES, 'CT_lung_nodule.dcm'), path.join(sub, 'ct.dcm'));
  }
  await fs.writeFile(path.join(dir, 'notes.txt'), 'not an image');
  return dir;
}

function deps(server: FaultServer, retryOverrides = {}): BatchDeps {
  const { client } = makeClient(`${server.url}/score`, {
    timeoutMs: 20_000,
    retry: { maxRetries: 5, maxWaitMs: 200, maxTotalMs: 10_000, ...retryOverrides },
  });
  return endpointFolderDeps({ client, endpointName: 'test' });
}

const OPTIONS: BatchOptions = { targets: { kind: 'prompts', prompts: PROMPTS }, concurrency: 2 };

/** Requests the server answered normally (faults consumed the others). */
function answered(server: FaultServer, faults: number): number {
  return server.requests.length - faults;
}

describe('Parse Folder (batch)', function () {
  this.timeout(120_000);
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());
  beforeEach(() => {
    server.requests.length = 0;
  });
  afterEach(async () => {
    for (const dir of folders.splice(0)) await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds the supported images below a folder, skipping its own export folders', async () => {
    const dir = await makeFolder(2);
    await fs.mkdir(path.join(dir, 'case000', 'xray'));
    await fs.copyFile(path.join(SAMPLES, 'covid_1585.png'), path.join(dir, 'case000', 'xray', 'lung.png'));
    for (const result of [
      'xray.png.medimageparse',
      'xray.png.medimageparse-2',
      '.ct.dcm.medimageparse.1.0badf00d.tmp',
    ]) {
      await fs.mkdir(path.join(dir, 'case001', result));
      await fs.copyFile(path.join(SAMPLES, 'covid_1585.png'), path.join(dir, 'case001', result, 'lung.png'));
    }
    const images = (await findImages(dir)).map((f) => path.relative(dir, f));
    assert.deepEqual(images, ['case000/ct.dcm', 'case000/xray.png', 'case001/ct.dcm', 'case001/xray.png']);
  });

  it('parses every image exactly once through injected 429s, exports each, and writes a summary', async () => {
    const dir = await makeFolder(6);
    const faults = 4;
    for (let i = 0; i < faults; i++)
      server.enqueue({ type: 'status', status: 429, headers: { 'retry-after-ms': '20' } });
    const outcome = await runFolderBatch(dir, deps(server), OPTIONS);
    assert.equal(outcome.total, 12);
    assert.equal(outcome.parsed, 12);
    assert.equal(outcome.failed, 0);
    assert.equal(answered(server, faults), 12, 'each image reached the endpoint successfully exactly once');
    for (const image of await findImages(dir)) {
      assert.ok(
        await completeExport(defaultExportDir({ file: image }), PROMPTS),
        `${image} has a complete export`,
      );
    }
    const csv = await fs.readFile(path.join(dir, 'medimageparse-summary.csv'), 'utf8');
    const lines = csv.trim().split('\n');
    assert.equal(
      lines[0],
      'image,status,target,area,areaMm2,instances,pValue,validity,error,exportFolder,reason,modalityKey',
    );
    assert.equal(lines.length, 1 + 12 * PROMPTS.length, 'one row per image and target');
    assert.ok(lines.some((l) => l.startsWith('case000/ct.dcm,parsed,lung,')));
    const json = JSON.parse(await fs.readFile(path.join(dir, 'medimageparse-summary.json'), 'utf8'));
    assert.equal(json.rows.length, 24);
  });

  it('resumes after a cancel without redoing finished images', async () => {
    const dir = await makeFolder(5);
    const abort = new AbortController();
    const first = await runFolderBatch(dir, deps(server), {
      ...OPTIONS,
      signal: abort.signal,
      onProgress: (p) => {
        if (p.parsed >= 4) abort.abort();
      },
    });
    assert.equal(first.cancelled, true);
    assert.ok(first.parsed >= 4 && first.parsed < 10, `parsed ${first.parsed} before the cancel`);
    const firstRequests = server.requests.length;
    const second = await runFolderBatch(dir, deps(server), OPTIONS);
    assert.equal(second.cancelled, false);
    assert.equal(second.skipped, first.parsed, 'finished images are skipped');
    assert.equal(second.parsed + second.skipped, 10);
    assert.equal(
      server.requests.length - firstRequests,
      second.parsed,
      'only unfinished images are sent again',
    );
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'medimageparse-summary.json'), 'utf8'));
    assert.equal(summary.rows.length, 20, 'skipped images keep their rows from the earlier report');
  });

  it('reports a failed image in the summary and goes on with the others', async () => {
    const dir = await makeFolder(2);
    await fs.writeFile(path.join(dir, 'case000', 'broken.dcm'), 'not a dicom');
    const outcome = await runFolderBatch(dir, deps(server), OPTIONS);
    assert.equal(outcome.failed, 1);
    assert.equal(outcome.parsed, 4);
    const failed = outcome.rows.find((r) => r.status === 'failed');
    assert.match(failed?.error ?? '', /broken\.dcm/);
  });
});
