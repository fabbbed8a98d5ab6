import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as dicomParser from 'dicom-parser';
import { main } from '../../../src/cli/main';
import { dcmjs, quietly } from '../../../src/export/dcmjs';
import { writeDicomSeries } from '../../support/dicomSeries';
import { startPixelServer, type PixelServer } from '../../support/pixelServer';
import { readNifti } from '../../support/niftiRead';
import { dciodvfyErrors, decodeSeg, labelVoxels, segVoxels } from '../../support/segCheck';

/**
 * The multi-frame DICOM SEG that parse-volume writes for a DICOM series: valid by dciodvfy,
 * referring to every instance of the series, and with each segment's pixels at the same world
 * positions as the labels.nii.gz it was written with (decoded with dicom-parser, placed with the
 * SEG's own per-frame positions and shared orientation and spacing).
 */

const PHANTOM_SERIES = path.join(__dirname, '../../../media/samples/phantom/synthetic_phantom_ct_series');

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-volseg-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** SOP Instance UID and patient ID of every DICOM file in `folder`, read with dicom-parser. */
async function seriesInstances(
  folder: string,
): Promise<{ uids: string[]; patientID?: string; study?: string }> {
  const uids: string[] = [];
  let patientID: string | undefined;
  let study: string | undefined;
  for (const name of await fs.readdir(folder)) {
    const ds = dicomParser.parseDicom(new Uint8Array(await fs.readFile(path.join(folder, name))), {
      untilTag: 'x7fe00010',
    });
    uids.push(ds.string('x00080018')!);
    patientID = ds.string('x00100020');
    study = ds.string('x0020000d');
  }
  return { uids: uids.sort(), patientID, study };
}

/** Checks the SEG in `dir` against the series in `series` and the labels.nii.gz beside it. */
async function checkSeg(
  dir: string,
  series: string,
  labels: string[],
  context: Mocha.Context,
): Promise<void> {
  const segFile = path.join(dir, 'segmentation.dcm');
  const report = JSON.parse(await fs.readFile(path.join(dir, 'report.json'), 'utf8'));
  assert.ok(report.files.includes('segmentation.dcm'), `report.json files: ${report.files}`);
  assert.deepEqual((await fs.readdir(dir)).sort(), [...report.files].sort());

  const seg = await decodeSeg(segFile);
  const source = await seriesInstances(series);
  assert.deepEqual(seg.segmentLabels, labels);
  assert.deepEqual([...seg.referencedInstances].sort(), source.uids);
  assert.equal(seg.patientID, source.patientID);
  assert.equal(seg.studyInstanceUID, source.study);
  for (const frame of seg.frames) assert.ok(source.uids.includes(frame.source), frame.source);

  const nifti = await readNifti(path.join(dir, 'labels.nii.gz'));
  labels.forEach((label, i) => {
    const expected = labelVoxels(nifti, i + 1);
    assert.deepEqual(segVoxels(seg, i + 1, nifti.affine), expected, `${label}: SEG voxels`);
  });

  const errors = dciodvfyErrors(segFile);
  if (errors === undefined) context.skip(); // dicom3tools not installed (npm test installs it)
  assert.deepEqual(errors, []);
}

describe('parse-volume: multi-frame DICOM SEG of a DICOM series', function () {
  // Whole volumes through the demo and a loopback endpoint: a guard against hangs, not a speed limit.
  this.timeout(300_000);

  it('phantom series on the demo endpoint (a slice range): SEG matches labels.nii.gz', async function () {
    const run = await cli(
      'parse-volume',
      PHANTOM_SERIES,
      '--prompt',
      'liver & spleen',
      '--endpoint',
      'demo',
      '--slices',
      '20:27',
      '--out-dir',
      tmp,
    );
    assert.equal(run.code, 0, run.err.join('\n'));
    const dir = path.join(tmp, 'synthetic_phantom_ct_series');
    // Only slices 20…27 were parsed: frames exist for those slices only.
    const seg = await decodeSeg(path.join(dir, 'segmentation.dcm'));
    assert.equal(seg.frames.length, 2 * 8);
    for (const label of [1, 2])
      assert.ok(labelVoxels(await readNifti(path.join(dir, 'labels.nii.gz')), label).length > 0);
    await checkSeg(dir, PHANTOM_SERIES, ['liver', 'spleen'], this);
  });

  describe('through a loopback endpoint', () => {
    let server: PixelServer;
    beforeEach(async () => (server = await startPixelServer()));
    afterEach(async () => server.close());

    it('SEG pixels land on the labels.nii.gz voxels in the world, every instance referenced', async function () {
      const series = path.join(tmp, 'oblique');
      await fs.mkdir(series);
      // Rotated about two axes, so the slice normal has x, y and z parts; 30 columns × 20 rows × 5.
      const [a, b] = [0.4, 0.3];
      const row = [Math.cos(a), Math.sin(a), 0];
      const col = [-Math.sin(a) * Math.sin(b), Math.cos(a) * Math.sin(b), -Math.cos(b)];
      const normal = [
        row[1] * col[2] - row[2] * col[1],
        row[2] * col[0] - row[0] * col[2],
        row[0] * col[1] - row[1] * col[0],
      ];
      const [nx, ny, nz] = [30, 20, 5];
      await writeDicomSeries(series, {
        columns: nx,
        rows: ny,
        slices: nz,
        orientation: [...row, ...col],
        position: (k) => [12 + normal[0] * 3 * k, -40 + normal[1] * 3 * k, 25 + normal[2] * 3 * k],
        pixelSpacing: [1.1, 0.7],
        sliceThickness: 3,
        fill(k, out) {
          for (let j = 0; j < ny; j++)
            for (let i = 0; i < nx; i++) {
              // A marker fixes each slice's range; a bright box (slices 1–3) and a medium one (2–4).
              const v =
                i < 2 && j < 2
                  ? 255
                  : i >= 4 && i < 12 && j >= 3 && j < 9 && k >= 1 && k <= 3
                    ? 250
                    : i >= 15 && i < 27 && j >= 8 && j < 18 && k >= 2
                      ? 100
                      : 0;
              out[j * nx + i] = v;
            }
        },
      });
      const run = await cli(
        'parse-volume',
        series,
        '--prompt',
        'bright & medium & nothing',
        '--endpoint',
        server.url,
        '--intensity',
        'window:0,255',
        '--out-dir',
        path.join(tmp, 'out'),
      );
      assert.equal(run.code, 0, run.err.join('\n'));
      const dir = path.join(tmp, 'out', 'oblique');
      // The boxes are there (give or take the resize's edge pixels next to the marker).
      const nifti = await readNifti(path.join(dir, 'labels.nii.gz'));
      assert.ok(labelVoxels(nifti, 1).length >= 8 * 6 * 3);
      assert.ok(labelVoxels(nifti, 2).length >= 12 * 10 * 3);
      // A target found nowhere is still a segment, with one empty frame (a SEG needs its frames).
      const seg = await decodeSeg(path.join(dir, 'segmentation.dcm'));
      const nothing = seg.frames.filter((f) => f.segment === 3);
      assert.deepEqual(
        nothing.map((f) => f.pixels.length),
        [0],
      );
      await checkSeg(dir, series, ['bright', 'medium', 'nothing'], this);
    });

    it('an enhanced multi-frame series: one instance referenced, each frame by its frame number', async function () {
      const series = path.join(tmp, 'enhanced');
      await fs.mkdir(series);
      const [nx, ny, nz] = [24, 16, 4];
      // Frames stored in reverse slice order, so frame numbers differ from slice indices.
      const positionOf = (k: number) => [5, -7, 40 + 2 * k];
      const frameOfSlice = (k: number) => nz - 1 - k;
      const pixels = new Uint16Array(nx * ny * nz);
      for (let k = 0; k < nz; k++)
        for (let j = 0; j < ny; j++)
          for (let i = 0; i < nx; i++) {
            const v = i < 2 && j < 2 ? 255 : i >= 5 && i < 15 && j >= 4 && j < 10 && k >= 1 ? 250 : 0;
            pixels[frameOfSlice(k) * nx * ny + j * nx + i] = v;
          }
      const uid = '1.2.826.0.1.3680043.2.1125.9';
      const ds = {
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.4.1',
        SOPInstanceUID: `${uid}.1`,
        StudyInstanceUID: `${uid}.2`,
        SeriesInstanceUID: `${uid}.3`,
        FrameOfReferenceUID: `${uid}.4`,
        Modality: 'MR',
        NumberOfFrames: nz,
        Rows: ny,
        Columns: nx,
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        BitsAllocated: 16,
        BitsStored: 16,
        HighBit: 15,
        PixelRepresentation: 0,
        SharedFunctionalGroupsSequence: [
          {
            PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }],
            PixelMeasuresSequence: [{ PixelSpacing: [0.5, 0.6], SliceThickness: 2 }],
          },
        ],
        PerFrameFunctionalGroupsSequence: Array.from({ length: nz }, (_, f) => ({
          PlanePositionSequence: [{ ImagePositionPatient: positionOf(nz - 1 - f) }],
        })),
        PixelData: [pixels.buffer],
        _vrMap: { PixelData: 'OW' },
      };
      const bytes = quietly(() => {
        const dict = new dcmjs.data.DicomDict(
          dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
            MediaStorageSOPClassUID: ds.SOPClassUID,
            MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
            TransferSyntaxUID: '1.2.840.10008.1.2.1',
            ImplementationClassUID: `${uid}.5`,
          }),
        );
        dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
        return Buffer.from(dict.write());
      });
      await fs.writeFile(path.join(series, 'enhanced.dcm'), bytes);
      const run = await cli(
        'parse-volume',
        series,
        '--prompt',
        'bright',
        '--endpoint',
        server.url,
        '--intensity',
        'window:0,255',
        '--out-dir',
        path.join(tmp, 'out'),
      );
      assert.equal(run.code, 0, run.err.join('\n'));
      const dir = path.join(tmp, 'out', 'enhanced');
      const seg = await decodeSeg(path.join(dir, 'segmentation.dcm'));
      assert.deepEqual(seg.referencedInstances, [ds.SOPInstanceUID]);
      // Slices 1…3 hold the box: frames 3, 2, 1 of the source, at their own positions.
      assert.deepEqual(
        seg.frames.map((f) => [f.sourceFrame, f.position.join('\\')]),
        [1, 2, 3].map((k) => [frameOfSlice(k) + 1, positionOf(k).join('\\')]),
      );
      await checkSeg(dir, series, ['bright'], this);
    });
  });
});
