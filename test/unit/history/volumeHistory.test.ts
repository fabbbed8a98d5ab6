import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { volumeFigures } from '../../../src/analysis/volume';
import { fileSource } from '../../../src/editors/sliceSource';
import { VolumeViewer } from '../../../src/editors/volumeViewer';
import { encodeNiftiUint8 } from '../../../src/export/nifti';
import { ResultStore } from '../../../src/history/resultStore';
import type { VolumeRun } from '../../../src/pipeline/volumeView';

const DIMS: [number, number, number] = [8, 6, 5];
const SPACING: [number, number, number] = [1, 1, 2];
const AFFINE = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? (r === 2 ? 2 : 1) : 0)));
const [NX, NY, NZ] = DIMS;
const at = (i: number, j: number, k: number) => i + NX * (j + NY * k);

/** A two-target run: "box" fills i 2–4, j 1–3, k 1–3; "dot" is voxel (6, 4, 2). */
function makeRun(): VolumeRun {
  const box = new Uint8Array(NX * NY * NZ);
  const dot = new Uint8Array(NX * NY * NZ);
  const labels = new Uint8Array(NX * NY * NZ);
  for (let k = 1; k <= 3; k++)
    for (let j = 1; j <= 3; j++)
      for (let i = 2; i <= 4; i++) {
        box[at(i, j, k)] = 1;
        labels[at(i, j, k)] = 1;
      }
  dot[at(6, 4, 2)] = 1;
  labels[at(6, 4, 2)] = 2;
  const grid = { dims: DIMS, spacing: SPACING };
  return {
    id: 'vol-0123abcd-test',
    mode: 'slices',
    prompts: ['box', 'dot'],
    endpointName: 'loopback',
    modality: 'CT',
    site: 'abdomen',
    time: '2026-12-03T10:00:00.000Z',
    result: {
      source: 'endpoint',
      range: [0, NZ - 1],
      requested: 3,
      resumed: 2,
      labels,
      targets: [
        {
          target: 'box',
          label: 1,
          mask: box,
          figures: volumeFigures(box, grid),
          likelyAbsentSlices: 0,
          likelyAbsent: [],
          verdicts: Array.from({ length: NZ }, () => ({ status: 'valid' as const, pValue: 0.5 })),
        },
        { target: 'dot', label: 2, mask: dot, figures: volumeFigures(dot, grid), likelyAbsentSlices: 0 },
      ],
    },
  };
}

describe('whole-volume results in History', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-volhist-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps a volume result with what was run, lists it, and gives back the same masks after a restart', async () => {
    const run = makeRun();
    const file = path.join(dir, 'series');
    await new ResultStore(path.join(dir, 'history')).addVolume(file, run, {
      dims: DIMS,
      seriesInstanceUid: '1.2.3',
    });
    // A new store on the same folder: what a Reload Window finds.
    const store = new ResultStore(path.join(dir, 'history'));
    const [entry] = await store.list();
    assert.deepEqual(
      { ...entry },
      {
        id: run.id,
        file,
        prompts: ['box', 'dot'],
        kind: 'parse',
        endpointName: 'loopback',
        source: 'endpoint',
        time: run.time,
        modality: 'CT',
        site: 'abdomen',
        summary: `box ${((27 * 2) / 1000).toFixed(1)} mL, dot ${(2 / 1000).toFixed(1)} mL`,
        volume: { mode: 'slices', range: [0, 4], dims: DIMS, seriesInstanceUid: '1.2.3' },
      },
    );
    const record = await store.loadVolume(run.id);
    assert.ok(record);
    assert.deepEqual(record.grid, { dims: DIMS, seriesInstanceUid: '1.2.3' });
    assert.deepEqual(record.run, run);
    // Asked for as a single-image result, it is not one: nothing, not a crash.
    assert.equal(await store.load(run.id), undefined);
    await store.delete(run.id);
    assert.equal(await store.loadVolume(run.id), undefined);
    assert.deepEqual(await store.list(), []);
  });

  it('refuses a volume result whose masks do not fit its grid, and reads a damaged file as gone', async () => {
    const store = new ResultStore(path.join(dir, 'history'));
    await assert.rejects(
      store.addVolume(path.join(dir, 'v.nii.gz'), makeRun(), { dims: [8, 6, 4] }),
      /240 voxels but its grid 8×6×4 has 192/,
    );
    const run = makeRun();
    await store.addVolume(path.join(dir, 'v.nii.gz'), run, { dims: DIMS });
    const file = path.join(dir, 'history', 'results', `${run.id}.bin.gz`);
    const bytes = await fs.readFile(file);
    await fs.writeFile(file, bytes.subarray(0, bytes.length - 20));
    assert.equal(await store.loadVolume(run.id), undefined);
  });

  it('puts a kept result back on the volume it was made on, in every plane, and refuses another grid', async () => {
    const nifti = path.join(dir, 'v.nii.gz');
    const values = new Uint8Array(NX * NY * NZ).map((_, p) => p % 251);
    await fs.writeFile(
      nifti,
      encodeNiftiUint8({ dims: DIMS, spacing: SPACING, affine: AFFINE }, values, {
        description: 'test',
        maxValue: 255,
        intentName: '',
      }),
    );
    const source = fileSource(nifti);
    const viewer = new VolumeViewer(async () => source);
    const image = await source.open(2, undefined);
    await assert.rejects(
      viewer.adopt({ run: makeRun(), grid: { dims: [8, 6, 4] } }, image),
      /made on a 8×6×4 volume, but it is 8×6×5 now/,
    );
    assert.equal(viewer.current?.id, undefined, 'nothing adopted');
    await viewer.adopt({ run: makeRun(), grid: { dims: DIMS } }, image);
    assert.equal((viewer.current as VolumeRun | undefined)?.id, 'vol-0123abcd-test');
    const summary = await viewer.summary(image);
    assert.deepEqual(
      summary?.targets.map((t) => [t.target, t.voxels]),
      [
        ['box', 27],
        ['dot', 1],
      ],
    );
    // Each plane shows the masks on the right voxels: the box covers 3 × 3 pixels of slice 2 and
    // of every reformat through it; the dot is on slice 2 only.
    for (const plane of ['axial', 'coronal', 'sagittal'] as const) {
      const shown =
        plane === 'axial'
          ? {
              viewerImage: {
                ...(await viewer.acquiredPlane(image)),
                ...imageSize(image),
                slice: { index: 2, count: NZ },
              },
            }
          : await viewer.reformat(image, plane, plane === 'coronal' ? 3 : 2, undefined);
      assert.ok(shown, plane);
      const result = await viewer.resultFor(image, shown.viewerImage as never);
      assert.ok(result, `${plane}: a share of the kept result`);
      const area = (t: string) => result.targets.find((x) => x.target === t)!.area;
      assert.equal(area('box'), 9, `${plane}: the box`);
    }
    viewer.dispose();
  });
});

function imageSize(image: { width: number; height: number; pixelSpacing?: [number, number] }) {
  return { width: image.width, height: image.height, pixelSpacing: image.pixelSpacing };
}
