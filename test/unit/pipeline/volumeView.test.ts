import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { EndpointClient } from '../../../src/endpoint/client';
import { EndpointError } from '../../../src/endpoint/errors';
import { encodeNiftiUint8 } from '../../../src/export/nifti';
import {
  extractPlane,
  planeOrientation,
  planePixelSpacing,
  volumePlanes,
  type PlaneGrid,
} from '../../../src/imaging/reformat';
import { openVolumeSource } from '../../../src/imaging/volumeSource';
import { parseVolume, type VolumeParseResult } from '../../../src/pipeline/parseVolume';
import { formatTimeLeft, VolumeProgress } from '../../../src/pipeline/volumeProgress';
import {
  planeResult,
  volumeSummary,
  withoutLikelyAbsent,
  type VolumeRun,
} from '../../../src/pipeline/volumeView';
import { PHANTOM_AFFINE, PHANTOM_DIMS, PHANTOM_SPACING } from '../../../src/demo/phantom';
import { likelyAbsentLine, sliceRange, volumeLine } from '../../../webview/volumeModel';

const OPTS = { description: 'test', maxValue: 255, intentName: '' };
const identity = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? 1 : 0)));

/** Values v(i, j, k) = i + 10 j + 100 k on a small grid, i fastest. */
function coded(dims: [number, number, number]): Float32Array {
  const [nx, ny, nz] = dims;
  const out = new Float32Array(nx * ny * nz);
  for (let k = 0; k < nz; k++)
    for (let j = 0; j < ny; j++)
      for (let i = 0; i < nx; i++) out[i + nx * (j + ny * k)] = i + 10 * j + 100 * k;
  return out;
}

describe('volume planes and reformats', () => {
  it('names the phantom’s planes by anatomy, the acquisition (axial) first, and reformats the right voxels', () => {
    const grid: PlaneGrid = { dims: PHANTOM_DIMS, spacing: PHANTOM_SPACING, affine: PHANTOM_AFFINE };
    const planes = volumePlanes(grid);
    // i runs posterior: holding i fixed cuts a coronal plane; j runs left: holding j cuts a sagittal one.
    assert.deepEqual(
      planes.map((p) => [p.name, p.fixed, p.x, p.y]),
      [
        ['axial', 2, 0, 1],
        ['coronal', 0, 1, 2],
        ['sagittal', 1, 0, 2],
      ],
    );
    const coronal = planes[1];
    assert.deepEqual(planeOrientation(grid, coronal)?.letters, {
      top: 'S',
      bottom: 'I',
      left: 'R',
      right: 'L',
    });
    assert.deepEqual(planeOrientation(grid, planes[2])?.letters, {
      top: 'S',
      bottom: 'I',
      left: 'A',
      right: 'P',
    });
    assert.deepEqual(planePixelSpacing(grid, coronal), [2.5, 1.5]);

    const small: PlaneGrid = { dims: [4, 3, 5], spacing: [1, 1, 1], affine: identity };
    const values = coded([4, 3, 5]);
    const [, c, s] = volumePlanes(small);
    // Identity: i runs R→… (x), j anterior (y), k superior. Fixed j → coronal, fixed i → sagittal.
    assert.equal(c.name, 'coronal');
    assert.equal(c.fixed, 1);
    const img = extractPlane(values, small, c, 2);
    assert.equal(img.length, 4 * 5);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 4; x++) assert.equal(img[y * 4 + x], x + 20 + 100 * y);
    const sag = extractPlane(values, small, s, 3);
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 3; x++) assert.equal(sag[y * 3 + x], 3 + 10 * x + 100 * y);
    assert.throws(() => extractPlane(values, small, s, 4), /sagittal index 4 is outside 0…3/);
  });

  it('a coronal acquisition offers axial and sagittal reformats', () => {
    // Columns along x (R→L is −x), rows along −z (down), slices along y.
    const affine = [
      [-1, 0, 0, 0],
      [0, 0, 3, 0],
      [0, -1, 0, 0],
      [0, 0, 0, 1],
    ];
    const planes = volumePlanes({ dims: [8, 8, 4], spacing: [1, 1, 3], affine });
    assert.deepEqual(
      planes.map((p) => p.name),
      ['coronal', 'axial', 'sagittal'],
    );
  });
});

describe('a volume result as the viewer shows it', () => {
  let tmp: string;
  beforeEach(async () => (tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-volview-'))));
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  const dims: [number, number, number] = [6, 4, 3];

  /** A 6×4×3 NIfTI (its slices are 4 columns × 6 rows, as the reference reads volume[:, :, k]). */
  async function niftiVolume() {
    const file = path.join(tmp, 'v.nii.gz');
    const data = new Uint8Array(6 * 4 * 3).map((_, v) => v % 251);
    await fs.writeFile(file, encodeNiftiUint8({ dims, spacing: [1, 2, 3], affine: identity }, data, OPTS));
    return openVolumeSource(file);
  }

  function run(result: VolumeParseResult): VolumeRun {
    return { id: 'vol-x', mode: 'slices', prompts: ['a', 'b'], endpointName: 'e', time: 't', result };
  }

  /** Target a: voxels with i < 2 on every slice; b: i ≥ 4 on slices 1 and 2, likely absent on 2. */
  function result(): VolumeParseResult {
    const n = 6 * 4 * 3;
    const a = new Uint8Array(n);
    const b = new Uint8Array(n);
    const labels = new Uint8Array(n);
    for (let k = 0; k < 3; k++)
      for (let j = 0; j < 4; j++)
        for (let i = 0; i < 6; i++) {
          const v = i + 6 * (j + 4 * k);
          if (i < 2) a[v] = labels[v] = 1;
          if (i >= 4 && k >= 1) b[v] = labels[v] = 2;
        }
    const figures = (voxels: number, slices: [number, number]) => ({
      voxels,
      volumeMl: (voxels * 6) / 1000,
      slices,
      components: 1,
      largestSlice: null,
    });
    return {
      source: 'endpoint',
      range: [0, 2],
      requested: 3,
      resumed: 0,
      labels,
      targets: [
        {
          target: 'a',
          label: 1,
          mask: a,
          figures: figures(24, [0, 2]),
          likelyAbsentSlices: 0,
          likelyAbsent: [],
          verdicts: [0, 1, 2].map(() => ({ status: 'valid' as const, pValue: 0.5 })),
        },
        {
          target: 'b',
          label: 2,
          mask: b,
          figures: figures(16, [1, 2]),
          likelyAbsentSlices: 1,
          likelyAbsent: [2],
          verdicts: [
            { status: 'not-found', pValue: null },
            { status: 'valid', pValue: 0.4 },
            { status: 'likely-absent', pValue: 0.001 },
          ],
        },
      ],
    };
  }

  it('each acquisition slice gets its own masks in the slice’s pixel order, with that slice’s verdicts', async () => {
    const volume = await niftiVolume();
    const r = result();
    const slice2 = await volume.openSlice(2);
    const share = planeResult(run(r), r, volume, volumePlanes(volume)[0], 2, slice2);
    assert.equal(share.id, 'vol-x:axial:2');
    assert.deepEqual(
      [share.width, share.height, share.slice, share.plane, share.volumeId],
      [4, 6, 2, 'axial', 'vol-x'],
    );
    // The slice image's row r is voxel i = r: target a fills rows 0–1, b rows 4–5.
    const rows = (mask: Uint8Array) =>
      Array.from({ length: 6 }, (_, row) => mask.slice(row * 4, row * 4 + 4).every((v) => v === 255));
    assert.deepEqual(rows(share.targets[0].mask), [true, true, false, false, false, false]);
    assert.deepEqual(rows(share.targets[1].mask), [false, false, false, false, true, true]);
    assert.deepEqual(
      share.targets.map((t) => [t.status, t.pValue, t.area, t.components.length]),
      [
        ['valid', 0.5, 8, 1],
        ['likely-absent', 0.001, 8, 1],
      ],
    );
    const slice0 = planeResult(run(r), r, volume, volumePlanes(volume)[0], 0, await volume.openSlice(0));
    assert.equal(slice0.targets[1].status, 'not-found');
  });

  it('reformats get their plane of the masks; likely-absent slices can be left out of masks, labels and figures', async () => {
    const volume = await niftiVolume();
    const r = result();
    const sagittal = volumePlanes(volume).find((p) => p.name === 'sagittal')!;
    assert.equal(sagittal.fixed, 0);
    // Sagittal plane i = 5 (x = j, y = k): b on slices 1 and 2.
    const share = planeResult(run(r), r, volume, sagittal, 5, { width: 4, height: 3 });
    assert.deepEqual(Array.from(share.targets[1].mask), [0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 255, 255]);
    assert.equal(share.targets[1].status, 'not-assessed');
    assert.equal(share.targets[0].status, 'not-found');

    const hidden = withoutLikelyAbsent(r, volume);
    assert.equal(hidden.targets[1].figures.voxels, 8);
    assert.deepEqual(hidden.targets[1].figures.slices, [1, 1]);
    assert.equal(hidden.targets[0], r.targets[0], 'a target without such slices is unchanged');
    assert.equal(hidden.labels.filter((v) => v === 2).length, 8);
    assert.equal(r.targets[1].figures.voxels, 16, 'the result itself is kept');
    const summary = volumeSummary(run(r), hidden, true);
    assert.deepEqual(
      summary.targets.map((t) => [t.target, t.voxels, t.slices, t.likelyAbsentSlices]),
      [
        ['a', 24, [0, 2], 0],
        ['b', 8, [1, 1], 1],
      ],
    );
    const shareHidden = planeResult(
      run(r),
      hidden,
      volume,
      volumePlanes(volume)[0],
      2,
      await volume.openSlice(2),
    );
    assert.equal(shareHidden.targets[1].area, 0);
    assert.equal(shareHidden.targets[1].status, 'likely-absent', 'still said to be likely absent there');
  });

  it('gridToSlice undoes sliceToGrid for a NIfTI', async () => {
    const volume = await niftiVolume();
    const plane = new Uint8Array(24).map((_, p) => p);
    assert.deepEqual(volume.sliceToGrid(1, volume.gridToSlice(1, plane)), plane);
  });
});

describe('whole-volume runs: 429s, verdicts, progress', () => {
  let tmp: string;
  beforeEach(async () => (tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-vol429-'))));
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('narrows to one slice at a time after a 429 and asks for that slice again; keeps each slice’s verdict', async () => {
    const file = path.join(tmp, 'v.nii.gz');
    await fs.writeFile(
      file,
      encodeNiftiUint8(
        { dims: [8, 8, 6], spacing: [1, 1, 1], affine: identity },
        new Uint8Array(384).fill(9),
        OPTS,
      ),
    );
    const volume = await openVolumeSource(file);
    let inFlight = 0;
    let most = 0;
    let refused = 0;
    let calls = 0;
    // An endpoint that takes one request at a time: a second one at once gets HTTP 429.
    const client = {
      async parse(images: { prompts: string[] }[]) {
        calls++;
        if (inFlight >= 1) {
          refused++;
          throw new EndpointError('rate-limited', 'busy (HTTP 429)', 429);
        }
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setTimeout(r, 20));
        inFlight--;
        const data = new Uint8Array(1024 * 1024).fill(255);
        return [
          {
            source: 'endpoint',
            latencyMs: 1,
            masks: images[0].prompts.map((p) => ({ prompt: p, label: p, width: 1024, height: 1024, data })),
          },
        ];
      },
    } as unknown as EndpointClient;
    const limited: number[] = [];
    const done: string[] = [];
    const result = await parseVolume(
      volume,
      client,
      { prompts: ['x'], endpointName: 'e', concurrency: 3 },
      {
        onRateLimited: (k) => limited.push(k),
        onProgress: (d, total, _k, fromStore) => done.push(`${d}/${total}${fromStore ? ' kept' : ''}`),
      },
    );
    assert.ok(refused >= 1 && limited.length >= 1, `the endpoint refused (${refused}) and the run narrowed`);
    assert.equal(calls, 6 + refused, 'each refused slice was asked for once more');
    assert.equal(result.targets[0].figures.voxels, 384, 'every slice is in the result');
    assert.equal(most, 1);
    assert.equal(done.at(-1), '6/6');
    assert.equal(result.targets[0].verdicts?.length, 6);
    assert.ok(result.targets[0].verdicts?.every((v) => v && v.status !== 'not-found'));
  });

  it('time left comes from the slices actually sent', () => {
    let now = 0;
    const p = new VolumeProgress(10, () => now);
    now = 0;
    assert.equal(p.slice(true).message, '1 / 10 slices', 'a kept slice says nothing about the pace');
    now = 4000;
    const step = p.slice(false);
    assert.equal(step.message, '2 / 10 slices · about 32 s left');
    assert.equal(step.increment, 10);
    assert.equal(formatTimeLeft(150_000), 'about 3 min');
    assert.equal(formatTimeLeft(4_200_000), 'about 1 h 10 min');
  });
});

describe('the viewer’s whole-volume controls', () => {
  it('turns all / a range / current ± n into acquisition slices, or says what is wrong', () => {
    assert.deepEqual(sliceRange({ kind: 'all' }, 5, 48), { range: [0, 47] });
    assert.deepEqual(sliceRange({ kind: 'range', first: 3, last: 10 }, 5, 48), { range: [2, 9] });
    assert.deepEqual(sliceRange({ kind: 'around', n: 2 }, 1, 48), { range: [0, 3] });
    assert.deepEqual(sliceRange({ kind: 'around', n: 3 }, 46, 48), { range: [43, 47] });
    assert.match(
      (sliceRange({ kind: 'range', first: 10, last: 3 }, 0, 48) as { error: string }).error,
      /1 to 48/,
    );
    assert.match(
      (sliceRange({ kind: 'range', first: 1, last: 49 }, 0, 48) as { error: string }).error,
      /1 to 48/,
    );
    assert.ok('error' in sliceRange({ kind: 'around', n: -1 }, 0, 48));
  });

  it('reads a target’s volume figures in the legend', () => {
    const t = {
      target: 'liver',
      label: 1,
      voxels: 121485,
      volumeMl: 683.353125,
      slices: [11, 45] as [number, number],
      components: 1,
      largestSliceAreaMm2: null,
      likelyAbsentSlices: 3,
    };
    assert.equal(volumeLine(t), '683.4 mL · 121,485 voxels · slices 12–46 · 1 component');
    assert.equal(likelyAbsentLine(t), 'likely absent on 3 slices');
    assert.equal(
      volumeLine({ ...t, voxels: 0, volumeMl: 0, slices: null, components: 0 }),
      'not found in the volume',
    );
  });
});
