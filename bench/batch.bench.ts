/**
 * Batch benchmark (issue 7): Parse Folder over 200 images inside the real VS Code extension host
 * (VS Code server + headless Chromium), against the loopback test server with injected 429s,
 * cancelled after ~80 images and resumed. The measuring happens in
 * test/integration/batchBenchmark.test.ts (skipped in `npm test`); this script builds the
 * extension, runs that one test with MEDIMAGEPARSE_BENCH=1 and prints what it wrote.
 *
 *   npx tsx bench/batch.bench.ts
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const root = path.join(__dirname, '..');

interface IntegrationRun {
  exitCode: number;
  passed: number;
  failed: number;
  pending?: number;
}
type RunIntegrationTests = (options: {
  grep?: string;
  env?: Record<string, string>;
}) => Promise<IntegrationRun>;

/** What the test writes (see batchBenchmark.test.ts). */
interface BatchBenchResult {
  images: number;
  concurrency: number;
  cancelledAfter: number;
  run1: { seconds: number; parsed: number };
  run2: { seconds: number; parsed: number; skipped: number };
  imagesPerSecond: number;
  run2ImagesPerSecond: number;
  peakRssMB: number;
  peakHeapUsedMB: number;
  rssStartMB: number;
  rssAfter50MB: number | null;
  rssAfter200MB: number | null;
  rssEndMB: number;
  heapUsedAfter50MB: number | null;
  heapUsedAfter200MB: number | null;
  injected429: number;
  requests: number;
  answeredRequests: number;
  answersDroppedByCancel: number;
  vscodeVersion: string;
}

/** rss may grow this much from image 50 to image 200 before we call it growth, not noise. */
const FLAT_MARGIN_MB = 64;

async function main(): Promise<number> {
  process.chdir(root);
  // The extension host loads dist/extension.js: measure the current sources.
  const build = spawnSync(process.execPath, ['scripts/build.mjs'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (build.status !== 0) throw new Error('the extension build failed');
  const scripts = (p: string) => pathToFileURL(path.join(root, 'scripts', p)).href;
  const { ensureVSCodeServer } = (await import(scripts('vscode-server.mjs'))) as {
    ensureVSCodeServer(): string;
  };
  ensureVSCodeServer();
  const { runIntegrationTests } = (await import(scripts('run-integration-tests.mjs'))) as {
    runIntegrationTests: RunIntegrationTests;
  };

  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-batch-bench-out-'));
  const out = path.join(dir, 'batch.json');
  try {
    const run = await runIntegrationTests({
      grep: 'batch benchmark',
      env: { MEDIMAGEPARSE_BENCH: '1', MEDIMAGEPARSE_BENCH_OUT: out },
    });
    const text = await fs.readFile(out, 'utf8').catch(() => undefined);
    if (run.exitCode !== 0 || run.failed > 0 || !text) {
      console.error(
        `batch bench: the benchmark test ${text ? 'failed' : 'wrote no result'} (${run.passed} passed, ${run.failed} failed, ${run.pending ?? 0} pending); see test-results/integration.log`,
      );
      return 1;
    }
    const r = JSON.parse(text) as BatchBenchResult;
    const growth =
      r.rssAfter50MB !== null && r.rssAfter200MB !== null ? r.rssAfter200MB - r.rssAfter50MB : null;
    const flat = growth !== null && growth <= FLAT_MARGIN_MB;
    console.log(
      `batch of ${r.images} images in the VS Code ${r.vscodeVersion} extension host, concurrency ${r.concurrency}, ${r.injected429} injected 429s`,
    );
    console.log(
      `  run 1: ${r.run1.parsed} parsed in ${r.run1.seconds.toFixed(1)} s, then cancelled; run 2 (resume): ${r.run2.skipped} skipped, ${r.run2.parsed} parsed in ${r.run2.seconds.toFixed(1)} s`,
    );
    console.log(
      `  throughput ${r.imagesPerSecond.toFixed(2)} images/s overall (${r.run2ImagesPerSecond.toFixed(2)} in run 2); requests ${r.requests} (${r.answeredRequests} answered, ${r.answersDroppedByCancel} answer dropped by the cancel)`,
    );
    console.log(
      `  extension host memory: peak rss ${r.peakRssMB} MB, peak heapUsed ${r.peakHeapUsedMB} MB; rss start ${r.rssStartMB} MB, end ${r.rssEndMB} MB`,
    );
    console.log(
      `  rss after 50 images ${r.rssAfter50MB} MB, after 200 ${r.rssAfter200MB} MB (${growth === null ? '?' : `${growth >= 0 ? '+' : ''}${growth.toFixed(1)}`} MB: ${flat ? 'flat' : `GROWING, more than ${FLAT_MARGIN_MB} MB`}); heapUsed ${r.heapUsedAfter50MB} → ${r.heapUsedAfter200MB} MB`,
    );
    console.log(
      `BENCH_JSON ${JSON.stringify({ bench: 'batch', ...r, rssGrowth50to200MB: growth, memoryFlat: flat })}`,
    );
    return flat ? 0 : 1;
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}

// Exits explicitly: the integration runner's overall timeout timer would otherwise keep this
// process alive for its full 15 minutes after the run.
main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`batch bench: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
