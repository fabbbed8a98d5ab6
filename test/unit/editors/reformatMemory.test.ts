import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileSource } from '../../../src/editors/sliceSource';
import { reformatCacheKey, VolumeViewer } from '../../../src/editors/volumeViewer';
import { encodeNiftiUint8 } from '../../../src/export/nifti';
import { DEFAULT_VOLUME_MEMORY_MB, volumeCache } from '../../../src/imaging/volumeCache';

const DIMS: [number, number, number] = [40, 30, 20];
const VOXELS = DIMS[0] * DIMS[1] * DIMS[2];
/** What a volume's reformat values take: float32, 4 bytes a voxel. */
const VALUES_BYTES = VOXELS * 4;
const AFFINE = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? 1 : 0)));

async function writeVolume(file: string, seed: number): Promise<void> {
  const values = new Uint8Array(VOXELS).map((_, p) => (p * 7 + seed) % 251);
  await fs.writeFile(
    file,
    encodeNiftiUint8({ dims: DIMS, spacing: [1, 1, 1], affine: AFFINE }, values, {
      description: 'test',
      maxValue: 255,
      intentName: '',
    }),
  );
}

/** A viewer of `file` with its first slice open (as a viewer has), and the bytes that took. */
async function openViewer(file: string) {
  const source = fileSource(file);
  const viewer = new VolumeViewer(async () => source);
  const image = await source.open(0, undefined);
  await volumeCache.settled();
  return { viewer, image };
}

describe('reformat values count against medimageparse.viewer.volumeMemoryMB', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-reformat-mem-'));
    volumeCache.clear();
  });
  afterEach(async () => {
    volumeCache.clear();
    volumeCache.setBudget(DEFAULT_VOLUME_MEMORY_MB * 1024 ** 2);
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('keeps a volume’s reformat values in the volume budget, and lets them go when the viewer closes', async () => {
    volumeCache.setBudget(64 * 1024 ** 2);
    const file = path.join(dir, 'a.nii.gz');
    await writeVolume(file, 1);
    const { viewer, image } = await openViewer(file);
    const before = volumeCache.size;
    const coronal = await viewer.reformat(image, 'coronal', 5, undefined);
    assert.ok(coronal);
    assert.equal(volumeCache.size - before, VALUES_BYTES, 'the values are counted');
    viewer.dispose();
    await new Promise((r) => setImmediate(r));
    assert.equal(volumeCache.size, before, 'closing the viewer gives them back');
  });

  it('lets the least recently used viewer’s values go under pressure, and that viewer reads them again', async () => {
    const a = path.join(dir, 'a.nii.gz');
    const b = path.join(dir, 'b.nii.gz');
    await writeVolume(a, 1);
    await writeVolume(b, 2);
    const va = await openViewer(a);
    const vb = await openViewer(b);
    // Room for one volume's values (and the files' bytes), not two.
    volumeCache.setBudget(VALUES_BYTES + VALUES_BYTES / 2);
    const first = await va.viewer.reformat(va.image, 'sagittal', 7, undefined);
    assert.ok(first);
    await vb.viewer.reformat(vb.image, 'sagittal', 7, undefined);
    assert.ok(volumeCache.size <= VALUES_BYTES + VALUES_BYTES / 2, `within the budget: ${volumeCache.size}`);
    const stamp = { size: VALUES_BYTES, mtimeMs: 0 };
    assert.equal(volumeCache.get(reformatCacheKey({ input: a }), stamp), undefined, 'a’s values went');
    assert.ok(volumeCache.get(reformatCacheKey({ input: b }), stamp), 'b’s values (most recent) stayed');
    const again = await va.viewer.reformat(va.image, 'sagittal', 7, undefined);
    assert.deepEqual(again?.viewerImage.pixels, first.viewerImage.pixels, 'the same picture, read again');
    assert.deepEqual(again?.viewerImage.range, first.viewerImage.range);
    va.viewer.dispose();
    vb.viewer.dispose();
  });

  it('keeps nothing with a budget of 0, and reformats still work', async () => {
    volumeCache.setBudget(0);
    const file = path.join(dir, 'a.nii.gz');
    await writeVolume(file, 3);
    const { viewer, image } = await openViewer(file);
    const one = await viewer.reformat(image, 'coronal', 3, undefined);
    const two = await viewer.reformat(image, 'coronal', 4, undefined);
    assert.ok(one && two);
    assert.notDeepEqual(one.viewerImage.pixels, two.viewerImage.pixels);
    assert.equal(volumeCache.size, 0);
    viewer.dispose();
  });
});
