import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import { encodeNiftiUint8 } from '../../../src/export/nifti';
import { writeDicomSeries } from '../../support/dicomSeries';
import { readNifti } from '../../support/niftiRead';
import { startPixelServer, type PixelServer } from '../../support/pixelServer';
import { startVolume3dServer } from '../../support/volume3dServer';

/**
 * Whole-volume parsing, slice by slice, against a loopback endpoint whose masks are computed
 * from the pixels it receives: a phantom with a bright box (250) and a medium box (100) in known
 * voxels, sent with a fixed window so the endpoint sees them as 192…252 and 64…191. The exported
 * labels must hold exactly those voxels, in world coordinates, for a NIfTI and for a DICOM series.
 */

const DIMS: [number, number, number] = [40, 32, 6];
const BRIGHT = { i: [5, 15], j: [4, 12], k: [1, 4] };
const MEDIUM = { i: [20, 35], j: [10, 28], k: [2, 6] };
const inBox = (b: typeof BRIGHT, i: number, j: number, k: number) =>
  i >= b.i[0] && i < b.i[1] && j >= b.j[0] && j < b.j[1] && k >= b.k[0] && k < b.k[1];

/**
 * Phantom value at voxel (i, j, k). A 2×2 marker at 255 in the corner of every slice fixes each
 * slice's min..max to 0..255: the reference scales every slice's clipped values by their own
 * range, so without it the medium box would become 255 on slices without the bright box.
 */
function phantom(i: number, j: number, k: number): number {
  if (i < 2 && j < 2) return 255;
  return inBox(BRIGHT, i, j, k) ? 250 : inBox(MEDIUM, i, j, k) ? 100 : 0;
}

function phantomVolume(): Uint8Array {
  const [nx, ny, nz] = DIMS;
  const v = new Uint8Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) v[i + nx * (j + ny * k)] = phantom(i, j, k);
  return v;
}

const boxVoxels = (b: typeof BRIGHT) => (b.i[1] - b.i[0]) * (b.j[1] - b.j[0]) * (b.k[1] - b.k[0]);

/** World coordinates (rounded to 0.01 mm) of every voxel whose value satisfies `pick`. */
function worldPoints(
  n: { header: { dims: number[] }; values: ArrayLike<number>; affine: number[][] },
  pick: (v: number) => boolean,
): string[] {
  const [nx, ny, nz] = [n.header.dims[1], n.header.dims[2], n.header.dims[3]];
  const out: string[] = [];
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) {
        if (!pick(n.values[i + nx * (j + ny * k)])) continue;
        out.push(
          n.affine
            .slice(0, 3)
            .map((r) => (r[0] * i + r[1] * j + r[2] * k + r[3]).toFixed(2))
            .join(','),
        );
      }
  return out.sort();
}

let tmp: string;
let server: PixelServer;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-volume-'));
  server = await startPixelServer();
});
afterEach(async () => {
  await server.close();
  await fs.rm(tmp, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

const AFFINE = [
  [-0.8, 0, 0, 30],
  [0, 0.9, 0, -12],
  [0, 0, 2.5, 7],
  [0, 0, 0, 1],
];

describe('parse-volume (slice by slice)', function () {
  // Whole volumes through a real loopback endpoint: a guard against hangs, not a speed limit.
  this.timeout(300_000);

  it('NIfTI: labels, masks and figures hold exactly the phantom voxels on the source grid', async () => {
    const source = path.join(tmp, 'phantom.nii.gz');
    await fs.writeFile(
      source,
      encodeNiftiUint8({ dims: DIMS, spacing: [0.8, 0.9, 2.5], affine: AFFINE }, phantomVolume(), {
        description: 'phantom',
        maxValue: 250,
        intentName: '',
      }),
    );
    const outDir = path.join(tmp, 'out');
    const run = await cli(
      'parse-volume',
      source,
      '--prompt',
      'bright & medium',
      '--endpoint',
      server.url,
      '--intensity',
      'window:0,255',
      '--out-dir',
      outDir,
    );
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.equal(server.requests, DIMS[2]); // one request per slice, all prompts in it
    const line = JSON.parse(run.out.at(-1)!);
    const dir = path.join(outDir, 'phantom.nii.gz');
    assert.equal(line.output, dir);

    const labels = await readNifti(path.join(dir, 'labels.nii.gz'));
    assert.deepEqual(labels.header.dims.slice(0, 4), [3, ...DIMS]);
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) assert.ok(Math.abs(labels.affine[r][c] - AFFINE[r][c]) < 1e-5);
    let wrong = 0;
    const [nx, ny, nz] = DIMS;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          const expected = inBox(BRIGHT, i, j, k) ? 1 : inBox(MEDIUM, i, j, k) ? 2 : 0;
          if (labels.values[i + nx * (j + ny * k)] !== expected) wrong++;
        }
    assert.equal(wrong, 0, `${wrong} voxels labelled wrongly`);
    const bright = await readNifti(path.join(dir, 'bright.nii.gz'));
    assert.equal(
      Array.from(bright.values).reduce((a, v) => a + v, 0),
      boxVoxels(BRIGHT),
    );

    const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
    const [b, m] = report.targets;
    assert.deepEqual(
      [b.name, b.label, b.voxels, b.slices, b.components],
      ['bright', 1, boxVoxels(BRIGHT), [1, 3], 1],
    );
    assert.deepEqual(
      [m.name, m.label, m.voxels, m.slices, m.components],
      ['medium', 2, boxVoxels(MEDIUM), [2, 5], 1],
    );
    // pixdim is float32 in the file: 0.8 reads back as 0.800000011920929.
    assert.ok(Math.abs(b.volumeMl - (boxVoxels(BRIGHT) * 0.8 * 0.9 * 2.5) / 1000) < 1e-7);
    assert.deepEqual(
      line.targets.map((t: { voxels: number }) => t.voxels),
      [boxVoxels(BRIGHT), boxVoxels(MEDIUM)],
    );
    // Nothing but the result folder is left in the output folder.
    assert.deepEqual(await fs.readdir(outDir), ['phantom.nii.gz']);
  });

  it('resumes after a failure without asking again for finished slices, and refuses to overwrite', async () => {
    const source = path.join(tmp, 'phantom.nii.gz');
    await fs.writeFile(
      source,
      encodeNiftiUint8({ dims: DIMS, spacing: [1, 1, 1], affine: AFFINE }, phantomVolume(), {
        description: '',
        maxValue: 250,
        intentName: '',
      }),
    );
    const outDir = path.join(tmp, 'out');
    const args = [
      'parse-volume',
      source,
      '--prompt',
      'bright',
      '--endpoint',
      server.url,
      '--intensity',
      'window:0,255',
      '--out-dir',
      outDir,
      '--concurrency',
      '1',
      '--timeout',
      '5',
    ];
    server.failFrom(3); // three slices answered, then every request fails
    const failed = await cli(...args);
    assert.equal(failed.code, 1);
    assert.equal(
      (await fs.readdir(path.join(outDir, '.phantom.nii.gz.slices'))).filter((f) => f.startsWith('slice-'))
        .length,
      3,
    );
    server.failFrom(Infinity);
    const before = server.requests;
    const resumed = await cli(...args);
    assert.equal(resumed.code, 0, resumed.err.join('\n'));
    assert.equal(server.requests - before, DIMS[2] - 3);
    assert.deepEqual(
      [JSON.parse(resumed.out.at(-1)!).resumed, JSON.parse(resumed.out.at(-1)!).requested],
      [3, 3],
    );
    assert.deepEqual(await fs.readdir(outDir), ['phantom.nii.gz']);

    const again = await cli(...args);
    assert.equal(again.code, 1);
    assert.match(
      again.err.join('\n'),
      /already holds files .*pass --overwrite to replace the previous result there as a whole/,
    );
    assert.equal((await cli(...args, '--overwrite')).code, 0);
  });

  it('DICOM series: the labels land on the same world positions as dcm2niix puts the phantom', async function () {
    const series = path.join(tmp, 'series');
    await fs.mkdir(series);
    // Oblique plane; columns run along i, rows along j; slices along the normal, written shuffled.
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const orientation = [c, s, 0, 0, 0, -1];
    const normal = [-s, c, 0];
    const [nx, ny, nz] = DIMS;
    await writeDicomSeries(series, {
      columns: nx,
      rows: ny,
      slices: nz,
      orientation,
      position: (k) => [10 + normal[0] * 2.5 * k, -20 + normal[1] * 2.5 * k, 30],
      pixelSpacing: [0.9, 0.8],
      sliceThickness: 2.5,
      fill(k, out) {
        for (let j = 0; j < ny; j++) for (let i = 0; i < nx; i++) out[j * nx + i] = phantom(i, j, k);
      },
    });
    const outDir = path.join(tmp, 'out');
    const run = await cli(
      'parse-volume',
      series,
      '--prompt',
      'bright & medium',
      '--endpoint',
      server.url,
      '--intensity',
      'window:0,255',
      '--out-dir',
      outDir,
    );
    assert.equal(run.code, 0, run.err.join('\n'));
    const labels = await readNifti(path.join(outDir, 'series', 'labels.nii.gz'));
    // Our own expectation: voxel (column i, row j, slice k) of the phantom at IPP_k + i·0.8·row + j·0.9·col, in RAS.
    const expected: string[] = [];
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) {
          if (!inBox(BRIGHT, i, j, k)) continue;
          const lps = [
            10 + normal[0] * 2.5 * k + i * 0.8 * orientation[0] + j * 0.9 * orientation[3],
            -20 + normal[1] * 2.5 * k + i * 0.8 * orientation[1] + j * 0.9 * orientation[4],
            30 + i * 0.8 * orientation[2] + j * 0.9 * orientation[5],
          ];
          expected.push([-lps[0], -lps[1], lps[2]].map((v) => (v + 0).toFixed(2)).join(','));
        }
    const ours = worldPoints(labels, (v) => v === 1);
    assert.equal(ours.length, boxVoxels(BRIGHT));
    assert.deepEqual(ours, expected.sort());

    // And an independent converter agrees on where the bright voxels are in the world.
    const dcm2niix = spawnSync('dcm2niix', ['-z', 'n', '-f', 'converted', '-o', tmp, series], {
      encoding: 'utf8',
    });
    if (dcm2niix.error) {
      this.skip(); // dcm2niix not installed (npm test installs it with apt-get)
    }
    assert.equal(dcm2niix.status, 0, dcm2niix.stderr + dcm2niix.stdout);
    const converted = await readNifti(path.join(tmp, 'converted.nii'));
    assert.deepEqual(
      worldPoints(converted, (v) => v === 250),
      ours,
    );

    // The NIfTI built from the series for the 3D model holds the real values at the same places.
    const server3d = await startVolume3dServer();
    try {
      const run3d = await cli(
        'parse-volume',
        series,
        '--mode',
        '3d',
        '--prompt',
        'bright',
        '--endpoint',
        server3d.url,
        '--out-dir',
        path.join(tmp, 'out3d'),
      );
      assert.equal(run3d.code, 0, run3d.err.join('\n'));
      const [sent] = server3d.received;
      assert.deepEqual(
        worldPoints(
          { header: { dims: [3, ...sent.dims] }, values: sent.values, affine: sent.affine },
          (v) => v === 250,
        ),
        ours,
      );
    } finally {
      await server3d.close();
    }
  });

  it('refuses a 2D image, a bad slice range and --slices with --mode 3d before sending anything', async () => {
    const png = path.join(__dirname, '../../fixtures/samples/demo/04_CT_liver.png');
    const flat = await cli(
      'parse-volume',
      png,
      '--prompt',
      'liver',
      '--endpoint',
      server.url,
      '--out-dir',
      tmp,
    );
    assert.equal(flat.code, 1);
    assert.match(flat.err.join('\n'), /04_CT_liver\.png: is a 2D image, not a volume/);
    const source = path.join(tmp, 'p.nii.gz');
    await fs.writeFile(
      source,
      encodeNiftiUint8({ dims: DIMS, spacing: [1, 1, 1], affine: AFFINE }, phantomVolume(), {
        description: '',
        maxValue: 250,
        intentName: '',
      }),
    );
    const range = await cli(
      'parse-volume',
      source,
      '--prompt',
      'bright',
      '--endpoint',
      server.url,
      '--out-dir',
      tmp,
      '--slices',
      '2:9',
    );
    assert.equal(range.code, 2);
    assert.match(range.err.join('\n'), /the volume has slices 0:5/);
    const mode = await cli(
      'parse-volume',
      source,
      '--prompt',
      'bright',
      '--endpoint',
      server.url,
      '--out-dir',
      tmp,
      '--mode',
      '3d',
      '--slices',
      '1:2',
    );
    assert.equal(mode.code, 2);
    assert.match(mode.err.join('\n'), /--slices applies to --mode slices/);
    assert.equal(server.requests, 0);
  });
});

describe('parse-volume --mode 3d (MedImageParse 3D protocol)', function () {
  // Whole volumes through a real loopback endpoint: a guard against hangs, not a speed limit.
  this.timeout(300_000);

  async function writePhantom(): Promise<string> {
    const source = path.join(tmp, 'phantom.nii.gz');
    await fs.writeFile(
      source,
      encodeNiftiUint8({ dims: DIMS, spacing: [0.8, 0.9, 2.5], affine: AFFINE }, phantomVolume(), {
        description: 'phantom',
        maxValue: 255,
        intentName: '',
      }),
    );
    return source;
  }
  const brightOrMarker = (i: number, j: number, k: number) => inBox(BRIGHT, i, j, k) || (i < 2 && j < 2);

  it('sends the whole volume once per target on its own grid and places the returned mask exactly', async () => {
    const server3d = await startVolume3dServer();
    try {
      const source = await writePhantom();
      const outDir = path.join(tmp, 'out');
      const run = await cli(
        'parse-volume',
        source,
        '--mode',
        '3d',
        '--prompt',
        'bright & nothing',
        '--endpoint',
        server3d.url,
        '--out-dir',
        outDir,
      );
      assert.equal(run.code, 0, run.err.join('\n'));
      assert.deepEqual(
        server3d.received.map((r) => r.target),
        ['bright', 'nothing'],
      );
      const sent = server3d.received[0];
      assert.deepEqual(sent.dims, DIMS);
      assert.equal(sent.max, 255); // real values, not a windowed copy
      for (let r = 0; r < 4; r++)
        for (let c = 0; c < 4; c++) assert.ok(Math.abs(sent.affine[r][c] - AFFINE[r][c]) < 1e-5);
      const labels = await readNifti(path.join(outDir, 'phantom.nii.gz', 'labels.nii.gz'));
      const [nx, ny, nz] = DIMS;
      let wrong = 0;
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++)
            if (labels.values[i + nx * (j + ny * k)] !== (brightOrMarker(i, j, k) ? 1 : 0)) wrong++;
      assert.equal(wrong, 0);
      const report = JSON.parse(
        await fs.readFile(path.join(outDir, 'phantom.nii.gz', 'report.json'), 'utf8'),
      );
      assert.equal(report.mode, '3d');
      assert.deepEqual(
        report.targets.map((t: { voxels: number }) => t.voxels),
        [boxVoxels(BRIGHT) + 4 * nz, 0],
      );
    } finally {
      await server3d.close();
    }
  });

  it('accepts a Python-quoted nifti_file, and refuses a mask off the source grid with a clear error', async () => {
    const server3d = await startVolume3dServer();
    try {
      const source = await writePhantom();
      server3d.mode = 'python';
      const ok = await cli(
        'parse-volume',
        source,
        '--mode',
        '3d',
        '--prompt',
        'bright',
        '--endpoint',
        server3d.url,
        '--out-dir',
        path.join(tmp, 'a'),
      );
      assert.equal(ok.code, 0, ok.err.join('\n'));
      server3d.mode = 'shape';
      const shape = await cli(
        'parse-volume',
        source,
        '--mode',
        '3d',
        '--prompt',
        'bright',
        '--endpoint',
        server3d.url,
        '--out-dir',
        path.join(tmp, 'b'),
      );
      assert.equal(shape.code, 1);
      assert.match(
        shape.err.join('\n'),
        /3D mask for 'bright': the mask is 40×32×5 voxels but the volume sent was 40×32×6/,
      );
      server3d.mode = 'affine';
      const moved = await cli(
        'parse-volume',
        source,
        '--mode',
        '3d',
        '--prompt',
        'bright',
        '--endpoint',
        server3d.url,
        '--out-dir',
        path.join(tmp, 'c'),
      );
      assert.equal(moved.code, 1);
      assert.match(
        moved.err.join('\n'),
        /affine differs from the volume sent \(row 1, column 4: 35 instead of 30\)/,
      );
      // Nothing half-written for the failed runs.
      assert.deepEqual((await fs.readdir(tmp)).sort(), ['a', 'phantom.nii.gz']);
    } finally {
      await server3d.close();
    }
  });
});
