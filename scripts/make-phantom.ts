/**
 * Writes the synthetic CT phantom shipped in media/samples/phantom/ (see src/demo/phantom.ts):
 *   synthetic_phantom_ct.nii.gz         int16 HU, 256×256×48, RAS affine
 *   synthetic_phantom_ct_labels.nii.gz  its exact labels (1 liver, 2 spleen, 3 right kidney, 4 left kidney, 5 aorta)
 *   synthetic_phantom_ct_series/        the same volume as 48 CT DICOM files (explicit VR little endian)
 * Deterministic: running it again gives the same bytes.   npx tsx scripts/make-phantom.ts
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { encodeNiftiInt16, encodeNiftiUint8 } from '../src/export/nifti';
import { quietly } from '../src/export/dcmjs';
import { makePhantom, PHANTOM_AFFINE, PHANTOM_DIMS, PHANTOM_SPACING } from '../src/demo/phantom';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const dcmjs = require('dcmjs');

const OUT = path.join(__dirname, '..', 'media', 'samples', 'phantom');
// Fixed UIDs under the UUID-derived root 2.25 (ITU-T X.667), so the files are reproducible.
const ROOT = '2.25.191763385094512097440235208318301846711';
const UID = { study: `${ROOT}.1`, series: `${ROOT}.2`, frame: `${ROOT}.3` };

async function main(): Promise<void> {
  const { hu, labels } = makePhantom();
  const [ni, nj, nk] = PHANTOM_DIMS;
  const geometry = { dims: PHANTOM_DIMS, spacing: PHANTOM_SPACING, affine: PHANTOM_AFFINE };
  await fs.mkdir(OUT, { recursive: true });
  await fs.writeFile(
    path.join(OUT, 'synthetic_phantom_ct.nii.gz'),
    encodeNiftiInt16(geometry, hu, {
      description: 'Synthetic CT phantom (not a patient), HU',
      maxValue: 1000,
    }),
  );
  await fs.writeFile(
    path.join(OUT, 'synthetic_phantom_ct_labels.nii.gz'),
    encodeNiftiUint8(geometry, labels, {
      description: 'Synthetic CT phantom labels: 1 liver 2 spleen 3 R kidney 4 L kidney 5 aorta',
      maxValue: 5,
      intentName: 'labels',
    }),
  );

  const seriesDir = path.join(OUT, 'synthetic_phantom_ct_series');
  await fs.rm(seriesDir, { recursive: true, force: true });
  await fs.mkdir(seriesDir);
  for (let k = 0; k < nk; k++) {
    // DICOM rows are i and columns are j: pixel (r, c) of slice k is voxel (r, c, k).
    const stored = new Uint16Array(ni * nj);
    for (let r = 0; r < ni; r++)
      for (let c = 0; c < nj; c++) stored[r * nj + c] = hu[r + ni * (c + nj * k)] + 1024;
    const sop = `${ROOT}.4.${k + 1}`;
    const ds = {
      SpecificCharacterSet: 'ISO_IR 100',
      ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'],
      SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
      SOPInstanceUID: sop,
      StudyDate: '20261201',
      StudyTime: '120000',
      AccessionNumber: '',
      Modality: 'CT',
      Manufacturer: 'MedImageParse (synthetic phantom)',
      ReferringPhysicianName: '',
      StudyDescription: 'Synthetic CT phantom',
      SeriesDescription: 'Synthetic CT phantom (not a patient)',
      PatientName: 'Synthetic^Phantom',
      PatientID: 'PHANTOM',
      PatientBirthDate: '',
      PatientSex: 'O',
      BodyPartExamined: 'ABDOMEN',
      SliceThickness: String(PHANTOM_SPACING[2]),
      KVP: '',
      PatientPosition: 'HFS',
      StudyInstanceUID: UID.study,
      SeriesInstanceUID: UID.series,
      StudyID: 'PHANTOM',
      SeriesNumber: '1',
      AcquisitionNumber: '1',
      InstanceNumber: String(k + 1),
      ImagePositionPatient: [-192, -192, -60 + PHANTOM_SPACING[2] * k],
      ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
      FrameOfReferenceUID: UID.frame,
      PositionReferenceIndicator: '',
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      Rows: ni,
      Columns: nj,
      PixelSpacing: [PHANTOM_SPACING[0], PHANTOM_SPACING[1]],
      BitsAllocated: 16,
      BitsStored: 16,
      HighBit: 15,
      PixelRepresentation: 0,
      WindowCenter: '40',
      WindowWidth: '400',
      RescaleIntercept: '-1024',
      RescaleSlope: '1',
      RescaleType: 'HU',
      BurnedInAnnotation: 'NO',
      PixelData: [stored.buffer],
    };
    const meta = {
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: ds.SOPClassUID,
      MediaStorageSOPInstanceUID: sop,
      TransferSyntaxUID: '1.2.840.10008.1.2.1',
      ImplementationClassUID: '1.2.826.0.1.3680043.10.1085.1',
      ImplementationVersionName: 'MEDIMAGEPARSE',
    };
    const bytes = quietly(() => {
      const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
      dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(ds);
      return Buffer.from(dict.write());
    });
    await fs.writeFile(path.join(seriesDir, `slice_${String(k).padStart(3, '0')}.dcm`), bytes);
  }
  console.log(`wrote ${OUT}`);
}

void main();
