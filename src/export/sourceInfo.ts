/**
 * What the exporters need to know about the image the masks belong to. A structural subset of
 * the imaging module's `SourceImage`, so one can be passed as is.
 */
export interface SourceInfo {
  /** Path of the source file on disk (the DICOM file for SEG export). */
  file: string;
  format?: 'dicom' | 'nifti' | 'raster';
  /** Source resolution: the exported masks have width × height pixels. */
  width: number;
  height: number;
  /** [row spacing, column spacing] in mm, when known. */
  pixelSpacing?: readonly [number, number];
  /** Which slice of a volume the masks belong to (NIfTI: index along the third axis). */
  slice?: { index: number; count: number };
  /** Which frame of a multi-frame image or time series the masks belong to. */
  frame?: { index: number; count: number };
  /** UIDs as the imaging stage read them; the SEG exporter re-reads the file and checks they agree. */
  dicom?: {
    sopInstanceUID?: string;
    sopClassUID?: string;
    studyInstanceUID?: string;
    seriesInstanceUID?: string;
    frameOfReferenceUID?: string;
  };
  /**
   * NIfTI geometry. `dims`/`pixdim` may be the header arrays (8 entries, dims[0] = rank,
   * pixdim[0] = qfac) or just the sizes/spacings per axis. `affine` is the 4×4 voxel → world
   * matrix, row-major, as nested rows or 16 numbers. Slices are read the reference's way
   * (`volume[:, :, k]`): image row = first voxel axis, image column = second.
   */
  nifti?: {
    dims: readonly number[];
    pixdim: readonly number[];
    affine: readonly (readonly number[])[] | readonly number[];
  };
}
