import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { quietly } from '../../src/export/dcmjs';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

/** A series of single-frame 16-bit DICOM files written with dcmjs, one file per slice. */
export interface SeriesSpec {
  columns: number;
  rows: number;
  slices: number;
  /** ImageOrientationPatient: row direction then column direction. */
  orientation: number[];
  /** ImagePositionPatient of slice k. */
  position(k: number): number[];
  /** [between rows, between columns] (DICOM order). */
  pixelSpacing: [number, number];
  sliceThickness: number;
  /** Stored value of column i, row j of slice k, into `out` (row-major). */
  fill(k: number, out: Uint16Array): void;
  modality?: string;
  sopClassUID?: string;
  /** File name of slice k (default: shuffled names, so nothing can rely on their order). */
  fileName?(k: number): string;
  rescale?: { slope: number; intercept: number };
  uidRoot?: string;
}

/** Writes the series into `folder` (which must exist); returns the SOP Instance UIDs by slice. */
export async function writeDicomSeries(folder: string, spec: SeriesSpec): Promise<string[]> {
  const root = spec.uidRoot ?? '1.2.826.0.1.3680043.2.1125';
  const uids: string[] = [];
  const pixels = new Uint16Array(spec.columns * spec.rows);
  for (let k = 0; k < spec.slices; k++) {
    pixels.fill(0);
    spec.fill(k, pixels);
    const ds: Record<string, unknown> = {
      SOPClassUID: spec.sopClassUID ?? '1.2.840.10008.5.1.4.1.1.4',
      SOPInstanceUID: `${root}.5.${k}`,
      StudyInstanceUID: `${root}.6`,
      SeriesInstanceUID: `${root}.7`,
      FrameOfReferenceUID: `${root}.8`,
      PatientName: 'Phantom^Series',
      PatientID: 'PHANTOM-SERIES',
      Modality: spec.modality ?? 'MR',
      InstanceNumber: String(spec.slices - k),
      ImagePositionPatient: spec.position(k),
      ImageOrientationPatient: spec.orientation,
      PixelSpacing: spec.pixelSpacing,
      SliceThickness: spec.sliceThickness,
      Rows: spec.rows,
      Columns: spec.columns,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      ...(spec.rescale
        ? { RescaleSlope: spec.rescale.slope, RescaleIntercept: spec.rescale.intercept, RescaleType: 'HU' }
        : {}),
      PixelData: [pixels.slice().buffer],
      _vrMap: { PixelData: 'OW' },
    };
    const meta = {
      MediaStorageSOPClassUID: ds.SOPClassUID,
      MediaStorageSOPInstanceUID: ds.SOPInstanceUID,
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      ImplementationClassUID: `${root}.1`,
    };
    const bytes = quietly(() => {
      const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
      dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
      return Buffer.from(dict.write());
    });
    const name = spec.fileName?.(k) ?? `x${(k * 7) % spec.slices}_${k}.dcm`;
    await fs.writeFile(path.join(folder, name), bytes);
    uids.push(String(ds.SOPInstanceUID));
  }
  return uids;
}
