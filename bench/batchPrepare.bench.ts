/**
 * batch-prepare of 1,000 images (issue 15): throughput in images/s and peak memory, which must
 * stay flat (one image in memory at a time, rows streamed to disk) and under 1 GB.
 * The folder mixes the shipped samples' formats and sizes: a 256² PNG X-ray, a 512² CT DICOM, a
 * 1634×1070 OCT JPEG and a 1000² pathology PNG, 250 copies each, in 10 sub-folders.
 * Resident memory is sampled every 50 ms; "flat" means the resident set after the last image is
 * within FLAT_MARGIN_MB of the resident set after the first 200.
 * Run: npm run bench batchPrepare
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareBatch } from '../src/batch/batchEndpoint/prepare';

const IMAGES = Number(process.env.MEDIMAGEPARSE_BENCH_IMAGES ?? 1000);
const TARGET_PEAK_MB = 1024;
const FLAT_MARGIN_MB = 64;
const SAMPLES = [
  'covid_1585.png',
  'CT_lung_nodule.dcm',
  '144DME_as_F.jpeg',
  'Part_1_516_pathology_breast.png',
];

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

async function main(): Promise<number> {
  const samples = path.join(__dirname, '..', 'test', 'fixtures', 'samples');
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-batch-prepare-bench-'));
  try {
    const input = path.join(tmp, 'in');
    for (let i = 0; i < IMAGES; i++) {
      const sample = SAMPLES[i % SAMPLES.length];
      const dir = path.join(input, `part-${String(i % 10).padStart(2, '0')}`);
      await fs.mkdir(dir, { recursive: true });
      await fs.copyFile(
        path.join(samples, sample),
        path.join(dir, `${String(i).padStart(4, '0')}-${sample}`),
      );
    }
    const out = path.join(tmp, 'batch');
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
    const rssAt = new Map<number, number>();
    const startRss = process.memoryUsage().rss;
    const started = performance.now();
    const outcome = await prepareBatch(input, {
      targets: { kind: 'prompts', prompts: ['liver', 'kidney'] },
      modalityKey: 'CT-Abdomen',
      outDir: out,
      onProgress: (p) => {
        const rss = process.memoryUsage().rss;
        peakRss = Math.max(peakRss, rss);
        if (p.done === 200 || p.done === 500 || p.done === IMAGES) rssAt.set(p.done, rss);
      },
    });
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const maxRssMB = Math.round(process.resourceUsage().maxRSS / 1024);
    let bytes = 0;
    for (const f of outcome.inputFiles) bytes += (await fs.stat(f)).size;

    const imagesPerSecond = outcome.prepared / seconds;
    const after200 = rssAt.get(200);
    const atEnd = rssAt.get(IMAGES);
    const growthMB = after200 !== undefined && atEnd !== undefined ? mb(atEnd - after200) : null;
    const flat = growthMB !== null && growthMB <= FLAT_MARGIN_MB;
    const underTarget = maxRssMB <= TARGET_PEAK_MB;
    console.log(`batch-prepare of ${IMAGES} images (${SAMPLES.length} formats, 10 sub-folders)`);
    console.log(
      `  ${outcome.prepared} prepared, ${outcome.failed} failed, ${outcome.skipped} skipped; ` +
        `${outcome.rows} rows in ${outcome.inputFiles.length} files, ${mb(bytes)} MB`,
    );
    console.log(`  ${seconds.toFixed(1)} s: ${imagesPerSecond.toFixed(1)} images/s`);
    console.log(
      `  memory: rss at start ${mb(startRss)} MB, after 200 images ${after200 && mb(after200)} MB, ` +
        `after 500 ${rssAt.get(500) && mb(rssAt.get(500)!)} MB, at the end ${atEnd && mb(atEnd)} MB; ` +
        `peak sampled ${mb(peakRss)} MB, peak (maxRSS) ${maxRssMB} MB`,
    );
    console.log(
      `  flat: ${flat ? 'yes' : 'NO'} (${growthMB} MB from image 200 to the end, margin ${FLAT_MARGIN_MB} MB); ` +
        `under ${TARGET_PEAK_MB} MB: ${underTarget ? 'yes' : 'NO'}`,
    );
    console.log(
      `BENCH_JSON ${JSON.stringify({
        name: 'batchPrepare',
        images: IMAGES,
        prepared: outcome.prepared,
        rows: outcome.rows,
        files: outcome.inputFiles.length,
        outputMB: mb(bytes),
        seconds: Number(seconds.toFixed(2)),
        imagesPerSecond: Number(imagesPerSecond.toFixed(2)),
        rssStartMB: mb(startRss),
        rssAfter200MB: after200 && mb(after200),
        rssAfter500MB: rssAt.get(500) && mb(rssAt.get(500)!),
        rssEndMB: atEnd && mb(atEnd),
        peakRssMB: maxRssMB,
        growthMB,
        pass: { flat, underTarget, allPrepared: outcome.prepared === IMAGES },
      })}`,
    );
    return flat && underTarget && outcome.prepared === IMAGES ? 0 : 1;
  } finally {
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
