import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { asImagingError, ImagingError } from './errors';
import { decodeDicom, looksLikeDicom } from './decode/dicom';
import { decodeNifti, isGzip, looksLikeNifti } from './decode/nifti';
import { decodeRaster } from './decode/raster';
import type { OpenOptions, SourceImage } from './types';
import { volumeCache, type FileStamp } from './volumeCache';

/** Largest file we read into memory (compressed volumes are checked again after their header). */
const MAX_FILE_BYTES = 2 * 1024 ** 3 - 1;

/**
 * Reads and decodes one image file for the viewer and the model-input pipeline. The format comes
 * from the content (DICM preamble, NIfTI header size, gzip magic, image signatures), with the
 * extension as a tie-breaker: a DICOM without extension and a misnamed file both work.
 * Every failure is an ImagingError whose message is "<file>: <problem>".
 */
export async function openImage(file: string, options: OpenOptions = {}): Promise<SourceImage> {
  try {
    options.signal?.throwIfAborted();
    let stat;
    try {
      stat = await fs.stat(file);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new ImagingError(
        file,
        code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(error)})`,
      );
    }
    if (stat.isDirectory()) throw new ImagingError(file, 'is a directory, not an image file');
    if (stat.size === 0) throw new ImagingError(file, 'empty file');
    if (stat.size > MAX_FILE_BYTES) throw new ImagingError(file, `file of ${stat.size} bytes is too large`);
    checkIndex(file, 'slice', options.slice);
    checkIndex(file, 'frame', options.frame);
    const stamp: FileStamp = { size: stat.size, mtimeMs: stat.mtimeMs };
    const kept = options.keepVolume ? volumeCache.get(file, stamp) : undefined;
    // The format from the first bytes: a picture is decoded from the file by sharp, streaming,
    // so its compressed bytes are never held next to its pixels (hundreds of MB for a large PNG).
    const head = kept ?? (await readHead(file, SNIFF_BYTES));
    const kind = sniff(file, head);
    if (kind === 'raster') return await decodeRaster(file, head);
    const data = kept ?? (await fs.readFile(file, { signal: options.signal }));
    const image =
      kind === 'dicom' ? await decodeDicom(file, data, options) : await decodeNifti(file, data, options);
    if (options.keepVolume && !kept) keepVolume(file, stamp, data, image);
    return image;
  } catch (error) {
    if ((error as Error)?.name === 'AbortError') throw new ImagingError(file, 'aborted', { cause: error });
    throw asImagingError(file, error);
  }
}

/**
 * Keeps a volume with more than one slice, time point or frame (NIfTI, multi-frame DICOM): its
 * bytes as read, or for a .nii.gz the inflated bytes, inflated in the background (the slice just
 * shown came from a partial inflate, so nothing waits for this).
 */
function keepVolume(file: string, stamp: FileStamp, data: Buffer, image: SourceImage): void {
  const slices = image.slice?.count ?? 1;
  const frames = image.frame?.count ?? 1;
  if (slices * frames <= 1) return;
  if (!isGzip(data)) {
    volumeCache.put(file, stamp, data);
    return;
  }
  const bytesPerSample = Math.max(1, (image.bitsStored ?? 8) / 8);
  const expected = image.width * image.height * image.channels * slices * frames * bytesPerSample;
  void volumeCache.putInflated(file, stamp, data, expected);
}

/** Enough for every signature sniff() looks at (the DICOM preamble ends at byte 132). */
const SNIFF_BYTES = 4096;

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function checkIndex(file: string, name: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isInteger(value) && value >= 0)) {
    throw new ImagingError(file, `${name} index must be a non-negative integer, got ${value}`);
  }
}

function sniff(file: string, data: Buffer): 'dicom' | 'nifti' | 'raster' {
  const lower = path.basename(file).toLowerCase();
  if (looksLikeDicom(data)) return 'dicom';
  if (looksLikeNifti(data)) return 'nifti';
  if (isGzip(data)) {
    if (/\.(dcm|dicom)\.gz$/.test(lower)) {
      throw new ImagingError(
        file,
        'gzip-compressed DICOM file: decompress it first (gunzip); compressed transfer syntaxes inside DICOM are read',
      );
    }
    if (lower.endsWith('.nii.gz') || lower.endsWith('.gz')) return 'nifti';
    throw new ImagingError(file, 'gzip-compressed file that is not a .nii.gz');
  }
  if (lower.endsWith('.dcm') || lower.endsWith('.dicom')) return 'dicom';
  if (lower.endsWith('.nii')) return 'nifti';
  return 'raster';
}
