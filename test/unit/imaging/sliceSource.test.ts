import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import {
  chooseSeries,
  fileSource,
  openSourceImage,
  seriesPickItem,
  seriesSource,
  type SliceSource,
} from '../../../src/editors/sliceSource';
import { findSeries } from '../../../src/imaging/series';
import type { SourceImage } from '../../../src/imaging';
import { displaySize, displayToSource, type DisplayTransform } from '../../../src/shared/orientation';
import { restoredPhantom, type PhantomStorage } from '../../support/restoredPhantom';
import { encodeNiftiInt16 } from '../../../src/export/nifti';
import { quietly } from '../../../src/export/dcmjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

const PHANTOM = path.resolve(__dirname, '../../../media/samples/phantom');
const NIFTI = path.join(PHANTOM, 'synthetic_phantom_ct.nii.gz');
const SERIES = path.join(PHANTOM, 'synthetic_phantom_ct_series');

/** The pixels in the order the viewer displays them (row by row on screen). */
function displayed(image: SourceImage, t: DisplayTransform): number[] {
  const [w, h] = displaySize(t, image.width, image.height);
  const out: number[] = [];
  for (let dy = 0; dy < h; dy++)
    for (let dx = 0; dx < w; dx++) {
      const [x, y] = displayToSource(t, image.width, image.height, dx + 0.5, dy + 0.5);
      out.push(image.pixels[Math.floor(y) * image.width + Math.floor(x)]);
    }
  return out;
}

async function shown(source: SliceSource, k: number): Promise<{ pixels: number[]; letters: unknown }> {
  const image = await source.open(k, undefined);
  const o = source.orientation(image);
  assert.ok(o, `${source.path} has an orientation`);
  return { pixels: displayed(image, o), letters: o.letters };
}

describe('viewer slice sources: a DICOM series as slices, and radiological display', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-slices-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('opens the phantom series slice by slice in position order, with the slice count and middle first', async () => {
    const [series] = await findSeries(SERIES);
    const source = seriesSource(SERIES, series);
    const middle = await source.open(undefined, undefined);
    assert.deepEqual(middle.slice, { index: 24, count: 48 });
    assert.equal(middle.frame, undefined);
    const last = await source.open(47, undefined);
    assert.deepEqual(last.slice, { index: 47, count: 48 });
    // The slice at the top of the volume is the last NIfTI slice: same values, voxel for voxel.
    const nifti = await fileSource(NIFTI).open(47, undefined);
    assert.deepEqual(Array.from(last.pixels), Array.from(nifti.pixels));
    assert.deepEqual(source.warnings, []);
  });

  it('the phantom NIfTI and its DICOM series show the same anatomy the same way up, with A/P/R/L letters', async () => {
    const [series] = await findSeries(SERIES);
    const fromSeries = await shown(seriesSource(SERIES, series), 30);
    const fromNifti = await shown(fileSource(NIFTI), 30);
    assert.deepEqual(fromSeries.letters, { top: 'A', bottom: 'P', left: 'R', right: 'L' });
    assert.deepEqual(fromNifti.letters, fromSeries.letters);
    assert.deepEqual(fromNifti.pixels, fromSeries.pixels);
  });

  for (const storage of ['RAS', 'LAS', 'LPS'] as PhantomStorage[]) {
    it(`the phantom stored ${storage} is displayed exactly like the series`, async () => {
      const file = path.join(dir, `phantom_${storage}.nii.gz`);
      await fs.writeFile(file, restoredPhantom(storage));
      const [series] = await findSeries(SERIES);
      const reference = await shown(seriesSource(SERIES, series), 12);
      const source = fileSource(file);
      const stored = await source.open(12, undefined);
      const asStored = Array.from(stored.pixels);
      assert.notDeepEqual(asStored, reference.pixels, 'the storage order differs from the display');
      const restored = await shown(source, 12);
      assert.deepEqual(restored.letters, reference.letters);
      assert.deepEqual(restored.pixels, reference.pixels);
    });
  }

  it('a NIfTI without sform or qform has no orientation: shown as stored, without letters', async () => {
    const bytes = zlib.gunzipSync(restoredPhantom('RAS'));
    bytes.writeInt16LE(0, 252); // qform_code
    bytes.writeInt16LE(0, 254); // sform_code
    const file = path.join(dir, 'no_orientation.nii');
    await fs.writeFile(file, bytes);
    const source = fileSource(file);
    assert.equal(source.orientation(await source.open(3, undefined)), undefined);
    const withCodes = path.join(dir, 'with_orientation.nii.gz');
    await fs.writeFile(withCodes, restoredPhantom('RAS'));
    const known = fileSource(withCodes);
    assert.ok(known.orientation(await known.open(3, undefined)));
  });

  it('chooses the series asked for, else the one holding a clicked file, else the largest', async () => {
    const two = path.join(dir, 'two');
    await fs.mkdir(two);
    const names = (await fs.readdir(SERIES)).sort();
    for (const name of names.slice(0, 5)) await fs.copyFile(path.join(SERIES, name), path.join(two, name));
    // A second series: one file of another SeriesInstanceUID (rewritten in place, same length).
    const other = path.join(two, 'other.dcm');
    const bytes = await fs.readFile(path.join(SERIES, names[10]));
    const { all } = await chooseSeries(SERIES);
    const uid = all[0].seriesInstanceUid;
    const changed = uid.slice(0, -1) + (uid.endsWith('9') ? '8' : '9');
    const at = bytes.indexOf(Buffer.from(uid, 'latin1'));
    assert.ok(at > 0);
    bytes.write(changed, at, 'latin1');
    await fs.writeFile(other, bytes);
    const largest = await chooseSeries(two);
    assert.equal(largest.all.length, 2);
    assert.equal(largest.series.seriesInstanceUid, uid);
    assert.equal(largest.series.slices.length, 5);
    assert.equal((await chooseSeries(two, { file: other })).series.seriesInstanceUid, changed);
    assert.equal((await chooseSeries(two, { seriesUid: changed })).series.slices.length, 1);
    // The pick list names each series by description, modality, slice count and size.
    assert.deepEqual(
      largest.all.map((x) => {
        const { label, description, detail } = seriesPickItem(x);
        return { label, description, detail };
      }),
      [
        {
          label: 'Synthetic CT phantom (not a patient)',
          description: 'CT · 5 slices · 256×256',
          detail: uid,
        },
        {
          label: 'Synthetic CT phantom (not a patient)',
          description: 'CT · 1 slice · 256×256',
          detail: changed,
        },
      ],
    );
  });

  it('openSourceImage: a folder gives the slice of its series, a file its own slice', async () => {
    const fromFolder = await openSourceImage(SERIES, { slice: 30 });
    const [series] = await findSeries(SERIES);
    assert.equal(fromFolder.file, series.slices[30].file);
    assert.deepEqual(fromFolder.slice, { index: 30, count: 48 });
    const fromFile = await openSourceImage(NIFTI, { slice: 30 });
    assert.deepEqual(Array.from(fromFile.pixels), Array.from(fromFolder.pixels));
  });

  it('a folder without DICOM files is a clear error naming it', async () => {
    const empty = path.join(dir, 'empty');
    await fs.mkdir(empty);
    await fs.writeFile(path.join(empty, 'notes.txt'), 'hello');
    await assert.rejects(
      chooseSeries(empty),
      (e: Error) => e.message.includes(empty) && /no DICOM/.test(e.message),
    );
  });
});

describe('the default window of a volume', () => {
  let dir: string;
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-volwindow-'));
  });
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a NIfTI volume: the value range of all its slices, not of one', async () => {
    // Three 3×2 slices whose own ranges differ: [0, 10], [-50, 20], [5, 300].
    const data = new Int16Array([0, 10, 0, 10, 0, 10, -50, 20, -50, 20, -50, 20, 5, 300, 5, 300, 5, 300]);
    const affine = [
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const file = path.join(dir, 'ranges.nii.gz');
    await fs.writeFile(
      file,
      encodeNiftiInt16({ dims: [3, 2, 3], spacing: [1, 1, 1], affine }, data, {
        description: 'x',
        maxValue: 300,
      }),
    );
    const source = fileSource(file);
    assert.deepEqual((await source.open(1, undefined)).defaultWindow, { lower: -50, upper: 20 });
    assert.deepEqual(await source.volumeWindow(), { lower: -50, upper: 300 });
  });

  it('a DICOM series with a window in its headers: that window', async () => {
    const [series] = await findSeries(SERIES);
    const middle = await seriesSource(SERIES, series).open(undefined, undefined);
    assert.deepEqual(await seriesSource(SERIES, series).volumeWindow(), { lower: -160, upper: 240 });
    assert.notDeepEqual(middle.range, { min: -160, max: 240 });
  });

  it('a DICOM series without window tags: the range of all its slices', async () => {
    const folder = path.join(dir, 'nowindow');
    await fs.mkdir(folder);
    const values = [
      [0, 10],
      [-50, 20],
      [5, 300],
    ];
    for (const [k, [a, b]] of values.entries()) {
      const pixels = new Int16Array([a, b, a, b, a, b]);
      const ds = {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        SOPInstanceUID: `1.2.826.0.1.3680043.2.1125.77.${k + 1}`,
        Modality: 'CT',
        SeriesInstanceUID: '1.2.826.0.1.3680043.2.1125.76',
        StudyInstanceUID: '1.2.826.0.1.3680043.2.1125.75',
        ImagePositionPatient: [0, 0, 2 * k],
        ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
        PixelSpacing: [1, 1],
        Rows: 2,
        Columns: 3,
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        BitsAllocated: 16,
        BitsStored: 16,
        HighBit: 15,
        PixelRepresentation: 1,
        PixelData: [pixels.buffer],
        _vrMap: { PixelData: 'OW' },
      };
      const meta = {
        MediaStorageSOPClassUID: ds.SOPClassUID,
        MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
        TransferSyntaxUID: '1.2.840.10008.1.2.1',
        ImplementationClassUID: '1.2.826.0.1.3680043.2.1125.1',
      };
      const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
      dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
      await fs.writeFile(path.join(folder, `s${k}.dcm`), Buffer.from(quietly(() => dict.write())));
    }
    const [series] = await findSeries(folder);
    assert.deepEqual(await seriesSource(folder, series).volumeWindow(), { lower: -50, upper: 300 });
  });

  it('a single 2D image has no volume window', async () => {
    const source = fileSource(path.resolve(__dirname, '../../../media/samples/CT_lung_nodule.dcm'));
    assert.equal(await source.volumeWindow(), undefined);
  });
});
