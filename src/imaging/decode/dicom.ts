import * as dicomParser from 'dicom-parser';
import { ImagingError } from '../errors';
import { checkDimensions, MAX_DECODED_BYTES } from '../limits';
import type { DicomInfo, OpenOptions, SourceImage } from '../types';
import { finishImage } from './common';
import { inflateDeflatedDicom } from './dicomDeflate';
import {
  decodeCompressedFrame,
  describeTransferSyntax,
  isSupportedTransferSyntax,
  NATIVE_SYNTAXES,
} from './dicomCodecs';

const IMPLICIT_LE = '1.2.840.10008.1.2';
const EXPLICIT_BE = '1.2.840.10008.1.2.2';
const RLE_LOSSLESS = '1.2.840.10008.1.2.5';

/** True for a Part 10 file (128-byte preamble then "DICM"). */
export function looksLikeDicom(data: Uint8Array): boolean {
  return (
    data.length >= 132 && data[128] === 0x44 && data[129] === 0x49 && data[130] === 0x43 && data[131] === 0x4d
  );
}

/**
 * Decodes one frame of a DICOM image: stored values (masked to BitsStored, sign-extended when
 * PixelRepresentation is 1) × RescaleSlope + RescaleIntercept. MONOCHROME1 is turned into the
 * equivalent MONOCHROME2 by inverting the stored values within their range (unsigned:
 * (2^BitsStored − 1) − v, signed: −1 − v) before the rescale, so the viewer and the model see the
 * usual appearance and a MONOCHROME1 copy of a MONOCHROME2 image gives identical pixels. YBR
 * colour is converted to RGB. Attributes are kept locally in `dicom`; none of them ever reaches
 * the model input.
 */
export async function decodeDicom(file: string, data: Buffer, options: OpenOptions): Promise<SourceImage> {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const inflated = looksLikeDicom(bytes)
    ? await inflateDeflatedDicom(file, bytes, options.signal)
    : undefined;
  let ds: dicomParser.DataSet;
  try {
    ds = dicomParser.parseDicom(bytes, {
      // Files without the Part 10 preamble are usually raw implicit-VR datasets.
      ...(looksLikeDicom(bytes) ? {} : { TransferSyntaxUID: IMPLICIT_LE }),
      // Inflated above, within the limit; never let the parser inflate without one.
      inflater: () => {
        if (!inflated) throw new Error('deflated data set without a readable meta header');
        return inflated;
      },
    } as dicomParser.ParseDicomOptions);
  } catch (error) {
    throw new ImagingError(file, `not a readable DICOM file (${parserMessage(error)})`);
  }
  const str = (tag: string): string | undefined => {
    const v = ds.string(tag);
    return v === undefined || v === '' ? undefined : v;
  };
  const num = (tag: string): number | undefined => {
    const el = ds.elements[tag];
    if (!el || el.length === 0) return undefined;
    return ds.uint16(tag);
  };
  const floats = (tag: string): number[] | undefined => {
    const v = str(tag);
    if (!v) return undefined;
    const parts = v.split('\\').map(Number);
    // A loop, not parts.every(Number.isFinite): arrays of integers and of decimals have different
    // shapes, and the callback form de-optimised the whole decoder on every file.
    for (const part of parts) if (!Number.isFinite(part)) return undefined;
    return parts;
  };

  const transferSyntax = str('x00020010') ?? IMPLICIT_LE;
  const pixelElement = ds.elements.x7fe00010;
  if (!pixelElement) throw new ImagingError(file, 'DICOM file has no pixel data (7FE0,0010)');
  if (!isSupportedTransferSyntax(transferSyntax)) {
    throw new ImagingError(file, `unsupported transfer syntax ${describeTransferSyntax(transferSyntax)}`);
  }
  const rows = num('x00280010') ?? 0;
  const columns = num('x00280011') ?? 0;
  const tooBig = checkDimensions(columns, rows);
  if (tooBig) throw new ImagingError(file, tooBig);
  const samplesPerPixel = num('x00280002') ?? 1;
  const bitsAllocated = num('x00280100') ?? 16;
  const bitsStored = num('x00280101') ?? bitsAllocated;
  const highBit = num('x00280102') ?? bitsStored - 1;
  const pixelRepresentation = num('x00280103') ?? 0;
  const planar = num('x00280006') ?? 0;
  const photometric = (str('x00280004') ?? (samplesPerPixel === 3 ? 'RGB' : 'MONOCHROME2'))
    .trim()
    .toUpperCase();
  const frames = Math.max(1, Math.floor(Number(str('x00280008') ?? '1')) || 1);
  if (samplesPerPixel !== 1 && samplesPerPixel !== 3)
    throw new ImagingError(file, `unsupported SamplesPerPixel ${samplesPerPixel}`);
  if (![8, 16, 32].includes(bitsAllocated))
    throw new ImagingError(file, `unsupported BitsAllocated ${bitsAllocated}`);
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit >= bitsAllocated) {
    throw new ImagingError(
      file,
      `inconsistent BitsStored ${bitsStored} / HighBit ${highBit} for BitsAllocated ${bitsAllocated}`,
    );
  }
  if (photometric === 'PALETTE COLOR') throw new ImagingError(file, 'PALETTE COLOR images are not supported');
  if (photometric === 'YBR_FULL_422' && NATIVE_SYNTAXES.has(transferSyntax)) {
    throw new ImagingError(file, 'uncompressed YBR_FULL_422 (chroma-subsampled) pixel data is not supported');
  }
  const frameBytes = rows * columns * samplesPerPixel * (bitsAllocated / 8);
  if (frameBytes * frames > MAX_DECODED_BYTES)
    throw new ImagingError(file, `${frames} frames of ${columns}×${rows} are larger than supported`);

  // A multi-frame DICOM is the volume here: --slice picks a frame when --frame is not given. A
  // single-frame file has no third axis, so a slice index (meant for volumes in the same batch)
  // does not apply to it; an explicit frame index must still exist.
  const frameIndex = options.frame ?? (frames > 1 ? (options.slice ?? 0) : 0);
  if (frameIndex >= frames) {
    throw new ImagingError(
      file,
      `frame ${frameIndex} out of range (file has ${frames} frame${frames === 1 ? '' : 's'}: 0–${frames - 1})`,
    );
  }

  // Native or decoded frame as little-endian interleaved bytes.
  let frame: Uint8Array;
  let planarConfiguration = planar;
  const layout = { rows, columns, samplesPerPixel, bitsAllocated, pixelRepresentation, photometric };
  if (NATIVE_SYNTAXES.has(transferSyntax)) {
    if (pixelElement.encapsulatedPixelData)
      throw new ImagingError(file, 'encapsulated pixel data in an uncompressed transfer syntax');
    const start = pixelElement.dataOffset + frameIndex * frameBytes;
    const available = Math.min(pixelElement.length, ds.byteArray.length - pixelElement.dataOffset);
    if (frameBytes * (frameIndex + 1) > available) {
      throw new ImagingError(
        file,
        `truncated pixel data: ${available} bytes, expected ${frameBytes * frames} for ${frames} frame(s) of ${columns}×${rows}`,
      );
    }
    frame = ds.byteArray.subarray(start, start + frameBytes);
    if (transferSyntax === EXPLICIT_BE && bitsAllocated > 8) frame = swapBytes(frame, bitsAllocated / 8);
  } else {
    if (!pixelElement.encapsulatedPixelData)
      throw new ImagingError(
        file,
        `pixel data of ${describeTransferSyntax(transferSyntax)} is not encapsulated`,
      );
    let compressed: Uint8Array;
    try {
      compressed = encapsulatedFrame(ds, pixelElement, frameIndex, frames, transferSyntax);
    } catch (error) {
      throw new ImagingError(file, `cannot read compressed frame ${frameIndex} (${parserMessage(error)})`);
    }
    try {
      frame = await decodeCompressedFrame(transferSyntax, compressed, layout);
    } catch (error) {
      throw new ImagingError(
        file,
        `cannot decode ${describeTransferSyntax(transferSyntax)} frame ${frameIndex}: ${parserMessage(error)}`,
      );
    }
    // Decoders return interleaved samples; RLE is planar-per-segment but rle.ts interleaves it.
    planarConfiguration = 0;
  }

  const slope = floats('x00281053')?.[0] ?? 1;
  const intercept = floats('x00281052')?.[0] ?? 0;
  const pixels = storedToValues(
    frame,
    layout,
    bitsStored,
    highBit,
    planarConfiguration,
    photometric === 'MONOCHROME1',
  );
  if (samplesPerPixel === 1) {
    if (slope !== 1 || intercept !== 0) rescale(pixels, slope, intercept);
  } else if (
    photometric === 'YBR_FULL' &&
    (NATIVE_SYNTAXES.has(transferSyntax) || transferSyntax === RLE_LOSSLESS)
  ) {
    // JPEG family decoders already return RGB; native and RLE data are stored as YCbCr.
    ybrToRgb(pixels);
  }

  const spacing = floats('x00280030') ?? floats('x00181164');
  const center = floats('x00281050')?.[0];
  const width = floats('x00281051')?.[0];
  const modality = str('x00080060')?.trim();
  const burned = str('x00280301')?.trim().toUpperCase() === 'YES';
  const dicom: DicomInfo = {
    sopInstanceUID: str('x00080018')?.trim(),
    sopClassUID: str('x00080016')?.trim(),
    studyInstanceUID: str('x0020000d')?.trim(),
    seriesInstanceUID: str('x0020000e')?.trim(),
    frameOfReferenceUID: str('x00200052')?.trim(),
    transferSyntaxUID: transferSyntax,
    modality,
    patientID: str('x00100020'),
    patientName: str('x00100010'),
    studyDate: str('x00080020'),
    studyID: str('x00200010'),
    accessionNumber: str('x00080050'),
    seriesNumber: str('x00200011')?.trim(),
    instanceNumber: str('x00200013')?.trim(),
    imagePositionPatient: floats('x00200032'),
    imageOrientationPatient: floats('x00200037'),
    sliceThickness: floats('x00180050')?.[0],
    photometricInterpretation: photometric,
    rows,
    columns,
    numberOfFrames: frames,
  };
  return finishImage(
    file,
    'dicom',
    { width: columns, height: rows, channels: samplesPerPixel === 3 ? 3 : 1, pixels, bitsStored },
    {
      pixelSpacing:
        spacing && spacing.length >= 2 && spacing[0] > 0 && spacing[1] > 0
          ? [spacing[0], spacing[1]]
          : undefined,
      frame: { index: frameIndex, count: frames },
      defaultWindow:
        center !== undefined && width !== undefined && width > 0
          ? { lower: center - width / 2, upper: center + width / 2 }
          : undefined,
      modalityHint: modality,
      bodyPartHint: str('x00180015')?.trim(),
      burnedInAnnotation: burned,
      dicom,
    },
  );
}

function parserMessage(error: unknown): string {
  if (typeof error === 'string') return error;
  if (error && typeof error === 'object' && 'exception' in error)
    return String((error as { exception: unknown }).exception);
  if (error instanceof Error) return error.message;
  return String(error);
}

function swapBytes(frame: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(frame.length);
  for (let i = 0; i < frame.length; i += size)
    for (let b = 0; b < size; b++) out[i + b] = frame[i + size - 1 - b];
  return out;
}

function encapsulatedFrame(
  ds: dicomParser.DataSet,
  el: dicomParser.Element,
  index: number,
  frames: number,
  ts: string,
): Uint8Array {
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) throw new Error('no fragments');
  if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, 0, fragments.length);
  if (el.basicOffsetTable && el.basicOffsetTable.length > 0)
    return dicomParser.readEncapsulatedImageFrame(ds, el, index);
  if (fragments.length === frames)
    return dicomParser.readEncapsulatedPixelDataFromFragments(ds, el, index, 1);
  if (ts.startsWith('1.2.840.10008.1.2.4.5') || ts.startsWith('1.2.840.10008.1.2.4.7')) {
    const table = dicomParser.createJPEGBasicOffsetTable(ds, el);
    return dicomParser.readEncapsulatedImageFrame(ds, el, index, table);
  }
  throw new Error(`${fragments.length} fragments for ${frames} frames and no offset table`);
}

/** Stored samples → Float32 values (planar configuration resolved to interleaved). */
function storedToValues(
  frame: Uint8Array,
  layout: {
    rows: number;
    columns: number;
    samplesPerPixel: number;
    bitsAllocated: number;
    pixelRepresentation: number;
  },
  bitsStored: number,
  highBit: number,
  planar: number,
  invert: boolean,
): Float32Array {
  const { rows, columns, samplesPerPixel: spp, bitsAllocated } = layout;
  const n = rows * columns * spp;
  const signed = layout.pixelRepresentation === 1;
  const bytes = bitsAllocated / 8;
  // Typed views need aligned offsets; copy the frame when it sits at an odd offset in the file.
  const aligned = frame.byteOffset % bytes === 0 ? frame : frame.slice();
  const samples =
    bytes === 1
      ? signed
        ? new Int8Array(aligned.buffer, aligned.byteOffset, n)
        : aligned.subarray(0, n)
      : bytes === 2
        ? signed
          ? new Int16Array(aligned.buffer, aligned.byteOffset, n)
          : new Uint16Array(aligned.buffer, aligned.byteOffset, n)
        : signed
          ? new Int32Array(aligned.buffer, aligned.byteOffset, n)
          : new Uint32Array(aligned.buffer, aligned.byteOffset, n);
  let out = new Float32Array(n);
  const shift = highBit + 1 - bitsStored;
  const mask = 2 ** bitsStored - 1;
  if (shift === 0 && bitsStored === bitsAllocated) {
    out.set(samples);
  } else {
    // Unused high bits may hold overlays or garbage: mask them off, then sign-extend.
    const signBit = 2 ** (bitsStored - 1);
    const unsigned =
      bytes === 1
        ? aligned.subarray(0, n)
        : bytes === 2
          ? new Uint16Array(aligned.buffer, aligned.byteOffset, n)
          : new Uint32Array(aligned.buffer, aligned.byteOffset, n);
    if (bitsStored < 32 && shift >= 0) {
      // Integer shift and mask (bitsStored ≤ 31, so the mask is a positive int32): the same
      // values as the division and modulo below, several times faster.
      if (signed) {
        for (let i = 0; i < n; i++) {
          const v = (unsigned[i] >>> shift) & mask;
          out[i] = v >= signBit ? v - 2 * signBit : v;
        }
      } else {
        for (let i = 0; i < n; i++) out[i] = (unsigned[i] >>> shift) & mask;
      }
    } else {
      const div = 2 ** shift;
      for (let i = 0; i < n; i++) {
        const v = Math.floor(unsigned[i] / div) % (mask + 1);
        out[i] = signed && v >= signBit ? v - 2 * signBit : v;
      }
    }
  }
  if (invert) {
    if (signed) for (let i = 0; i < n; i++) out[i] = -1 - out[i];
    else for (let i = 0; i < n; i++) out[i] = mask - out[i];
  }
  if (spp === 3 && planar === 1) {
    // Planar configuration 1 stores RRR…GGG…BBB…: interleave.
    const pixels = rows * columns;
    const interleaved = new Float32Array(n);
    for (let c = 0; c < 3; c++) for (let i = 0; i < pixels; i++) interleaved[i * 3 + c] = out[c * pixels + i];
    out = interleaved;
  }
  return out;
}

/** YBR_FULL → RGB (PS3.3 C.7.6.3.1.2). */
function ybrToRgb(p: Float32Array): void {
  for (let i = 0; i < p.length; i += 3) {
    const y = p[i];
    const cb = p[i + 1] - 128;
    const cr = p[i + 2] - 128;
    p[i] = clamp255(y + 1.402 * cr);
    p[i + 1] = clamp255(y - 0.344136 * cb - 0.714136 * cr);
    p[i + 2] = clamp255(y + 1.772 * cb);
  }
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Stored values × RescaleSlope + RescaleIntercept, in place (its own small function, optimised once). */
function rescale(pixels: Float32Array, slope: number, intercept: number): void {
  for (let i = 0; i < pixels.length; i++) pixels[i] = pixels[i] * slope + intercept;
}
