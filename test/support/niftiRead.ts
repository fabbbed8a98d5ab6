import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';

type NiftiModule = typeof import('nifti-reader-js', { with: { 'resolution-mode': 'import' } });

/** A NIfTI's header, voxel values and affine (nifti-reader-js). */
export async function readNifti(file: string) {
  const nifti: NiftiModule = await import('nifti-reader-js');
  const bytes = await fs.readFile(file);
  let data = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  const header = nifti.readHeader(data)!;
  const raw = nifti.readImage(header, data);
  const values =
    header.datatypeCode === 2
      ? new Uint8Array(raw)
      : header.datatypeCode === 4
        ? new Int16Array(raw)
        : header.datatypeCode === 512
          ? new Uint16Array(raw)
          : assert.fail(`${file}: datatype ${header.datatypeCode}`);
  return { header, values, affine: header.affine as number[][] };
}
