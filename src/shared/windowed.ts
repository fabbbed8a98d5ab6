/**
 * Whether the viewer windows an image's values (window presets, fields, Shift-drag) rather than
 * showing them as 0–255 bytes: DICOM, NIfTI, and raster images deeper than 8 bits (a 16-bit PNG
 * X-ray's values run to 65535 and would all be white as bytes). Shared by host and webview.
 */
export function isWindowed(image: { format: string; bitsStored?: number }): boolean {
  return image.format !== 'raster' || (image.bitsStored ?? 8) > 8;
}
