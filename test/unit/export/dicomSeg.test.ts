import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeExports } from '../../../src/export';
import { dcmjs, toArrayBuffer, type NaturalDataset } from '../../../src/export/dcmjs';
import { readDicomHeader } from '../../../src/export/dicomSeg';
import type { SourceInfo } from '../../../src/export/sourceInfo';

const sample = path.join(__dirname, '../../fixtures/samples/CT_lung_nodule.dcm');

function syntheticMasks(width: number, height: number) {
  const nodule = new Uint8Array(width * height);
  for (let y = 200; y < 230; y++) for (let x = 300; x < 340; x++) nodule[y * width + x] = 230;
  nodule[5 * width + 5] = 128; // exactly at threshold: inside
  nodule[6 * width + 6] = 127; // just below: outside
  const infection = new Uint8Array(width * height);
  for (let y = 100; y < 400; y++)
    for (let x = 50; x < 150; x++) infection[y * width + x] = 180 + ((x + y) % 70);
  return { nodule, infection };
}

function readBack(file: string): NaturalDataset {
  const bytes = fs.readFileSync(file);
  return dcmjs.data.DicomMetaDictionary.naturalizeDataset(
    dcmjs.data.DicomMessage.readFile(toArrayBuffer(bytes)).dict,
  );
}

describe('export: DICOM SEG', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-seg-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('writes a binary SEG that references the source and reads back with dcmjs', async () => {
    const header = readDicomHeader(sample);
    const source: SourceInfo = {
      file: sample,
      format: 'dicom',
      width: 512,
      height: 512,
      pixelSpacing: [0.513671875, 0.513671875],
      dicom: {
        sopInstanceUID: String(header.SOPInstanceUID),
        sopClassUID: String(header.SOPClassUID),
        studyInstanceUID: String(header.StudyInstanceUID),
        seriesInstanceUID: String(header.SeriesInstanceUID),
        frameOfReferenceUID: String(header.FrameOfReferenceUID),
      },
    };
    const { nodule, infection } = syntheticMasks(512, 512);
    const result = await writeExports({
      source,
      targets: [
        { name: 'nodule', mask: nodule },
        { name: 'COVID-19 infection', mask: infection },
      ],
      outDir: tmp,
      modality: { key: 'CT-Chest', modality: 'CT', site: 'lung' },
    });
    const segFile = path.join(tmp, 'segmentation.dcm');
    assert.ok(result.files.includes(segFile));
    const seg = readBack(segFile);
    assert.equal(seg.SOPClassUID, '1.2.840.10008.5.1.4.1.1.66.4');
    assert.equal(seg.Modality, 'SEG');
    assert.equal(seg.SegmentationType, 'BINARY');
    assert.equal(seg.NumberOfFrames, 2);
    assert.equal(seg.Rows, 512);
    assert.equal(seg.Columns, 512);
    const segments = seg.SegmentSequence as NaturalDataset[];
    assert.equal(segments.length, 2);
    assert.deepEqual(
      segments.map((s) => s.SegmentLabel),
      ['nodule', 'COVID-19 infection'],
    );
    assert.equal(seg.StudyInstanceUID, header.StudyInstanceUID);
    assert.equal(seg.FrameOfReferenceUID, header.FrameOfReferenceUID);
    assert.notEqual(seg.SeriesInstanceUID, header.SeriesInstanceUID);
    assert.equal(seg.PatientID, header.PatientID);
    const refSeries = (seg.ReferencedSeriesSequence as NaturalDataset[])[0];
    assert.equal(refSeries.SeriesInstanceUID, header.SeriesInstanceUID);
    const refInstance = (refSeries.ReferencedInstanceSequence as NaturalDataset[])[0];
    assert.equal(refInstance.ReferencedSOPInstanceUID, header.SOPInstanceUID);
    assert.equal(refInstance.ReferencedSOPClassUID, header.SOPClassUID);
    const perFrame = seg.PerFrameFunctionalGroupsSequence as NaturalDataset[];
    assert.equal(perFrame.length, 2);
    perFrame.forEach((frame, i) => {
      const segId = (frame.SegmentIdentificationSequence as NaturalDataset[])[0];
      assert.equal(segId.ReferencedSegmentNumber, i + 1);
      const derivation = (frame.DerivationImageSequence as NaturalDataset[])[0];
      const sourceImage = (derivation.SourceImageSequence as NaturalDataset[])[0];
      assert.equal(sourceImage.ReferencedSOPInstanceUID, header.SOPInstanceUID);
    });

    // Re-import the frames: LSB-first bits, frames back to back.
    const bits = new Uint8Array((seg.PixelData as ArrayBuffer[])[0]);
    const n = 512 * 512;
    [nodule, infection].forEach((mask, f) => {
      let mismatches = 0;
      for (let i = 0; i < n; i++) {
        const bit = f * n + i;
        const on = (bits[bit >> 3] >> (bit & 7)) & 1;
        if (on !== (mask[i] >= 128 ? 1 : 0)) mismatches++;
      }
      assert.equal(mismatches, 0, `frame ${f + 1}`);
    });
    // The report points at the same files and knows the mm² per target.
    const report = JSON.parse(fs.readFileSync(path.join(tmp, 'report.json'), 'utf8'));
    assert.equal(report.source.sopInstanceUID, header.SOPInstanceUID);
    assert.equal(report.targets[0].area, 30 * 40 + 1);
    assert.ok(Math.abs(report.targets[0].areaMm2 - (30 * 40 + 1) * 0.513671875 ** 2) < 1e-9);
    assert.ok(report.files.includes('segmentation.dcm'));
  });

  it('refuses masks whose size does not match the DICOM, writing nothing', async () => {
    const source: SourceInfo = { file: sample, format: 'dicom', width: 256, height: 256 };
    await assert.rejects(
      writeExports({
        source,
        targets: [{ name: 'nodule', mask: new Uint8Array(256 * 256).fill(255) }],
        outDir: tmp,
      }),
      /DICOM is 512×512 but the masks are 256×256/,
    );
    assert.deepEqual(fs.readdirSync(tmp), []);
  });

  it('refuses when the file on disk is not the instance the masks were made for', async () => {
    const source: SourceInfo = {
      file: sample,
      format: 'dicom',
      width: 512,
      height: 512,
      dicom: { sopInstanceUID: '1.2.3' },
    };
    await assert.rejects(
      writeExports({ source, targets: [{ name: 'nodule', mask: new Uint8Array(512 * 512) }], outDir: tmp }),
      /SOP Instance UID on disk differs/,
    );
  });

  it('names the file when the source is not DICOM', async () => {
    const notDicom = path.join(tmp, 'fake.dcm');
    fs.writeFileSync(notDicom, 'hello');
    const source: SourceInfo = { file: notDicom, format: 'dicom', width: 2, height: 2 };
    await assert.rejects(
      writeExports({
        source,
        targets: [{ name: 'x', mask: new Uint8Array(4) }],
        outDir: path.join(tmp, 'out'),
      }),
      (e: Error) => e.message.startsWith(notDicom),
    );
    assert.ok(!fs.existsSync(path.join(tmp, 'out')));
  });
});
