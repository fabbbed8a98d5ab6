/** An image decoded for viewing and for building the model input, with its geometry. */
export interface SourceImage {
  file: string;
  format: 'dicom' | 'nifti' | 'raster';
  width: number;
  height: number;
  channels: 1 | 3;
  /**
   * Full-fidelity values in real-world units (HU after rescale for CT), row-major, channels
   * interleaved. 8-bit raster images keep their bytes (a quarter of the memory, and no conversion
   * of millions of samples on open); everything else is float.
   */
  pixels: Float32Array | Uint8Array;
  /** Display hint: min/max of pixels, and a default window [lower, upper] for the viewer. */
  range: { min: number; max: number };
  defaultWindow?: { lower: number; upper: number };
  /** mm per pixel [row spacing, column spacing] when known (DICOM PixelSpacing, NIfTI pixdim). */
  pixelSpacing?: [number, number];
  /** Which slice/frame of how many (volumes, multi-frame, 4D time points). */
  slice?: { index: number; count: number };
  frame?: { index: number; count: number };
  /** From DICOM Modality / BodyPartExamined, or guessed from the file name; for UI suggestions only. */
  modalityHint?: string;
  bodyPartHint?: string;
  burnedInAnnotation: boolean;
  /** Bits per sample of the stored values (8, 16, 32 for float NIfTI ...): raster 16-bit images are normalised, not taken as they are. */
  bitsStored?: number;
  /** Unit of the values where the file states one the viewer would not guess (RT Dose: Gy). */
  unit?: string;
  /** What a user should know before trusting the pixels (a file read around a broken rule). */
  warnings?: string[];
  /** DICOM only, kept local for exports (DICOM SEG references). Never sent anywhere. */
  dicom?: DicomInfo;
  /** NIfTI only: dims and affine (4x4 row-major, sform or qform) for exports. */
  nifti?: {
    dims: number[];
    pixdim: number[];
    affine: number[];
    /** sform or qform code set: the affine gives patient directions (else only pixdim). */
    orientationKnown?: boolean;
  };
}

/** DICOM attributes kept for exports that must reference the source (e.g. DICOM SEG). */
export interface DicomInfo {
  sopInstanceUID?: string;
  sopClassUID?: string;
  studyInstanceUID?: string;
  seriesInstanceUID?: string;
  frameOfReferenceUID?: string;
  transferSyntaxUID: string;
  modality?: string;
  patientID?: string;
  patientName?: string;
  studyDate?: string;
  studyID?: string;
  accessionNumber?: string;
  seriesNumber?: string;
  instanceNumber?: string;
  imagePositionPatient?: number[];
  imageOrientationPatient?: number[];
  sliceThickness?: number;
  photometricInterpretation: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
}

export type CtSite = 'abdomen' | 'lung' | 'pelvis' | 'liver' | 'colon' | 'pancreas';

export type IntensitySpec =
  | { kind: 'auto' }
  | { kind: 'percentile' }
  | { kind: 'ct'; site: CtSite }
  | { kind: 'window'; lower: number; upper: number }
  | { kind: 'none' };

/** How the source pixels were placed in the 1024² model input: needed to map masks back. */
export interface ModelInputGeometry {
  sourceWidth: number;
  sourceHeight: number;
  padTop: number;
  padLeft: number;
  paddedWidth: number;
  paddedHeight: number;
  size: 1024;
}

export interface ModelInput {
  /** A freshly encoded 8-bit RGB PNG without metadata chunks: the only thing sent to an endpoint. */
  png: Buffer;
  /**
   * The same pixels, 1024*1024*3, row-major RGB. Only the analysis after a response reads them,
   * so a grey image's are expanded from its grey values on first access.
   */
  readonly rgb: Uint8Array;
  /**
   * The grey values (1024*1024) when R, G and B are equal (every grey source): what the analysis
   * reads instead of rgb, so that the 3 MB of RGB are only made when something needs them.
   */
  grey?: Uint8Array;
  geometry: ModelInputGeometry;
}

export interface OpenOptions {
  /** Index along the third axis of a volume (default: the middle slice). */
  slice?: number;
  /** Frame of a multi-frame DICOM, or time point of a 4D NIfTI (default 0). */
  frame?: number;
  signal?: AbortSignal;
  /**
   * Keep a volume's bytes in memory (see volumeCache.ts) because other slices or frames of it are
   * about to be asked for: the viewer's sliders. Batch and command-line runs leave it off.
   */
  keepVolume?: boolean;
}
