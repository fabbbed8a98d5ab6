/**
 * Hostile variants of the samples, built in the tests' temp folders: deflated DICOMs (an honest
 * one and a "zip bomb"), decoder-breaking compressed frames, and corrupt NIfTI headers.
 */
import * as dicomParser from 'dicom-parser';
import * as zlib from 'node:zlib';

export const DEFLATED_TS = '1.2.840.10008.1.2.1.99';

/** The DICOM rewritten with the given transfer syntax in its meta header (data set untouched). */
export function withTransferSyntax(dicom: Buffer, transferSyntax: string): Buffer {
  const meta = dicomParser.readPart10Header(new Uint8Array(dicom)) as dicomParser.DataSet & {
    position: number;
  };
  const ts = meta.elements.x00020010;
  const groupLength = meta.elements.x00020000;
  // Explicit VR little endian, short form: tag (4), VR (2), length (2), value.
  const value = Buffer.from(transferSyntax.length % 2 ? `${transferSyntax}\0` : transferSyntax, 'latin1');
  const element = Buffer.alloc(8);
  element.writeUInt16LE(0x0002, 0);
  element.writeUInt16LE(0x0010, 2);
  element.write('UI', 4, 'latin1');
  element.writeUInt16LE(value.length, 6);
  const out = Buffer.concat([
    dicom.subarray(0, ts.dataOffset - 8),
    element,
    value,
    dicom.subarray(ts.dataOffset + ts.length),
  ]);
  const grown = value.length - ts.length;
  out.writeUInt32LE(dicom.readUInt32LE(groupLength.dataOffset) + grown, groupLength.dataOffset);
  return out;
}

function metaEnd(dicom: Buffer): number {
  const meta = dicomParser.readPart10Header(new Uint8Array(dicom)) as dicomParser.DataSet & {
    position: number;
  };
  return meta.position;
}

/** An explicit-VR little-endian DICOM as Deflated Explicit VR Little Endian (same data set). */
export function deflatedDicom(explicitLe: Buffer): Buffer {
  const relabelled = withTransferSyntax(explicitLe, DEFLATED_TS);
  const at = metaEnd(relabelled);
  return Buffer.concat([relabelled.subarray(0, at), zlib.deflateRawSync(relabelled.subarray(at))]);
}

/**
 * A deflated DICOM whose data set inflates to `inflatedMiB` MiB: the real data set followed by
 * zeros. Built from one deflated MiB of zeros repeated (each piece ends on a sync flush, so the
 * pieces concatenate into one valid stream): a few hundred KB on disk, without ever holding the
 * inflated bytes here.
 */
export function deflateBomb(explicitLe: Buffer, inflatedMiB: number): Buffer {
  const relabelled = withTransferSyntax(explicitLe, DEFLATED_TS);
  const at = metaEnd(relabelled);
  const sync = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const head = zlib.deflateRawSync(relabelled.subarray(at), sync);
  const zeros = zlib.deflateRawSync(Buffer.alloc(1024 ** 2), sync);
  const end = zlib.deflateRawSync(Buffer.alloc(0));
  return Buffer.concat([
    relabelled.subarray(0, at),
    head,
    ...Array.from({ length: inflatedMiB }, () => zeros),
    end,
  ]);
}
