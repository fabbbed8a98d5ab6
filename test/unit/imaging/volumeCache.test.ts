import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { openImage } from '../../../src/imaging';
import { VolumeCache, volumeCache } from '../../../src/imaging/volumeCache';
import { generatedFixtures, SAMPLES } from './helpers';

const NIFTI_GZ = path.join(SAMPLES, 'patient0500_2CH_half_sequence.nii.gz');

/** A whole-second modification time, which utimes can set back exactly. */
const STAMP = new Date('2026-01-02T03:04:05Z');

/** Copies `from` to `to` with the modification time STAMP. */
async function copyStamped(from: string, to: string): Promise<void> {
  await fs.copyFile(from, to);
  await fs.utimes(to, STAMP, STAMP);
}

/**
 * Overwrites a file with other bytes of the same length and puts its modification time back: a
 * read of it now fails to decode, so pixels that still come out can only come from memory.
 */
async function scrambleKeepingStamp(file: string): Promise<void> {
  const stat = await fs.stat(file);
  await fs.writeFile(file, Buffer.alloc(stat.size, 0x5a));
  await fs.utimes(file, STAMP, STAMP);
}

describe('imaging: volumes kept for the viewer’s slice and frame sliders', function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-volume-cache-'));
  });
  afterEach(() => volumeCache.clear());
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('.nii.gz: after the first slice, the inflated volume serves every other slice, the same pixels as from the file', async () => {
    const file = path.join(dir, 'volume.nii.gz');
    await copyStamped(NIFTI_GZ, file);
    const expected = await Promise.all([0, 3, 14].map((slice) => openImage(NIFTI_GZ, { slice })));

    await openImage(file, { slice: 7, keepVolume: true });
    await volumeCache.settled();
    assert.ok(volumeCache.size > 12_000_000, `kept ${volumeCache.size} bytes`);
    await scrambleKeepingStamp(file);
    for (const [i, slice] of [0, 3, 14].entries()) {
      const image = await openImage(file, { slice, keepVolume: true });
      assert.equal(image.slice?.index, slice);
      assert.deepEqual(image.pixels, expected[i].pixels, `slice ${slice}`);
    }
    // Without keepVolume (batch, command line) the file itself is read, and now fails.
    await assert.rejects(openImage(file, { slice: 3 }), /volume\.nii\.gz/);
  });

  it('a changed file is read again, never answered from memory', async () => {
    const file = path.join(dir, 'changing.nii.gz');
    await copyStamped(NIFTI_GZ, file);
    await openImage(file, { slice: 7, keepVolume: true });
    await volumeCache.settled();
    // Same size, new modification time: the kept bytes are stale.
    await fs.writeFile(file, Buffer.alloc((await fs.stat(file)).size, 0x5a));
    await fs.utimes(file, STAMP, new Date(STAMP.getTime() + 5000));
    await assert.rejects(openImage(file, { slice: 3, keepVolume: true }), /changing\.nii\.gz/);
  });

  it('.nii and multi-frame DICOM keep the bytes as read', async () => {
    const nii = path.join(dir, 'volume.nii');
    await fs.writeFile(nii, zlib.gunzipSync(await fs.readFile(NIFTI_GZ)));
    await fs.utimes(nii, STAMP, STAMP);
    const expected = await openImage(nii, { slice: 2 });
    await openImage(nii, { slice: 9, keepVolume: true });
    await scrambleKeepingStamp(nii);
    assert.deepEqual((await openImage(nii, { slice: 2, keepVolume: true })).pixels, expected.pixels);

    const f = await generatedFixtures();
    const dcm = path.join(dir, 'multiframe.dcm');
    await copyStamped(f.ct.multiFrame, dcm);
    const frame2 = await openImage(f.ct.multiFrame, { frame: 2 });
    await openImage(dcm, { frame: 0, keepVolume: true });
    await scrambleKeepingStamp(dcm);
    const fromMemory = await openImage(dcm, { frame: 2, keepVolume: true });
    assert.equal(fromMemory.frame?.index, 2);
    assert.deepEqual(fromMemory.pixels, frame2.pixels);
  });

  it('keeps at most its budget, dropping the least recently used volume first', () => {
    const cache = new VolumeCache(100);
    const stamp = { size: 1, mtimeMs: 1 };
    cache.put('a', stamp, Buffer.alloc(40));
    cache.put('b', stamp, Buffer.alloc(30));
    assert.ok(cache.get('a', stamp)); // a is now the most recently used
    cache.put('c', stamp, Buffer.alloc(50)); // 120 > 100: b goes, not a
    assert.equal(cache.get('b', stamp), undefined);
    assert.ok(cache.get('a', stamp) && cache.get('c', stamp));
    assert.equal(cache.size, 90);
    cache.put('huge', stamp, Buffer.alloc(101)); // larger than the whole budget: never kept
    assert.equal(cache.get('huge', stamp), undefined);
    assert.equal(cache.get('a', { size: 1, mtimeMs: 2 }), undefined, 'another version of the file');
    assert.equal(cache.get('a', stamp), undefined, 'and the stale entry is gone');
  });

  it('a smaller budget (the user’s setting) evicts at once; 0 keeps nothing', () => {
    const cache = new VolumeCache(100);
    const stamp = { size: 1, mtimeMs: 1 };
    cache.put('a', stamp, Buffer.alloc(40));
    cache.put('b', stamp, Buffer.alloc(40));
    cache.setBudget(50);
    assert.equal(cache.get('a', stamp), undefined, 'the least recently used goes');
    assert.ok(cache.get('b', stamp));
    cache.setBudget(0);
    assert.equal(cache.size, 0);
    cache.put('c', stamp, Buffer.alloc(1));
    assert.equal(cache.get('c', stamp), undefined);
  });

  it('a closed viewer’s volume is forgotten at once, even while it is still being inflated', async () => {
    const file = path.join(dir, 'closed.nii.gz');
    await copyStamped(NIFTI_GZ, file);
    const stamp = await fs.stat(file);
    await openImage(file, { slice: 7, keepVolume: true });
    // The background inflate of 13 MB has started and not finished (it takes tens of ms).
    assert.equal(volumeCache.size, 0, 'still inflating');
    volumeCache.forget(file);
    await volumeCache.settled();
    assert.equal(volumeCache.get(file, stamp), undefined, 'not kept after the inflate finished');
    await openImage(file, { slice: 7, keepVolume: true });
    await volumeCache.settled();
    assert.ok(volumeCache.get(file, stamp), 'kept again when a viewer opens it again');
    volumeCache.forget(file);
    assert.equal(volumeCache.get(file, stamp), undefined);
    assert.equal(volumeCache.size, 0);
  });

  it('forgets volumes not used for a while', async () => {
    const cache = new VolumeCache(1000, 50);
    const stamp = { size: 1, mtimeMs: 1 };
    cache.put('a', stamp, Buffer.alloc(10));
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(cache.get('a', stamp), undefined);
    assert.equal(cache.size, 0);
  });
});
