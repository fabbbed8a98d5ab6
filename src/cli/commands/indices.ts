import type { SourceImage } from '../../imaging';

/**
 * Why `--slice` / `--frame` do not apply to this image, or undefined when they do (or were not
 * given). Decoders ignore an index an image has no axis for (a batch may mix volumes and 2D
 * images); the commands use this to say so rather than quietly prepare something else.
 */
export function inapplicableIndex(image: SourceImage, slice?: number, frame?: number): string | undefined {
  const what =
    image.format === 'raster'
      ? 'a single 2D image'
      : image.format === 'dicom'
        ? 'a single-frame DICOM (one 2D image)'
        : 'a volume without time points';
  // A multi-frame DICOM takes --slice as its frame.
  const hasSlices = !!image.slice || (image.format === 'dicom' && (image.frame?.count ?? 1) > 1);
  if (slice !== undefined && !hasSlices)
    return `--slice ${slice} was given, but the file is ${what} with no slices`;
  if (frame !== undefined && !image.frame && image.format === 'raster')
    return `--frame ${frame} was given, but the file is ${what} with no frames`;
  return undefined;
}
