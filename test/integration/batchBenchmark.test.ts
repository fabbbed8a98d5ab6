import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { completeExport, findImages, type BatchOutcome } from '../../src/batch/folderBatch';
import { parseFolder } from '../../src/commands/folderCommands';
import { defaultExportDir } from '../../src/export';
import { startFaultServer, type Fault, type FaultServer } from '../support/faultServer';
import { activateExtension, EXTENSION_ID } from './helpers';

/**
 * The batch benchmark (issue 7): Parse Folder over 200 images inside the real extension host,
 * against the loopback server with injected 429s, cancelled part-way and resumed. Measures the
 * extension host's memory (this process) while it runs. Skipped unless MEDIMAGEPARSE_BENCH=1
 * (bench/batch.bench.ts sets it and reads the JSON written to MEDIMAGEPARSE_BENCH_OUT).
 */

const IMAGES = 200;
const CANCEL_AFTER = 80;
const SAMPLES = ['covid_1585.png', '144DME_as_F.jpeg', 'CT_lung_nodule.dcm'];
const PROMPTS = ['lung', 'nodule'];
const ENDPOINT = 'batch-bench-loopback';
/** Per run: one 429 in every `RATE_LIMIT_EVERY` requests, this many times. */
const RATE_LIMITS_PER_RUN = 12;
const RATE_LIMIT_EVERY = 4;
const MB = 1024 * 1024;

interface Sample {
  t: number;
  rss: number;
  heapUsed: number;
}

/** 200 copies of the shipped samples spread over nested sub-folders. */
async function makeFolder(samplesDir: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-batch-bench-'));
  for (let i = 0; i < IMAGES; i++) {
    const sample = SAMPLES[i % SAMPLES.length];
    const sub = path.join(dir, `site${i % 4}`, `case${String(Math.floor(i / 10)).padStart(2, '0')}`);
    await fs.mkdir(sub, { recursive: true });
    const ext = sample.slice(sample.indexOf('.'));
    await fs.copyFile(
      path.join(samplesDir, sample),
      path.join(sub, `img${String(i).padStart(3, '0')}${ext}`),
    );
  }
  return dir;
}

/** 429s spread among normal answers, so no single image exhausts its retries. */
function rateLimitPattern(): Fault[] {
  const faults: Fault[] = [];
  for (let i = 0; i < RATE_LIMITS_PER_RUN; i++) {
    faults.push({
      type: 'status',
      status: 429,
      headers: { 'retry-after-ms': '50' },
      body: '{"error":"slow down"}',
    });
    // A zero delay is a normal answer: it only holds the 429s' places in the queue.
    for (let k = 1; k < RATE_LIMIT_EVERY; k++) faults.push({ type: 'slow', delayMs: 0 });
  }
  return faults;
}

/** "12/200 · 10 parsed, 2 already done, 0 failed · …" → done. */
function doneOf(message: string): number {
  const m = /^(\d+)\/(\d+) · /.exec(message);
  return m ? Number(m[1]) : -1;
}

const mb = (bytes: number) => Math.round((bytes / MB) * 10) / 10;

describe('batch benchmark', function () {
  this.timeout(20 * 60_000);

  it('parses 200 images once through a cancel and a resume, with 429s, and reports memory', async function () {
    if (process.env.MEDIMAGEPARSE_BENCH !== '1') this.skip();
    const api = await activateExtension();
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(extension);
    const folder = await makeFolder(path.join(extension.extensionPath, 'media', 'samples'));
    let server: FaultServer | undefined;
    const samples: Sample[] = [];
    const sample = (): Sample => {
      const m = process.memoryUsage();
      const s = { t: performance.now(), rss: m.rss, heapUsed: m.heapUsed };
      samples.push(s);
      return s;
    };
    const sampler = setInterval(sample, 100);
    try {
      server = await startFaultServer();
      await api.endpoints.save({ name: ENDPOINT, url: server.url, protocol: 'azureml', auth: 'none' });
      await api.endpoints.setActive(ENDPOINT);
      const concurrency = vscode.workspace
        .getConfiguration('medimageparse.batch')
        .get<number>('concurrency', 2);
      const files = await findImages(folder);
      assert.equal(files.length, IMAGES, 'the benchmark folder holds 200 images');
      const deps = { endpoints: api.endpoints, runner: api.runner, log: api.log };
      const start = sample();

      // Run 1: cancelled once CANCEL_AFTER images are done.
      server.enqueue(...rateLimitPattern());
      const cts = new vscode.CancellationTokenSource();
      let at50: Sample | undefined;
      const t1 = performance.now();
      const run1 = await parseFolder(
        vscode.Uri.file(folder),
        { targets: { kind: 'prompts', prompts: PROMPTS }, modalityKey: 'CT-Chest' },
        deps,
        cts.token,
        (message) => {
          const done = doneOf(message);
          if (done >= 50 && !at50) at50 = sample();
          if (done >= CANCEL_AFTER) cts.cancel();
        },
      );
      const seconds1 = (performance.now() - t1) / 1000;
      cts.dispose();
      // An answer the cancel dropped may still be on its way out of the server: let it land.
      await new Promise((r) => setTimeout(r, 500));
      const afterRun1 = sample();
      const answered1 = server.computeMs.length;
      assert.equal(run1.cancelled, true, 'the first run was cancelled');
      assert.equal(run1.failed, 0, `run 1 failures: ${failures(run1)}`);
      assert.ok(run1.parsed >= CANCEL_AFTER && run1.parsed < IMAGES, `run 1 parsed ${run1.parsed}`);
      const exported1 = await countComplete(files);
      assert.equal(exported1, run1.parsed, 'exactly the images run 1 parsed have a complete export');

      // Run 2: resumes; only the rest is sent.
      server.enqueue(...rateLimitPattern());
      const t2 = performance.now();
      let at200: Sample | undefined;
      const run2 = await parseFolder(
        vscode.Uri.file(folder),
        { targets: { kind: 'prompts', prompts: PROMPTS }, modalityKey: 'CT-Chest' },
        deps,
        undefined,
        (message) => {
          if (doneOf(message) >= IMAGES && !at200) at200 = sample();
        },
      );
      const seconds2 = (performance.now() - t2) / 1000;
      const end = sample();
      assert.equal(run2.cancelled, false);
      assert.equal(run2.failed, 0, `run 2 failures: ${failures(run2)}`);
      assert.equal(run2.skipped, run1.parsed, 'run 2 skipped every image run 1 finished');
      assert.equal(run2.parsed, IMAGES - run1.parsed, 'run 2 parsed only the rest');
      assert.equal(await countComplete(files), IMAGES, 'every image has a complete export');

      const answered = server.computeMs.length;
      const answered2 = answered - answered1;
      assert.equal(answered2, run2.parsed, 'run 2: one answered request per parsed image');
      // With more than one worker the cancel may drop an answer already sent for an image that was
      // not finished; that image is parsed again (once) by run 2.
      const dropped = answered1 - run1.parsed;
      assert.ok(dropped >= 0 && dropped <= concurrency - 1, `answers dropped by the cancel: ${dropped}`);
      const injected = 2 * RATE_LIMITS_PER_RUN;
      const unanswered = server.requests.length - answered;
      assert.ok(
        unanswered >= injected && unanswered <= injected + concurrency - 1,
        `${unanswered} requests without a normal answer for ${injected} injected 429s`,
      );

      const peak = (key: 'rss' | 'heapUsed') => Math.max(...samples.map((s) => s[key]));
      const result = {
        images: IMAGES,
        prompts: PROMPTS,
        concurrency,
        cancelledAfter: run1.parsed,
        run1: { seconds: seconds1, parsed: run1.parsed, cancelled: run1.cancelled },
        run2: { seconds: seconds2, parsed: run2.parsed, skipped: run2.skipped },
        imagesPerSecond: IMAGES / (seconds1 + seconds2),
        run2ImagesPerSecond: run2.parsed / seconds2,
        peakRssMB: mb(peak('rss')),
        peakHeapUsedMB: mb(peak('heapUsed')),
        rssStartMB: mb(start.rss),
        rssAfter50MB: at50 ? mb(at50.rss) : null,
        rssAfterRun1MB: mb(afterRun1.rss),
        rssAfter200MB: at200 ? mb(at200.rss) : null,
        rssEndMB: mb(end.rss),
        heapUsedStartMB: mb(start.heapUsed),
        heapUsedAfter50MB: at50 ? mb(at50.heapUsed) : null,
        heapUsedAfter200MB: at200 ? mb(at200.heapUsed) : null,
        heapUsedEndMB: mb(end.heapUsed),
        memorySamples: samples.length,
        injected429: injected,
        requests: server.requests.length,
        answeredRequests: answered,
        answersDroppedByCancel: dropped,
        vscodeVersion: vscode.version,
        node: process.version,
      };
      const out = process.env.MEDIMAGEPARSE_BENCH_OUT;
      if (out) await fs.writeFile(out, JSON.stringify(result, null, 1) + '\n');
    } finally {
      clearInterval(sampler);
      await server?.close();
      if (api.endpoints.get(ENDPOINT)) await api.endpoints.remove(ENDPOINT);
      await api.endpoints.setActive('demo');
      await fs.rm(folder, { recursive: true, force: true });
    }
  });
});

async function countComplete(files: string[]): Promise<number> {
  let n = 0;
  for (const file of files) if (await completeExport(defaultExportDir({ file }), PROMPTS)) n++;
  return n;
}

function failures(outcome: BatchOutcome): string {
  const failed = outcome.rows.filter((r) => r.status === 'failed');
  return failed.length
    ? failed
        .slice(0, 3)
        .map((r) => `${r.image}: ${r.error}`)
        .join('; ')
    : 'none';
}
