import * as dicomParser from 'dicom-parser';
import * as zlib from 'node:zlib';
import { ImagingError } from '../errors';
import { MAX_INFLATED_DICOM_BYTES } from '../limits';

export const DEFLATED_EXPLICIT_LE = '1.2.840.10008.1.2.1.99';

/**
 * For a Part 10 file in Deflated Explicit VR Little Endian: the file with its data set inflated
 * (the meta header followed by the inflated bytes, the layout dicom-parser's inflater returns).
 * Undefined for every other file, or when the meta header cannot be read (the parser then reports
 * what is wrong).
 *
 * Inflates in the background, chunk by chunk, and stops as soon as more than
 * MAX_INFLATED_DICOM_BYTES came out: a 1.4 MB deflated file can hold 1.4 GB of zeros, and
 * inflating it whole in one synchronous call (dicom-parser's default) held the event loop and
 * three copies of it.
 */
export async function inflateDeflatedDicom(
  file: string,
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  let position: number;
  try {
    const meta = dicomParser.readPart10Header(bytes) as dicomParser.DataSet & { position?: number };
    if (meta.string('x00020010')?.trim() !== DEFLATED_EXPLICIT_LE) return undefined;
    if (meta.position === undefined) return undefined;
    position = meta.position;
  } catch {
    return undefined;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const inflater = zlib.createInflateRaw({ chunkSize: 1 << 20 });
  let onAbort = (): void => undefined;
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error): void => {
      inflater.destroy();
      reject(error);
    };
    inflater.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > MAX_INFLATED_DICOM_BYTES) {
        chunks.length = 0;
        fail(
          new ImagingError(
            file,
            `Deflated Explicit VR Little Endian (${DEFLATED_EXPLICIT_LE}) data set inflates to more than ` +
              `${MAX_INFLATED_DICOM_BYTES / 1024 ** 2} MiB from ${bytes.length - position} bytes; refused to protect memory`,
          ),
        );
        return;
      }
      chunks.push(chunk);
    });
    inflater.on('error', (error) =>
      fail(new ImagingError(file, `corrupt deflated DICOM data set (${error.message})`)),
    );
    inflater.on('end', () => resolve());
    onAbort = () => fail(new ImagingError(file, 'aborted'));
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    inflater.end(bytes.subarray(position));
  }).finally(() => signal?.removeEventListener('abort', onAbort));
  const full = new Uint8Array(position + total);
  full.set(bytes.subarray(0, position));
  let at = position;
  for (const chunk of chunks) {
    full.set(chunk, at);
    at += chunk.length;
  }
  return full;
}
