import sharp from 'sharp';

/**
 * Encodes 8-bit RGB as a fresh PNG. sharp writes no metadata chunks unless asked
 * (no withMetadata/keepExif/keepIccProfile here), so only pixel values leave the machine.
 * Compression level 3 with adaptive filtering: a fraction of the time of level 6 for a few percent
 * more bytes on typical medical images.
 */
export async function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 3, adaptiveFiltering: true })
    .toBuffer();
}
