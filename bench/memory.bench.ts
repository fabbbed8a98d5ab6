/**
 * Peak memory of opening large pictures (and of preparing their model input), each in its own
 * child process so that one case's garbage does not count against the next: the peak resident
 * set (maxRSS) after openImage, and after prepareModelInput. Target: opening any accepted input
 * stays under 1 GB; inputs past the limits are refused before their pixels are decoded.
 * Cases: 100-megapixel 8-bit RGB and 16-bit grey PNGs, a 34-megapixel 16-bit RGB PNG (just under
 * its limit) and a 100-megapixel 16-bit RGB PNG (refused).
 * Run: npm run bench memory
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { openImage, prepareModelInput } from '../src/imaging';

const TARGET_MB = 1024;

interface Measured {
  ok: boolean;
  error?: string;
  openPeakMB: number;
  preparePeakMB?: number;
  openMs: number;
}

/** Child: open (and prepare) one file, print what it cost. */
async function child(file: string): Promise<void> {
  const started = performance.now();
  const result: Measured = { ok: false, openPeakMB: 0, openMs: 0 };
  try {
    const image = await openImage(file);
    result.openMs = Math.round(performance.now() - started);
    result.openPeakMB = Math.round(process.resourceUsage().maxRSS / 1024);
    await prepareModelInput(image, { kind: 'auto' });
    result.preparePeakMB = Math.round(process.resourceUsage().maxRSS / 1024);
    result.ok = true;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
    result.openMs = Math.round(performance.now() - started);
    result.openPeakMB = Math.round(process.resourceUsage().maxRSS / 1024);
  }
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function measure(file: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...process.execArgv, __filename, '--child', file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    proc.stdout.setEncoding('utf8');
    proc.stdout.on('data', (d: string) => (out += d));
    proc.on('error', reject);
    proc.on('close', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as Measured);
      } catch {
        reject(new Error(`child exited ${code} without a result: ${out.slice(0, 500)}`));
      }
    });
  });
}

/** A noisy PNG (noise defeats compression, so the decoder really works), written by libvips. */
async function makePng(file: string, side: number, channels: 1 | 3, deep: boolean): Promise<void> {
  const noise = sharp({
    create: {
      width: side,
      height: side,
      channels: 3,
      background: { r: 0, g: 0, b: 0 },
      noise: { type: 'gaussian', mean: 128, sigma: 30 },
    },
  });
  const coloured =
    channels === 1
      ? noise.toColourspace(deep ? 'grey16' : 'b-w')
      : noise.toColourspace(deep ? 'rgb16' : 'srgb');
  await coloured.png({ compressionLevel: 1 }).toFile(file);
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-memory-bench-'));
  const cases: { name: string; side: number; channels: 1 | 3; deep: boolean; accepted: boolean }[] = [
    { name: '100 MP 8-bit RGB PNG', side: 10_000, channels: 3, deep: false, accepted: true },
    { name: '100 MP 16-bit grey PNG', side: 10_000, channels: 1, deep: true, accepted: true },
    { name: '34 MP 16-bit RGB PNG', side: 5_800, channels: 3, deep: true, accepted: true },
    { name: '100 MP 16-bit RGB PNG', side: 10_000, channels: 3, deep: true, accepted: false },
  ];
  const rows: Record<string, unknown>[] = [];
  let failed = false;
  try {
    for (const c of cases) {
      const file = path.join(dir, `${c.name.replace(/\W+/g, '_')}.png`);
      await makePng(file, c.side, c.channels, c.deep);
      const m = await measure(file);
      await fs.rm(file, { force: true });
      const within = m.openPeakMB < TARGET_MB;
      const asExpected = m.ok === c.accepted;
      if (!within || !asExpected) failed = true;
      console.log(
        `${c.name}: ${m.ok ? 'opened' : `refused (${m.error})`} in ${m.openMs} ms, peak ${m.openPeakMB} MB on open` +
          `${m.preparePeakMB ? `, ${m.preparePeakMB} MB with the model input` : ''}` +
          `${within ? '' : ` — OVER the ${TARGET_MB} MB target`}${asExpected ? '' : ' — UNEXPECTED outcome'}`,
      );
      rows.push({ case: c.name, ...m });
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
  console.log(`BENCH_JSON ${JSON.stringify({ name: 'memory', targetMB: TARGET_MB, rows })}`);
  if (failed) process.exitCode = 1;
}

if (process.argv[2] === '--child') void child(process.argv[3]);
else void main();
