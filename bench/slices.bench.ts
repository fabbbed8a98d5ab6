/**
 * Slice browsing benchmark: what moving the viewer's slice slider costs on a CT-sized volume
 * (512×512×200 int16, as .nii.gz and as .nii), reading the file for every slice (what batch and
 * command-line runs do) versus from the volume the viewer keeps in memory (openImage's
 * keepVolume, see src/imaging/volumeCache.ts). Prints the median per slice change.
 * Run: npm run bench slices
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { openImage } from '../src/imaging';
import { volumeCache } from '../src/imaging/volumeCache';

const NX = 512;
const NY = 512;
const NZ = 200;
const SLICES = [10, 60, 100, 150, 190];

/** A NIfTI-1 int16 volume with smooth structure and a little noise (compresses like CT does). */
function volumeBytes(): Buffer {
  const header = Buffer.alloc(352);
  header.writeInt32LE(348, 0);
  [3, NX, NY, NZ, 1, 1, 1, 1].forEach((d, i) => header.writeInt16LE(d, 40 + 2 * i));
  header.writeInt16LE(4, 70); // int16
  header.writeInt16LE(16, 72);
  for (let i = 0; i < 8; i++) header.writeFloatLE(1, 76 + 4 * i);
  header.writeFloatLE(352, 108);
  header.write('n+1\0', 344, 'latin1');
  const data = Buffer.alloc(NX * NY * NZ * 2);
  for (let k = 0; k < NZ; k++)
    for (let j = 0; j < NY; j++)
      for (let i = 0; i < NX; i++) {
        const v = Math.round(
          800 * Math.sin(i / 40) * Math.cos(j / 50 + k / 30) + (((i * 7 + j * 13 + k * 3) % 23) - 11),
        );
        data.writeInt16LE(v, 2 * (i + NX * (j + NY * k)));
      }
  return Buffer.concat([header, data]);
}

async function median(run: (slice: number) => Promise<unknown>, rounds: number): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const slice of SLICES) {
      const t0 = performance.now();
      await run(slice);
      times.push(performance.now() - t0);
    }
  }
  times.sort((a, b) => a - b);
  return times[times.length >> 1];
}

async function main(): Promise<void> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'slices-bench-'));
  try {
    const raw = volumeBytes();
    const files = { '.nii.gz': path.join(dir, 'ct.nii.gz'), '.nii': path.join(dir, 'ct.nii') };
    await fs.writeFile(files['.nii.gz'], zlib.gzipSync(raw, { level: 6 }));
    await fs.writeFile(files['.nii'], raw);
    console.log(`slice browsing: ${NX}×${NY}×${NZ} int16 volume, slices ${SLICES.join(', ')}`);
    for (const [kind, file] of Object.entries(files)) {
      const fromFile = await median((slice) => openImage(file, { slice }), 2);
      volumeCache.clear();
      await openImage(file, { slice: 100, keepVolume: true });
      await volumeCache.settled();
      const kept = await median((slice) => openImage(file, { slice, keepVolume: true }), 4);
      console.log(`${kind.padEnd(8)} slice change: median ${fromFile.toFixed(1)} ms reading the file`);
      console.log(`${kind.padEnd(8)} slice change: median ${kept.toFixed(1)} ms from the kept volume`);
    }
  } finally {
    volumeCache.clear();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
