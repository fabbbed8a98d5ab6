import fs from 'node:fs';
import path from 'node:path';
import { MissingModuleError } from '../runtime/optionalModules';
import { dcmjs, quietly, toArrayBuffer, type NaturalDataset } from './dcmjs';
import { PRIVATE_SCHEME, segmentCoding } from './segmentCoding';
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
    // A missing dcmjs is not the file's fault: its message says what to install.
    if (error instanceof MissingModuleError) throw error;
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
  /**
   * The catalogue site the image was parsed as (abdomen, colon, brain…): places tumours, edema
   * and cells in an anatomic region in the segments' codes.
   */
  site?: string;
  now?: Date;
}

const first = <T>(v: unknown): T | undefined => (Array.isArray(v) ? (v[0] as T) : (v as T | undefined));

/** A source image a SEG frame was derived from (a frame number for multi-frame sources). */
export interface SegSourceImage {
  sopClassUID: string;
  sopInstanceUID: string;
  frameNumber?: number;
}

/** One frame of a SEG: one segment on one source image plane. */
interface SegFrame {
  /** 1-based segment number. */
  segment: number;
  /** rows × columns values; a pixel is in the segment when its value is above `threshold`. */
  mask: ArrayLike<number>;
  threshold: number;
  source: SegSourceImage;
  /** ImagePositionPatient of the frame's first pixel (LPS, mm), when known. */
  position?: unknown;
  /** Values of the frame along the dimension index (segment number, then slice number if any). */
  dimensionIndex: number[];
}

/** Everything a SEG needs besides its frames' pixels: who, where, what. */
interface SegSpec {
  /** Header of a source image: patient, study and series number are copied from it. */
  src: NaturalDataset;
  rows: number;
  columns: number;
  studyInstanceUID: string;
  /** The source series, and every instance of it the SEG refers to. */
  seriesInstanceUID: string;
  referencedInstances: readonly SegSourceImage[];
  frameOfReferenceUID?: string;
  labels: readonly string[];
  frames: readonly SegFrame[];
  shared: {
    pixelSpacing?: unknown;
    sliceThickness?: unknown;
    spacingBetweenSlices?: number;
    orientation?: unknown;
  };
  /** Frames are told apart by segment only (one image), or by segment and position (a volume). */
  byPosition: boolean;
  options: DicomSegOptions;
}

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
  const position = src.ImagePositionPatient ?? fromGroups('PlanePositionSequence', 'ImagePositionPatient');
  const sourceImage: SegSourceImage = { sopClassUID, sopInstanceUID, frameNumber };

  return encodeSeg({
    src,
    rows,
    columns,
    studyInstanceUID,
    seriesInstanceUID,
    referencedInstances: [{ sopClassUID, sopInstanceUID }],
    frameOfReferenceUID,
    labels: segments.map((s) => s.label),
    // One frame per segment, all on the one source image.
    frames: segments.map((s, i) => ({
      segment: i + 1,
      mask: s.mask,
      threshold,
      source: sourceImage,
      position,
      dimensionIndex: [i + 1],
    })),
    shared: {
      pixelSpacing:
        src.PixelSpacing ?? fromGroups('PixelMeasuresSequence', 'PixelSpacing') ?? source.pixelSpacing,
      sliceThickness: src.SliceThickness ?? fromGroups('PixelMeasuresSequence', 'SliceThickness'),
      orientation:
        src.ImageOrientationPatient ?? fromGroups('PlaneOrientationSequence', 'ImageOrientationPatient'),
    },
    byPosition: false,
    options,
  });
}

/** One slice of a series volume: the source image it was read from and where it lies. */
export interface SegSeriesSlice {
  file: string;
  /** Frame index inside `file` (0 for single-frame files). */
  frame: number;
  /** ImagePositionPatient (LPS, mm). */
  position: readonly number[];
  sopInstanceUID?: string;
  sopClassUID?: string;
}

/** A DICOM series as a volume: what a SEG over it needs to know. */
export interface SegSeries {
  seriesInstanceUid: string;
  rows: number;
  columns: number;
  orientation: readonly number[];
  /** mm: [between columns, between rows, between slices]. */
  spacing: readonly [number, number, number];
  /** In grid order (the volume's third axis). */
  slices: readonly SegSeriesSlice[];
}

export interface VolumeSegSegment {
  label: string;
  /** Grid order (columns × rows × slices, column fastest); a voxel is in the segment when non-zero. */
  mask: Uint8Array;
}

/**
 * Builds a multi-frame DICOM SEG over a whole DICOM series: one frame per segment and slice where
 * that segment has voxels (a segment with none gets one empty frame, so every segment is in the
 * pixel data), each frame referring to its source instance and carrying that slice's
 * ImagePositionPatient; the SEG references every instance of the series. Patient and study come
 * from the first slice's header.
 */
export function buildSeriesDicomSeg(
  series: SegSeries,
  segments: readonly VolumeSegSegment[],
  options: DicomSegOptions = {},
): Buffer {
  const where = path.dirname(series.slices[0]?.file ?? 'series');
  if (segments.length === 0) throw new Error(`${where}: nothing to put in a DICOM SEG (no targets)`);
  const { rows, columns } = series;
  const plane = rows * columns;
  const voxels = plane * series.slices.length;
  for (const s of segments) {
    if (s.mask.length !== voxels)
      throw new Error(`mask of '${s.label}' has ${s.mask.length} values, expected ${voxels}`);
  }
  const src = readDicomHeader(series.slices[0].file);
  const studyInstanceUID = String(src.StudyInstanceUID ?? '');
  if (!studyInstanceUID) throw new Error(`${series.slices[0].file}: the source has no Study Instance UID`);
  const frameOfReferenceUID = String(src.FrameOfReferenceUID ?? '') || undefined;

  const framesPerInstance = new Map<string | undefined, number>();
  for (const slice of series.slices)
    framesPerInstance.set(slice.sopInstanceUID, (framesPerInstance.get(slice.sopInstanceUID) ?? 0) + 1);
  const sources = series.slices.map((slice): SegSourceImage => {
    const sopInstanceUID = slice.sopInstanceUID ?? '';
    const sopClassUID = slice.sopClassUID ?? '';
    if (!sopInstanceUID || !sopClassUID)
      throw new Error(`${slice.file}: the source has no SOP Class/Instance UID`);
    // A slice that is a frame of an enhanced multi-frame instance is referred to with its frame number.
    const multiFrame = (framesPerInstance.get(sopInstanceUID) ?? 0) > 1 || slice.frame > 0;
    return { sopClassUID, sopInstanceUID, frameNumber: multiFrame ? slice.frame + 1 : undefined };
  });
  const referencedInstances = [...new Map(sources.map((s) => [s.sopInstanceUID, s])).values()].map(
    ({ sopClassUID, sopInstanceUID }) => ({ sopClassUID, sopInstanceUID }),
  );

  const frames: SegFrame[] = [];
  segments.forEach((s, index) => {
    const before = frames.length;
    const frameOf = (k: number): SegFrame => ({
      segment: index + 1,
      mask: s.mask.subarray(k * plane, (k + 1) * plane),
      threshold: 0,
      source: sources[k],
      position: [...series.slices[k].position],
      dimensionIndex: [index + 1, k + 1],
    });
    for (let k = 0; k < series.slices.length; k++) {
      const end = (k + 1) * plane;
      let p = k * plane;
      while (p < end && s.mask[p] === 0) p++;
      if (p < end) frames.push(frameOf(k));
    }
    if (frames.length === before) frames.push(frameOf(0));
  });

  const [columnSpacing, rowSpacing, sliceSpacing] = series.spacing;
  return encodeSeg({
    src,
    rows,
    columns,
    studyInstanceUID,
    seriesInstanceUID: series.seriesInstanceUid,
    referencedInstances,
    frameOfReferenceUID,
    labels: segments.map((s) => s.label),
    frames,
    shared: {
      // DICOM PixelSpacing is [between rows, between columns].
      pixelSpacing: [rowSpacing, columnSpacing],
      sliceThickness: src.SliceThickness ?? sliceSpacing,
      spacingBetweenSlices: sliceSpacing,
      orientation: [...series.orientation],
    },
    byPosition: true,
    options,
  });
}

/** Writes the SEG dataset of `spec` as Part 10 bytes (explicit VR little endian) with dcmjs. */
function encodeSeg(spec: SegSpec): Buffer {
  const { src, rows, columns, frames, options } = spec;
  const pixels = rows * columns;
  for (const f of frames) {
    if (f.mask.length !== pixels)
      throw new Error(`a SEG frame has ${f.mask.length} values, expected ${pixels}`);
  }

  // Binary SEG pixel data: bits packed LSB first, frames back to back with no padding between.
  const pixelData = new Uint8Array(Math.ceil((pixels * frames.length) / 8));
  frames.forEach((f, index) => {
    const offset = index * pixels;
    for (let i = 0; i < pixels; i++) {
      if (f.mask[i] > f.threshold) {
        const bit = offset + i;
        pixelData[bit >> 3] |= 1 << (bit & 7);
      }
    }
  });

  const now = options.now ?? new Date();
  const { date, time } = dicomDateTime(now);
  const segSeriesUID = dcmjs.data.DicomMetaDictionary.uid();
  const segInstanceUID = dcmjs.data.DicomMetaDictionary.uid();
  const dimensionOrganizationUID = dcmjs.data.DicomMetaDictionary.uid();

  const sourceImageRef = (s: SegSourceImage): NaturalDataset => ({
    ReferencedSOPClassUID: s.sopClassUID,
    ReferencedSOPInstanceUID: s.sopInstanceUID,
    ...(s.frameNumber ? { ReferencedFrameNumber: s.frameNumber } : {}),
    PurposeOfReferenceCodeSequence: [
      {
        CodeValue: '121322',
        CodingSchemeDesignator: 'DCM',
        CodeMeaning: 'Source image for image processing operation',
      },
    ],
  });

  const { pixelSpacing, sliceThickness, spacingBetweenSlices, orientation } = spec.shared;
  const sharedGroup: NaturalDataset = {};
  if (pixelSpacing || sliceThickness !== undefined) {
    const measures: NaturalDataset = {};
    if (pixelSpacing) measures.PixelSpacing = pixelSpacing;
    if (sliceThickness !== undefined) measures.SliceThickness = sliceThickness;
    if (spacingBetweenSlices !== undefined) measures.SpacingBetweenSlices = spacingBetweenSlices;
    sharedGroup.PixelMeasuresSequence = [measures];
  }
  if (orientation) sharedGroup.PlaneOrientationSequence = [{ ImageOrientationPatient: orientation }];

  // Type 2 attributes must be present even when empty; the others only when the source has them.
  const copy = (keys: readonly string[], type2: boolean): NaturalDataset => {
    const out: NaturalDataset = {};
    for (const k of keys) if (src[k] !== undefined || type2) out[k] = src[k] ?? '';
    return out;
  };

  const dimensions: NaturalDataset[] = [
    {
      DimensionOrganizationUID: dimensionOrganizationUID,
      DimensionIndexPointer: '0062000B',
      FunctionalGroupPointer: '0062000A',
      DimensionDescriptionLabel: 'ReferencedSegmentNumber',
    },
  ];
  if (spec.byPosition) {
    dimensions.push({
      DimensionOrganizationUID: dimensionOrganizationUID,
      DimensionIndexPointer: '00200032',
      FunctionalGroupPointer: '00209113',
      DimensionDescriptionLabel: 'ImagePositionPatient',
    });
  }

  // Standard codes for catalogue targets so other viewers know the anatomy; the private scheme
  // only for free text (see segmentCoding.ts), and then named in the SOP Common module.
  const codings = spec.labels.map((label) => segmentCoding(label, options.site));
  const usesPrivateScheme = codings.some(
    (c) =>
      c.category.CodingSchemeDesignator === PRIVATE_SCHEME ||
      c.type.CodingSchemeDesignator === PRIVATE_SCHEME,
  );

  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    ImageType: ['DERIVED', 'PRIMARY'],
    SOPClassUID: SEG_SOP_CLASS_UID,
    SOPInstanceUID: segInstanceUID,
    // Patient and study: the SEG belongs with its source.
    ...copy(
      [
        'PatientName',
        'PatientID',
        'PatientBirthDate',
        'PatientSex',
        'StudyDate',
        'StudyTime',
        'ReferringPhysicianName',
        'StudyID',
        'AccessionNumber',
      ],
      true,
    ),
    // A de-identified source says how (Type 1C with PatientIdentityRemoved): the SEG says the same.
    ...copy(
      [
        'PatientAge',
        'PatientIdentityRemoved',
        'DeidentificationMethod',
        'DeidentificationMethodCodeSequence',
        'StudyDescription',
      ],
      false,
    ),
    StudyInstanceUID: spec.studyInstanceUID,
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
    // Type 2, and a person's name (PN): a program's name there is the retired one-component form
    // dciodvfy warns about. The program is named in Manufacturer and ManufacturerModelName.
    ContentCreatorName: '',
    SegmentationType: 'BINARY',
    // Geometry of the source, so viewers overlay the SEG where it belongs.
    ...(spec.frameOfReferenceUID ? { FrameOfReferenceUID: spec.frameOfReferenceUID } : {}),
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
    NumberOfFrames: frames.length,
    ...(usesPrivateScheme
      ? {
          CodingSchemeIdentificationSequence: [
            {
              CodingSchemeDesignator: PRIVATE_SCHEME,
              CodingSchemeName: `${APP_NAME} text-prompted targets`,
              CodingSchemeResponsibleOrganization: APP_NAME,
            },
          ],
        }
      : {}),
    SegmentSequence: spec.labels.map((label, i) => {
      const coding = codings[i];
      return {
        SegmentNumber: i + 1,
        SegmentLabel: label.slice(0, 64),
        SegmentDescription: label,
        SegmentAlgorithmType: 'AUTOMATIC',
        SegmentAlgorithmName: APP_NAME,
        SegmentedPropertyCategoryCodeSequence: [coding.category],
        SegmentedPropertyTypeCodeSequence: [
          {
            ...coding.type,
            ...(coding.typeModifier
              ? { SegmentedPropertyTypeModifierCodeSequence: [coding.typeModifier] }
              : {}),
          },
        ],
        ...(coding.anatomicRegion ? { AnatomicRegionSequence: [coding.anatomicRegion] } : {}),
        RecommendedDisplayCIELabValue: rgbToDicomLab(SEGMENT_COLOURS_RGB[i % SEGMENT_COLOURS_RGB.length]),
      };
    }),
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUID }],
    DimensionIndexSequence: dimensions,
    SharedFunctionalGroupsSequence: [sharedGroup],
    PerFrameFunctionalGroupsSequence: frames.map((f) => {
      const group: NaturalDataset = {
        DerivationImageSequence: [
          {
            SourceImageSequence: [sourceImageRef(f.source)],
            DerivationCodeSequence: [
              { CodeValue: '113076', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Segmentation' },
            ],
          },
        ],
        FrameContentSequence: [{ DimensionIndexValues: f.dimensionIndex }],
        SegmentIdentificationSequence: [{ ReferencedSegmentNumber: f.segment }],
      };
      if (f.position) group.PlanePositionSequence = [{ ImagePositionPatient: f.position }];
      return group;
    }),
    ReferencedSeriesSequence: [
      {
        SeriesInstanceUID: spec.seriesInstanceUID,
        ReferencedInstanceSequence: spec.referencedInstances.map((r) => ({
          ReferencedSOPClassUID: r.sopClassUID,
          ReferencedSOPInstanceUID: r.sopInstanceUID,
        })),
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
