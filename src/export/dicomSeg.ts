import fs from 'node:fs';
import crypto from 'node:crypto';
import { dcmjs, quietly, toArrayBuffer, type NaturalDataset } from './dcmjs';
import type { SourceInfo } from './sourceInfo';
import { APP_NAME, APP_VERSION } from '../shared/version';

/**
 * DICOM Segmentation (binary, one segment per target) that references the source image, built
 * as a naturalized dataset and written with dcmjs.
 */

const SEG_SOP_CLASS_UID = '1.2.840.10008.5.1.4.1.1.66.4';
const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
// This application's implementation class UID (a fixed UUID-derived 2.25 UID, generated once).
const IMPLEMENTATION_CLASS_UID = '2.25.37017929679395514562086043721452466336';
/** Private coding scheme for the free-text targets of a text-prompted model. */
const CODING_SCHEME = '99MEDPARSE';

/** Distinct display colours (CIELab, DICOM scaled 0–65535) so viewers tell segments apart. */
const SEGMENT_COLOURS_RGB: readonly [number, number, number][] = [
  [230, 25, 75],
  [60, 180, 75],
  [255, 225, 25],
  [0, 130, 200],
  [245, 130, 48],
  [145, 30, 180],
  [70, 240, 240],
  [240, 50, 230],
  [210, 245, 60],
  [250, 190, 212],
];

function rgbToDicomLab([r, g, b]: readonly [number, number, number]): number[] {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [R, G, B] = [lin(r), lin(g), lin(b)];
  const X = (0.4124 * R + 0.3576 * G + 0.1805 * B) / 0.95047;
  const Y = 0.2126 * R + 0.7152 * G + 0.0722 * B;
  const Z = (0.0193 * R + 0.1192 * G + 0.9505 * B) / 1.08883;
  const f = (t: number) => (t > 216 / 24389 ? Math.cbrt(t) : (24389 / 27 / 116) * t + 16 / 116);
  const L = 116 * f(Y) - 16;
  const a = 500 * (f(X) - f(Y));
  const bb = 200 * (f(Y) - f(Z));
  return [
    Math.round((L / 100) * 65535),
    Math.round(((a + 128) / 255) * 65535),
    Math.round(((bb + 128) / 255) * 65535),
  ];
}

/** A short, stable code value (SH, ≤ 16 chars) for a free-text target. */
function codeValueFor(target: string): string {
  return 'T' + crypto.createHash('sha1').update(target).digest('hex').slice(0, 12).toUpperCase();
}

function dicomDateTime(now: Date): { date: string; time: string } {
  const iso = now.toISOString(); // UTC, like dcmjs's own helpers
  return { date: iso.slice(0, 10).replace(/-/g, ''), time: iso.slice(11, 19).replace(/:/g, '') };
}

/** Reads the source DICOM header (no pixel data) with dcmjs; errors name the file. */
export function readDicomHeader(file: string): NaturalDataset {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    throw new Error(
      `${file}: cannot read the source DICOM (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      { cause: error },
    );
  }
  try {
    return quietly(() => {
      const dict = dcmjs.data.DicomMessage.readFile(toArrayBuffer(bytes), {
        untilTag: '7FE00010',
        ignoreErrors: true,
      });
      return dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict);
    });
  } catch (error) {
    throw new Error(
      `${file}: not a readable DICOM file (${error instanceof Error ? error.message : String(error)})`,
      { cause: error },
    );
  }
}

export interface SegSegment {
  /** Target name: the segment label. */
  label: string;
  /** One value per source pixel (0–255 probability scale), width × height. */
  mask: Uint8Array;
}

export interface DicomSegOptions {
  /** A pixel is in the segment when its value is above this (default 127.5). */
  threshold?: number;
  /** Series description of the SEG (default "MedImageParse segmentation"). */
  seriesDescription?: string;
  now?: Date;
}

const first = <T>(v: unknown): T | undefined => (Array.isArray(v) ? (v[0] as T) : (v as T | undefined));

/**
 * Builds a DICOM SEG (Part 10 bytes) for the given segments over the source image. The source's
 * patient and study are copied, the SEG is a new series in the same study and frame of
 * reference, and every frame points back at the source SOP instance.
 */
export function buildDicomSeg(
  source: SourceInfo,
  segments: readonly SegSegment[],
  options: DicomSegOptions = {},
): Buffer {
  if (segments.length === 0) throw new Error(`${source.file}: nothing to put in a DICOM SEG (no targets)`);
  const src = readDicomHeader(source.file);
  const rows = Number(src.Rows);
  const columns = Number(src.Columns);
  if (rows !== source.height || columns !== source.width) {
    throw new Error(
      `${source.file}: DICOM is ${columns}×${rows} but the masks are ${source.width}×${source.height}`,
    );
  }
  const sopInstanceUID = String(src.SOPInstanceUID ?? '');
  const sopClassUID = String(src.SOPClassUID ?? '');
  if (!sopInstanceUID || !sopClassUID)
    throw new Error(`${source.file}: the source has no SOP Class/Instance UID`);
  if (source.dicom?.sopInstanceUID && source.dicom.sopInstanceUID !== sopInstanceUID) {
    throw new Error(`${source.file}: SOP Instance UID on disk differs from the one the masks were made for`);
  }
  const studyInstanceUID = String(src.StudyInstanceUID ?? source.dicom?.studyInstanceUID ?? '');
  const seriesInstanceUID = String(src.SeriesInstanceUID ?? source.dicom?.seriesInstanceUID ?? '');
  if (!studyInstanceUID || !seriesInstanceUID)
    throw new Error(`${source.file}: the source has no Study/Series Instance UID`);
  const frameOfReferenceUID =
    String(src.FrameOfReferenceUID ?? source.dicom?.frameOfReferenceUID ?? '') || undefined;

  const threshold = options.threshold ?? 127.5;
  const pixels = rows * columns;
  for (const s of segments) {
    if (s.mask.length !== pixels)
      throw new Error(`mask of '${s.label}' has ${s.mask.length} values, expected ${pixels}`);
  }

  // Binary SEG pixel data: one frame per segment, bits packed LSB first, frames back to back.
  const pixelData = new Uint8Array(Math.ceil((pixels * segments.length) / 8));
  segments.forEach((s, f) => {
    const offset = f * pixels;
    for (let i = 0; i < pixels; i++) {
      if (s.mask[i] > threshold) {
        const bit = offset + i;
        pixelData[bit >> 3] |= 1 << (bit & 7);
      }
    }
  });

  // Where the source pixels are: a single-frame source carries it at the top level, an enhanced
  // multi-frame one in its functional groups (taken from the frame the masks belong to).
  const frameNumber =
    source.frame && Number(src.NumberOfFrames ?? 1) > 1 ? source.frame.index + 1 : undefined;
  const perFrameSrc = frameNumber
    ? (src.PerFrameFunctionalGroupsSequence as NaturalDataset[] | undefined)?.[frameNumber - 1]
    : undefined;
  const sharedSrc = first<NaturalDataset>(src.SharedFunctionalGroupsSequence);
  const fromGroups = (group: string, key: string): unknown =>
    first<NaturalDataset>(perFrameSrc?.[group])?.[key] ?? first<NaturalDataset>(sharedSrc?.[group])?.[key];
  const pixelSpacing = (src.PixelSpacing ??
    fromGroups('PixelMeasuresSequence', 'PixelSpacing') ??
    source.pixelSpacing) as number[] | undefined;
  const sliceThickness = src.SliceThickness ?? fromGroups('PixelMeasuresSequence', 'SliceThickness');
  const orientation =
    src.ImageOrientationPatient ?? fromGroups('PlaneOrientationSequence', 'ImageOrientationPatient');
  const position = src.ImagePositionPatient ?? fromGroups('PlanePositionSequence', 'ImagePositionPatient');

  const now = options.now ?? new Date();
  const { date, time } = dicomDateTime(now);
  const segSeriesUID = dcmjs.data.DicomMetaDictionary.uid();
  const segInstanceUID = dcmjs.data.DicomMetaDictionary.uid();
  const dimensionOrganizationUID = dcmjs.data.DicomMetaDictionary.uid();

  const sourceImageRef: NaturalDataset = {
    ReferencedSOPClassUID: sopClassUID,
    ReferencedSOPInstanceUID: sopInstanceUID,
    PurposeOfReferenceCodeSequence: [
      {
        CodeValue: '121322',
        CodingSchemeDesignator: 'DCM',
        CodeMeaning: 'Source image for image processing operation',
      },
    ],
  };
  if (frameNumber) sourceImageRef.ReferencedFrameNumber = frameNumber;

  const sharedGroup: NaturalDataset = {};
  if (pixelSpacing || sliceThickness !== undefined) {
    const measures: NaturalDataset = {};
    if (pixelSpacing) measures.PixelSpacing = pixelSpacing;
    if (sliceThickness !== undefined) measures.SliceThickness = sliceThickness;
    sharedGroup.PixelMeasuresSequence = [measures];
  }
  if (orientation) sharedGroup.PlaneOrientationSequence = [{ ImageOrientationPatient: orientation }];

  const copy = (keys: readonly string[]): NaturalDataset => {
    const out: NaturalDataset = {};
    for (const k of keys) if (src[k] !== undefined) out[k] = src[k];
    return out;
  };

  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'PRIMARY'],
    SOPClassUID: SEG_SOP_CLASS_UID,
    SOPInstanceUID: segInstanceUID,
    // Patient and study: the SEG belongs with its source.
    ...copy([
      'PatientName',
      'PatientID',
      'PatientBirthDate',
      'PatientSex',
      'PatientAge',
      'PatientIdentityRemoved',
      'StudyDate',
      'StudyTime',
      'ReferringPhysicianName',
      'StudyID',
      'AccessionNumber',
      'StudyDescription',
    ]),
    StudyInstanceUID: studyInstanceUID,
    SeriesDate: date,
    SeriesTime: time,
    ContentDate: date,
    ContentTime: time,
    Modality: 'SEG',
    Manufacturer: APP_NAME,
    ManufacturerModelName: APP_NAME,
    DeviceSerialNumber: '1',
    SoftwareVersions: APP_VERSION,
    SeriesDescription: options.seriesDescription ?? `${APP_NAME} segmentation (research use only)`,
    SeriesInstanceUID: segSeriesUID,
    SeriesNumber: 9000 + (Number(src.SeriesNumber) % 1000 || 0),
    InstanceNumber: 1,
    ContentLabel: 'MEDPARSE',
    ContentDescription: 'Text-prompted segmentation, research use only',
    ContentCreatorName: APP_NAME,
    SegmentationType: 'BINARY',
    // Geometry of the source, so viewers overlay the SEG where it belongs.
    ...(frameOfReferenceUID ? { FrameOfReferenceUID: frameOfReferenceUID } : {}),
    PositionReferenceIndicator: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: rows,
    Columns: columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    NumberOfFrames: segments.length,
    SegmentSequence: segments.map((s, i) => ({
      SegmentNumber: i + 1,
      SegmentLabel: s.label.slice(0, 64),
      SegmentDescription: s.label,
      SegmentAlgorithmType: 'AUTOMATIC',
      SegmentAlgorithmName: APP_NAME,
      SegmentedPropertyCategoryCodeSequence: [
        { CodeValue: 'TARGET', CodingSchemeDesignator: CODING_SCHEME, CodeMeaning: 'Text-prompted target' },
      ],
      SegmentedPropertyTypeCodeSequence: [
        {
          CodeValue: codeValueFor(s.label),
          CodingSchemeDesignator: CODING_SCHEME,
          CodeMeaning: s.label.slice(0, 64),
        },
      ],
      RecommendedDisplayCIELabValue: rgbToDicomLab(SEGMENT_COLOURS_RGB[i % SEGMENT_COLOURS_RGB.length]),
    })),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: dimensionOrganizationUID,
        DimensionIndexPointer: '0062000B',
        FunctionalGroupPointer: '0062000A',
        DimensionDescriptionLabel: 'ReferencedSegmentNumber',
      },
    ],
    SharedFunctionalGroupsSequence: [sharedGroup],
    PerFrameFunctionalGroupsSequence: segments.map((_, i) => {
      const group: NaturalDataset = {
        DerivationImageSequence: [
          {
            SourceImageSequence: [sourceImageRef],
            DerivationCodeSequence: [
              { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' },
            ],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: [i + 1] }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: i + 1 }],
      };
      if (position) group.PlanePositionSequence = [{ ImagePositionPatient: position }];
      return group;
    }),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: seriesInstanceUID,
        ReferencedInstanceSequence: [
          { ReferencedSOPClassUID: sopClassUID, ReferencedSOPInstanceUID: sopInstanceUID },
        ],
      },
    ],
    PixelData: [toArrayBuffer(pixelData)],
    _vrMap: { PixelData: 'OB' },
  };

  const meta: NaturalDataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SEG_SOP_CLASS_UID,
    MediaStorageSOPInstanceUID: segInstanceUID,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: `MEDPARSE_${APP_VERSION}`.slice(0, 16),
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  return quietly(() => {
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
    return Buffer.from(dict.write());
  });
}
