import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findSeries } from '../../../src/imaging/series';
import { main } from '../../../src/cli/main';
import { quietly } from '../../../src/export/dcmjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

/**
 * Series assembly against geometry we construct ourselves: each slice file is written with dcmjs
 * (an independent writer) from a known slice index k, at origin + k·step, under a file name and
 * InstanceNumber that do not follow k. The expected order, spacing and affine are computed here
 * from the construction, not from the code under test.
 */

interface SliceSpec {
  k: number;
  position: number[];
  series?: string;
  rows?: number;
  instance?: number;
  orientation?: number[];
}

const AXIAL = [1, 0, 0, 0, 1, 0];

function writeSlice(spec: SliceSpec, defaults: { orientation: number[]; series: string }): Buffer {
  const rows = spec.rows ?? 4;
  const columns = 3;
  const pixels = new Int16Array(rows * columns).fill(spec.k); // the pixel value says which k it is
  const ds = {
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
    SOPInstanceUID: `1.2.826.0.1.3680043.2.1125.9.${spec.series ?? 'a'.charCodeAt(0)}.${spec.k}`,
    Modality: 'CT',
    SeriesInstanceUID: spec.series ?? defaults.series,
    SeriesDescription: `series ${spec.series ?? defaults.series}`,
    StudyInstanceUID: '1.2.826.0.1.3680043.2.1125.7',
    InstanceNumber: String(spec.instance ?? ((spec.k * 5) % 11) + 1), // neither k nor its reverse
    ImagePositionPatient: spec.position,
    ImageOrientationPatient: spec.orientation ?? defaults.orientation,
    PixelSpacing: [0.7, 0.6], // row spacing, column spacing
    SliceThickness: 99, // deliberately wrong: spacing must come from the positions
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    PixelData: [pixels.buffer],
  };
  const meta = {
    MediaStorageSOPClassUID: ds.SOPClassUID,
    MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.826.0.1.3680043.2.1125.1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
  return Buffer.from(quietly(() => dict.write()));
}

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-series-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

/** Writes the slices under shuffled names (a fixed permutation, so failures reproduce). */
async function writeSeries(
  slices: SliceSpec[],
  defaults = { orientation: AXIAL, series: '1.2.3.4.1' },
  extension = '.dcm',
): Promise<string> {
  const order = slices.map((_, i) => (i * 7 + 3) % slices.length);
  await Promise.all(
    slices.map((spec, i) =>
      fs.writeFile(
        path.join(tmp, `img${String(order[i]).padStart(3, '0')}${extension}`),
        writeSlice(spec, defaults),
      ),
    ),
  );
  return tmp;
}

const add = (a: number[], b: number[], s = 1): number[] => a.map((v, i) => v + s * b[i]);

describe('DICOM series assembly', () => {
  it('orders shuffled files by position along the normal and takes the spacing from the positions', async () => {
    const origin = [-100, -120, 40];
    // Stored from head to feet (z decreasing) so that file order, InstanceNumber and sort order all differ.
    const slices = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((k) => ({
      k,
      position: add(origin, [0, 0, -2.5 * k]),
    }));
    const [series, ...others] = await findSeries(await writeSeries(slices));
    assert.equal(others.length, 0);
    assert.equal(series.slices.length, 11);
    // Ascending along the normal (0,0,1): the last constructed slice (lowest z) comes first.
    const files = series.slices.map((s) => s.position[2]);
    assert.deepEqual(
      files,
      slices.map((s) => s.position[2]).sort((a, b) => a - b),
    );
    assert.deepEqual(series.spacing, [0.6, 0.7, 2.5]);
    assert.deepEqual(series.warnings, []);
    // RAS affine: x and y negated from LPS; origin is the lowest slice (k = 10).
    const lowest = add(origin, [0, 0, -25]);
    assert.deepEqual(series.affine, [
      [-0.6, 0, 0, -lowest[0]],
      [0, -0.7, 0, -lowest[1]],
      [0, 0, 2.5, lowest[2]],
      [0, 0, 0, 1],
    ]);
  });

  it('handles an oblique orientation: order and affine follow the oblique normal', async () => {
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const orientation = [c, s, 0, 0, 0, -1]; // rows along (c,s,0), columns downwards: a tilted coronal plane
    // row × column = (s·(−1) − 0, 0 − c·(−1), 0) = (−s, c, 0)
    const normal = [-s, c, 0];
    const origin = [10, 20, 30];
    const step = normal.map((v) => v * 3);
    const slices = [0, 1, 2, 3, 4].map((k) => ({ k, position: add(origin, step, k) }));
    const [series] = await findSeries(await writeSeries(slices, { orientation, series: '1.2.3.4.2' }));
    assert.deepEqual(
      series.slices.map((x) => x.position.map((v) => Number(v.toFixed(6)))),
      slices.map((x) => x.position.map((v) => Number(v.toFixed(6)))),
    );
    assert.ok(Math.abs(series.spacing[2] - 3) < 1e-4);
    assert.deepEqual(series.warnings, []);
    const expected = [
      [-c * 0.6, 0, -step[0], -origin[0]],
      [-s * 0.6, 0, -step[1], -origin[1]],
      [0, -1 * 0.7, step[2], origin[2]],
    ];
    for (let r = 0; r < 3; r++)
      for (let col = 0; col < 4; col++)
        assert.ok(Math.abs(series.affine[r][col] - expected[r][col]) < 1e-4, `affine[${r}][${col}]`);
  });

  it('warns about a missing slice and uneven spacing, naming where', async () => {
    const zs = [0, 2, 4, 8, 10, 12.5];
    const slices = zs.map((z, k) => ({ k, position: [0, 0, z] }));
    const [series] = await findSeries(await writeSeries(slices));
    assert.equal(series.spacing[2], 2);
    assert.equal(series.warnings.length, 2, series.warnings.join(' | '));
    assert.match(series.warnings[0], /1 missing slice between 4 and 8 mm/);
    assert.match(series.warnings[1], /uneven slice spacing/);
  });

  it('warns about gantry tilt and keeps the sheared step in the affine', async () => {
    const slices = [0, 1, 2, 3].map((k) => ({ k, position: [0, 0.5 * k, 2 * k] }));
    const [series] = await findSeries(await writeSeries(slices));
    const tilt = (Math.atan(0.5 / 2) * 180) / Math.PI;
    assert.equal(series.warnings.length, 1);
    assert.match(series.warnings[0], new RegExp(`gantry tilt of ${tilt.toFixed(2)}°`));
    assert.deepEqual(
      series.affine.map((r) => r[2]),
      [0, -0.5, 2, 0],
    );
  });

  it('separates two series in one folder, largest first', async () => {
    const a = [0, 1, 2].map((k) => ({ k, position: [0, 0, k] }));
    const b = [0, 1, 2, 3, 4].map((k) => ({ k: 10 + k, position: [0, 0, 3 * k], series: '1.2.3.4.9' }));
    const all = await findSeries(await writeSeries([...a, ...b]));
    assert.deepEqual(
      all.map((s) => [s.seriesInstanceUid, s.slices.length]),
      [
        ['1.2.3.4.9', 5],
        ['1.2.3.4.1', 3],
      ],
    );
    assert.equal(all[0].spacing[2], 3);
    assert.equal(all[1].spacing[2], 1);
  });

  it('refuses mixed sizes and duplicate positions with the file named', async () => {
    await writeSeries([
      { k: 0, position: [0, 0, 0] },
      { k: 1, position: [0, 0, 1], rows: 5 },
    ]);
    await assert.rejects(
      findSeries(tmp),
      /img\d+\.dcm: series 1\.2\.3\.4\.1 .*mixes image sizes \(3×[45] in img\d+\.dcm, 3×[45] here\)/,
    );
    await fs.rm(tmp, { recursive: true });
    await fs.mkdir(tmp);
    await writeSeries([
      { k: 0, position: [0, 0, 0] },
      { k: 1, position: [0, 0, 0] },
    ]);
    await assert.rejects(findSeries(tmp), /two slices at the same position/);
  });

  it('finds DICOM files without an extension by their preamble and ignores other files', async () => {
    const slices = [0, 1, 2].map((k) => ({ k, position: [0, 0, k] }));
    await writeSeries(slices, undefined, '');
    await fs.writeFile(path.join(tmp, 'notes.txt'), 'not an image');
    const [series] = await findSeries(tmp);
    assert.equal(series.slices.length, 3);
  });

  it('medparse inspect prints the series as one JSON object', async () => {
    const slices = [0, 1, 2, 3].map((k) => ({ k, position: [5, 6, 1.25 * k] }));
    await writeSeries(slices);
    const out: string[] = [];
    const code = await main(['inspect', tmp], { out: (l) => out.push(l), err: (l) => out.push(l) });
    assert.equal(code, 0, out.join('\n'));
    const json = JSON.parse(out.join('\n'));
    assert.equal(json.kind, 'volume');
    assert.equal(json.width, 3);
    assert.equal(json.height, 4);
    assert.equal(json.slices, 4);
    assert.equal(json.frames, 1);
    assert.deepEqual(json.spacing, [0.6, 0.7, 1.25]);
    assert.equal(json.modality, 'CT');
    assert.equal(json.seriesInstanceUid, '1.2.3.4.1');
    assert.deepEqual(json.affine[3], [0, 0, 0, 1]);
    assert.deepEqual(json.affine[0], [-0.6, 0, 0, -5]);
  });
});
