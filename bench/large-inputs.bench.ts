/**
 * Tall, wide and huge inputs: time, CPU, peak memory and the longest event-loop block of
 * prepareModelInput (intensity → pad → resize → PNG) on images at the size limits, built in
 * memory as a decoder hands them over (8-bit grey raster, and a float CT slice). Each case runs in
 * its own child process (peak RSS is per process), several times; medians are reported.
 * Targets (issue 11): every case under 2 s, no event-loop block over 100 ms. "block CPU ms" is the
 * longest block measured as CPU time in a run with the resize worker off (see prepareWatched): what
 * a shared, busy machine cannot inflate. Peak RSS is the process's (images built in memory included).
 * Run: npm run bench large-inputs (bundled by esbuild as shipped, see scripts/bench.mjs).
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseIntensitySpec, prepareModelInput, type IntensitySpec, type SourceImage } from '../src/imaging';
import { stopResizeWorker } from '../src/imaging/resize/parallel';

interface Case {
  name: string;
  width: number;
  height: number;
  kind: 'grey8' | 'ct';
}

const CASES: Case[] = [
  { name: 'tall 512×30000 grey', width: 512, height: 30000, kind: 'grey8' },
  { name: 'tall 512×8000 grey', width: 512, height: 8000, kind: 'grey8' },
  { name: 'wide 30000×512 grey', width: 30000, height: 512, kind: 'grey8' },
  { name: 'huge 10000×10000 grey', width: 10000, height: 10000, kind: 'grey8' },
  { name: 'tall 512×30000 CT', width: 512, height: 30000, kind: 'ct' },
];
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;

/** A structured test image: smooth gradients, flat patches and edges (what resizes hard and fast alike). */
function makeImage(c: Case): { image: SourceImage; intensity: IntensitySpec } {
  const { width, height } = c;
  const n = width * height;
  if (c.kind === 'grey8') {
    const pixels = new Uint8Array(n);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++) {
        const flat = ((x >> 6) + (y >> 6)) % 3 === 0;
        pixels[y * width + x] = flat ? 200 : (x * 7 + y * 3 + ((x * y) >> 5)) & 255;
      }
    return {
      image: {
        file: `${c.name}.png`,
        format: 'raster',
        width,
        height,
        channels: 1,
        pixels,
        range: { min: 0, max: 255 },
        burnedInAnnotation: false,
        bitsStored: 8,
      },
      intensity: { kind: 'auto' },
    };
  }
  const pixels = new Float32Array(n);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const r = Math.hypot(x - width / 2, (y % 512) - 256);
      pixels[y * width + x] = r < 200 ? 40 + ((x * 13 + y * 7) % 80) : r < 240 ? 400 : -1000;
    }
  return {
    image: {
      file: `${c.name}.dcm`,
      format: 'dicom',
      width,
      height,
      channels: 1,
      pixels,
      range: { min: -1000, max: 400 },
      burnedInAnnotation: false,
      modalityHint: 'CT',
    },
    intensity: parseIntensitySpec('ct:abdomen'),
  };
}

interface Result {
  ms: number;
  cpuMs: number;
  maxBlockMs: number;
  peakRssMB: number;
  /** With the resize worker off: the most CPU the process used between two timer ticks. */
  maxBlockCpuMs?: number;
}

/**
 * One preparation, watched by a 1 ms timer: the longest gap between its ticks is the longest time
 * the event loop could not serve anything else (cross-checked with monitorEventLoopDelay's max).
 * On a machine shared with other work, a gap also counts time the OS gave the thread to others,
 * so the CPU the process used within each gap is recorded too: with the worker off, that is the
 * event-loop thread's own work, i.e. the block on an idle core.
 */
async function prepareWatched(image: SourceImage, intensity: IntensitySpec): Promise<Result> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let maxGap = 0;
  let maxGapCpu = 0;
  let ticking = true;
  const tick = () => {
    const now = performance.now();
    const cpu = process.cpuUsage(lastCpu);
    maxGap = Math.max(maxGap, now - last);
    maxGapCpu = Math.max(maxGapCpu, (cpu.user + cpu.system) / 1000);
    last = now;
    lastCpu = process.cpuUsage();
    if (ticking) setTimeout(tick, 1);
  };
  setTimeout(tick, 1);
  histogram.enable();
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const input = await prepareModelInput(image, intensity);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  ticking = false;
  await new Promise((resolve) => setTimeout(resolve, 5));
  histogram.disable();
  if (input.png.length < 1000) throw new Error('no model input');
  return {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxBlockMs: Math.max(maxGap, histogram.max / 1e6),
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    maxBlockCpuMs: maxGapCpu,
  };
}

/** One case in this process: RUNS preparations, then one with the resize worker off (see prepareWatched). */
async function runCase(c: Case): Promise<Result[]> {
  const { image, intensity } = makeImage(c);
  const results: Result[] = [];
  for (let i = 0; i < RUNS; i++)
    results.push({ ...(await prepareWatched(image, intensity)), maxBlockCpuMs: undefined });
  await stopResizeWorker();
  process.env.MEDIMAGEPARSE_RESIZE_WORKER = '0';
  const alone = await prepareWatched(image, intensity);
  results[0].maxBlockCpuMs = alone.maxBlockCpuMs;
  return results;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];

async function main(): Promise<void> {
  const only = process.argv.indexOf('--case');
  if (only > 0) {
    const c = CASES[Number(process.argv[only + 1])];
    console.log(`RESULT ${JSON.stringify(await runCase(c))}`);
    return;
  }
  console.log(
    `large inputs: prepareModelInput, ${RUNS} runs per case in a fresh process each case, node ${process.version}, ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    'case                         median ms   CPU ms   max block ms   block CPU ms   peak RSS MB   (targets: < 2000 ms; block < 100 ms)',
  );
  for (let i = 0; i < CASES.length; i++) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, process.argv[1], '--case', String(i), '--runs', String(RUNS)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 24,
      },
    );
    const line = /^RESULT (.*)$/m.exec(child.stdout ?? '');
    if (!line) {
      console.log(`${CASES[i].name}: failed\n${child.stdout}\n${child.stderr}`);
      process.exitCode = 1;
      continue;
    }
    const results = JSON.parse(line[1]) as Result[];
    const cells = [
      median(results.map((r) => r.ms))
        .toFixed(0)
        .padStart(9),
      median(results.map((r) => r.cpuMs))
        .toFixed(0)
        .padStart(8),
      median(results.map((r) => r.maxBlockMs))
        .toFixed(0)
        .padStart(14),
      (results[0].maxBlockCpuMs ?? NaN).toFixed(0).padStart(14),
      Math.max(...results.map((r) => r.peakRssMB))
        .toFixed(0)
        .padStart(13),
    ];
    console.log(`${CASES[i].name.padEnd(28)} ${cells.join(' ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
