/**
 * Evaluation benchmark: `evaluate` over 1,000 image/target pairs at 1024² (100 images × 10
 * targets), HD95 and ASSD included, from mask PNGs on disk (predictions as our exports write them,
 * one grey channel; truth as BiomedParse's datasets do, RGBA) to metrics.csv, summary.json and
 * report.html. The bar: median under 10 s. Also the metrics alone on masks in memory.
 *
 *   npx tsx bench/evaluate.bench.ts [--runs N]
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { compareMasks } from '../src/analysis/metrics';
import { evaluateFolders } from '../src/evaluate/evaluate';
import { writeEvaluation } from '../src/evaluate/writeEvaluation';

export const EVALUATE_BUDGET_MS = 10_000;
const N = 1024;
const IMAGES = 100;
const TARGETS = 10;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** A wobbly blob (an ellipse with a wavy rim) of radius r around (cx, cy), 0/255. */
function blob(cx: number, cy: number, r: number, aspect: number, wobble: number, phase: number): Uint8Array {
  const m = new Uint8Array(N * N);
  const y0 = Math.max(0, Math.floor(cy - r * 1.3));
  const y1 = Math.min(N - 1, Math.ceil(cy + r * 1.3));
  for (let y = y0; y <= y1; y++)
    for (let x = 0; x < N; x++) {
      const dx = (x - cx) / r;
      const dy = (y - cy) / (r * aspect);
      const a = Math.atan2(dy, dx);
      if (dx * dx + dy * dy <= (1 + wobble * Math.sin(5 * a + phase)) ** 2) m[y * N + x] = 255;
    }
  return m;
}

async function makeFolders(
  root: string,
): Promise<{ pred: string; truth: string; pairs: [Uint8Array, Uint8Array][] }> {
  const pred = path.join(root, 'pred');
  const truth = path.join(root, 'truth');
  await fs.mkdir(pred);
  await fs.mkdir(truth);
  // 40 distinct pairs, small organs to half the image, prediction off by a few pixels and a wobble.
  const distinct = 40;
  const pairs: [Uint8Array, Uint8Array][] = [];
  const files: { pred: Buffer; truth: Buffer }[] = [];
  for (let k = 0; k < distinct; k++) {
    const r = 12 + ((k * 271) % 300);
    const cx = 512 + ((k * 37) % 200) - 100;
    const cy = 512 + ((k * 53) % 160) - 80;
    const t = blob(cx, cy, r, 0.7 + (k % 5) * 0.1, 0.08, k);
    const p = blob(
      cx + (k % 7) - 3,
      cy - (k % 5) + 2,
      r * (0.92 + (k % 3) * 0.06),
      0.7 + (k % 5) * 0.1,
      0.1,
      k + 0.4,
    );
    pairs.push([p, t]);
    const rgba = Buffer.alloc(N * N * 4);
    for (let i = 0; i < N * N; i++) {
      rgba.fill(t[i], i * 4, i * 4 + 3);
      rgba[i * 4 + 3] = 255;
    }
    files.push({
      pred: await sharp(p, { raw: { width: N, height: N, channels: 1 } })
        .toColourspace('b-w')
        .png()
        .toBuffer(),
      truth: await sharp(rgba, { raw: { width: N, height: N, channels: 4 } })
        .png()
        .toBuffer(),
    });
  }
  for (let i = 0; i < IMAGES; i++)
    for (let j = 0; j < TARGETS; j++) {
      const f = files[(i * TARGETS + j) % distinct];
      const name = `case${String(i).padStart(3, '0')}_target+${j}.png`;
      await fs.writeFile(path.join(pred, name), f.pred);
      await fs.writeFile(path.join(truth, name), f.truth);
    }
  return { pred, truth, pairs };
}

async function main() {
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-evaluate-bench-'));
  try {
    const { pred, truth, pairs } = await makeFolders(root);
    const wall: number[] = [];
    const cpu: number[] = [];
    let scored = 0;
    for (let r = 0; r < runs; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const evaluation = await evaluateFolders(pred, truth);
      await writeEvaluation(evaluation, path.join(root, `out${r}`));
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
      scored = evaluation.pairs.length;
      if (evaluation.pairs.some((p) => p.metrics.hd95 === null)) throw new Error('a pair has no HD95');
    }
    if (scored !== IMAGES * TARGETS) throw new Error(`scored ${scored} pairs, expected ${IMAGES * TARGETS}`);
    const binary = pairs.map(([p, t]) => [p.map((v) => (v ? 1 : 0)), t.map((v) => (v ? 1 : 0))] as const);
    const metricsOnly: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now();
      for (let i = 0; i < IMAGES * TARGETS; i++) {
        const [p, t] = binary[i % binary.length];
        compareMasks(p, t, [N, N], [0.8, 0.8]);
      }
      metricsOnly.push(performance.now() - t0);
    }
    const m = median(wall);
    console.log(
      `evaluate of ${scored} pairs at ${N}² (PNG decoding, metrics with HD95/ASSD, CSV/JSON/HTML): median ${(m / 1000).toFixed(2)} s wall, ${(median(cpu) / 1000).toFixed(2)} s CPU over ${runs} runs; budget ${EVALUATE_BUDGET_MS / 1000} s ${m < EVALUATE_BUDGET_MS ? 'met' : 'MISSED'}`,
    );
    console.log(
      `metrics alone (masks in memory): median ${(median(metricsOnly) / 1000).toFixed(2)} s for ${IMAGES * TARGETS} pairs (${(median(metricsOnly) / (IMAGES * TARGETS)).toFixed(2)} ms per pair)`,
    );
    console.log(
      `BENCH_JSON ${JSON.stringify({
        name: 'evaluate',
        pairs: scored,
        size: N,
        runs,
        medianMs: Math.round(m),
        cpuMs: Math.round(median(cpu)),
        metricsOnlyMs: Math.round(median(metricsOnly)),
        budgetMs: EVALUATE_BUDGET_MS,
        met: m < EVALUATE_BUDGET_MS,
        loadAverage: os.loadavg()[0],
      })}`,
    );
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
