/**
 * Imaging benchmark: prepares the golden inputs (decode + intensity + pad + B-spline resize +
 * PNG encode, i.e. openImage + prepareModelInput) in one process and reports the median per
 * image, the ratio against the Python reference timings, and the fidelity against the golden PNG
 * so speed is never bought with accuracy. A second table leaves out the PNG encoding (openImage +
 * modelInputPixels): the reference's timing covers its preprocessing to a uint8 array (steps 1–5
 * of the notes), not the PNG that is sent, which costs ~25 ms of deflate CPU on top.
 * The reference timings are Debian's Python 3.11 with scikit-image 0.19.3 on this machine class,
 * in-process, median of 5 (measured 2026-12-03; earlier measurements gave 150/210/420/810 ms).
 * Run: npm run bench imaging (bundled by esbuild as shipped, see scripts/bench.mjs).
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import {
  modelInputPixels,
  openImage,
  parseIntensitySpec,
  prepareModelInput,
  type IntensitySpec,
  type OpenOptions,
} from '../src/imaging';

const FIXTURES = path.join(__dirname, '..', 'test', 'fixtures');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 15;

interface Case {
  name: string;
  file: string;
  intensity: IntensitySpec;
  options?: OpenOptions;
  referenceMs: number;
  golden?: string;
}

function psnr(a: Uint8Array, b: Uint8Array): number {
  let se = 0;
  for (let i = 0; i < a.length; i++) se += (a[i] - b[i]) ** 2;
  return se === 0 ? Infinity : 10 * Math.log10((255 * 255 * a.length) / se);
}

async function main(): Promise<void> {
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'imaging-bench-'));
  // The reference's 1634² JPEG case: made here from a real sample (colour pathology, so all three
  // channels are resized: the harder case).
  const big = path.join(tmp, 'pathology_1634.jpeg');
  await sharp(path.join(FIXTURES, 'samples', 'Part_1_516_pathology_breast.png'))
    .removeAlpha()
    .resize(1634, 1634, { kernel: 'lanczos3' })
    .jpeg({ quality: 92 })
    .toFile(big);
  const bigGrey = path.join(tmp, 'oct_1634.jpeg');
  await sharp(path.join(FIXTURES, 'samples', '144DME_as_F.jpeg'))
    .resize(1634, 1634)
    .jpeg({ quality: 92 })
    .toFile(bigGrey);

  const cases: Case[] = [
    {
      name: '512² CT DICOM',
      file: path.join(FIXTURES, 'samples', 'CT_lung_nodule.dcm'),
      intensity: parseIntensitySpec('ct:lung'),
      referenceMs: 85,
      golden: 'ct_lung_dicom_lung_window.png',
    },
    {
      name: 'NIfTI slice',
      file: path.join(FIXTURES, 'samples', 'patient0500_2CH_half_sequence.nii.gz'),
      intensity: { kind: 'percentile' },
      options: { slice: 7 },
      referenceMs: 160,
      golden: 'camus_nifti_slice7.png',
    },
    {
      name: '512² JPEG',
      file: path.join(FIXTURES, 'samples', '144DME_as_F.jpeg'),
      intensity: { kind: 'auto' },
      referenceMs: 320,
      golden: 'oct_jpeg.png',
    },
    { name: '1634² JPEG (colour)', file: big, intensity: { kind: 'auto' }, referenceMs: 640 },
    { name: '1634² JPEG (grey)', file: bigGrey, intensity: { kind: 'auto' }, referenceMs: 640 },
  ];

  console.log(
    `imaging bench: ${RUNS} runs per image after 2 warm-up runs, node ${process.version}, ${os.cpus().length} cpus`,
  );
  console.log(
    `load average at start: ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} (timings are wall clock; CPU ms is this process's user+system time, threads included)`,
  );
  console.log(
    'case                   median ms   min ms   CPU ms   reference ms   speed-up   PSNR vs golden',
  );
  /** Median wall and CPU ms of `run` over RUNS runs after two warm-ups. */
  const measure = async (run: () => Promise<unknown>) => {
    const times: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS + 2; i++) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await run();
      const ms = performance.now() - t0;
      const used = process.cpuUsage(c0);
      if (i >= 2) {
        times.push(ms);
        cpu.push((used.user + used.system) / 1000);
      }
    }
    times.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return {
      median: times[Math.floor(times.length / 2)],
      min: times[0],
      cpu: cpu[Math.floor(cpu.length / 2)],
    };
  };
  const row = (
    name: string,
    m: { median: number; min: number; cpu: number },
    referenceMs: number,
    fidelity: string,
  ) =>
    `${name.padEnd(22)} ${m.median.toFixed(1).padStart(9)} ${m.min.toFixed(1).padStart(8)} ${m.cpu.toFixed(1).padStart(8)} ${String(referenceMs).padStart(14)} ${(referenceMs / m.median).toFixed(1).padStart(9)}×   ${fidelity}`;

  const pixelRows: string[] = [];
  for (const c of cases) {
    let rgb: Uint8Array | undefined;
    const full = await measure(async () => {
      rgb = (await prepareModelInput(await openImage(c.file, c.options), c.intensity)).rgb;
    });
    // What the Python reference's timing covers: decode to the uint8 RGB array, no PNG encoding.
    const pixels = await measure(async () =>
      modelInputPixels(await openImage(c.file, c.options), c.intensity),
    );
    let fidelity = '-';
    if (c.golden && rgb) {
      const { data } = await sharp(path.join(FIXTURES, 'golden', c.golden))
        .raw()
        .toBuffer({ resolveWithObject: true });
      const p = psnr(rgb, new Uint8Array(data));
      fidelity = p === Infinity ? 'identical' : `${p.toFixed(1)} dB`;
    }
    console.log(row(c.name, full, c.referenceMs, fidelity));
    pixelRows.push(row(`${c.name} [pixels]`, pixels, c.referenceMs, fidelity));
  }
  console.log(
    '\nwithout the PNG encoding (decode → 1024² uint8 RGB array, which is what the reference timing covers):',
  );
  for (const r of pixelRows) console.log(r);
  await fs.rm(tmp, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
