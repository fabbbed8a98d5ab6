import * as dicomParser from 'dicom-parser';
import { ImagingError } from '../errors';
import { checkDimensions, MAX_DECODED_BYTES } from '../limits';
import type { DicomInfo, OpenOptions, SourceImage } from '../types';
import { finishImage } from './common';
import { looksLikeDicom, parseDataSet } from './dicomDataSet';

export { looksLikeDicom };
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
  let warnings: string[];
  try {
    ({ ds, warnings } = parseDataSet(bytes, {
      // Inflated above, within the limit; never let the parser inflate without one.
      inflater: () => {
        if (!inflated) throw new Error('deflated data set without a readable meta header');
        return inflated;
      },
    }));
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
  if (![1, 8, 16, 32].includes(bitsAllocated))
    throw new ImagingError(file, `unsupported BitsAllocated ${bitsAllocated}`);
  if (bitsAllocated === 1 && (samplesPerPixel !== 1 || !NATIVE_SYNTAXES.has(transferSyntax))) {
    throw new ImagingError(
      file,
      `BitsAllocated 1 is only read uncompressed with one sample per pixel (this file: ${describeTransferSyntax(transferSyntax)}, SamplesPerPixel ${samplesPerPixel})`,
    );
  }
  if (bitsStored < 1 || bitsStored > bitsAllocated || highBit >= bitsAllocated) {
    throw new ImagingError(
      file,
      `inconsistent BitsStored ${bitsStored} / HighBit ${highBit} for BitsAllocated ${bitsAllocated}`,
    );
  }
  if (photometric === 'PALETTE COLOR') throw new ImagingError(file, 'PALETTE COLOR images are not supported');
  // Uncompressed YBR_FULL_422 stores two luma samples and one Cb, Cr pair per two pixels of a row.
  const subsampled = photometric === 'YBR_FULL_422' && NATIVE_SYNTAXES.has(transferSyntax);
  if (subsampled && (bitsAllocated !== 8 || samplesPerPixel !== 3 || columns % 2 !== 0)) {
    throw new ImagingError(
      file,
      `uncompressed YBR_FULL_422 is only read with 8 bits, 3 samples per pixel and an even number of columns (this file: ${bitsAllocated} bits, ${samplesPerPixel} samples, ${columns} columns)`,
    );
  }
  // Frames of 1-bit data follow each other bit by bit, not byte-aligned.
  const frameBits = (rows * columns * samplesPerPixel * bitsAllocated * (subsampled ? 2 : 3)) / 3;
  const frameBytes = frameBits / 8;
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
    const available = Math.min(pixelElement.length, ds.byteArray.length - pixelElement.dataOffset);
    if (Math.ceil((frameBits * (frameIndex + 1)) / 8) > available) {
      throw new ImagingError(
        file,
        `truncated pixel data: ${available} bytes, expected ${Math.ceil((frameBits * frames) / 8)} for ${frames} frame(s) of ${columns}×${rows}`,
      );
    }
    if (bitsAllocated === 1) {
      frame = unpackBits(ds.byteArray, pixelElement.dataOffset, frameIndex * frameBits, frameBits);
    } else {
      const start = pixelElement.dataOffset + frameIndex * frameBytes;
      frame = ds.byteArray.subarray(start, start + frameBytes);
      if (transferSyntax === EXPLICIT_BE && bitsAllocated > 8) frame = swapBytes(frame, bitsAllocated / 8);
      if (subsampled) frame = upsampleYbr422(frame);
    }
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
    // 1-bit samples are unpacked to one byte each.
    bitsAllocated === 1 ? { ...layout, bitsAllocated: 8 } : layout,
    bitsStored,
    highBit,
    planarConfiguration,
    photometric === 'MONOCHROME1',
  );
  const modality = str('x00080060')?.trim();
  // RT Dose stores integers; DoseGridScaling turns them into the dose (Gy when DoseUnits is GY).
  const doseScaling = modality === 'RTDOSE' ? floats('x3004000e')?.[0] : undefined;
  const doseUnits = modality === 'RTDOSE' ? str('x30040002')?.trim().toUpperCase() : undefined;
  // [min, max] of the final values when the last rescale found it (else finishImage scans them).
  let range: [number, number] | undefined;
  if (samplesPerPixel === 1) {
    if (slope !== 1 || intercept !== 0) range = rescale(pixels, slope, intercept);
    if (doseScaling !== undefined && doseScaling !== 1) range = rescale(pixels, doseScaling, 0);
  } else if (
    (photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422') &&
    (NATIVE_SYNTAXES.has(transferSyntax) || transferSyntax === RLE_LOSSLESS)
  ) {
    // JPEG family decoders already return RGB; native and RLE data are stored as YCbCr.
    ybrToRgb(pixels);
  }

  const spacing = floats('x00280030') ?? floats('x00181164');
  const center = floats('x00281050')?.[0];
  const width = floats('x00281051')?.[0];
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
    { width: columns, height: rows, channels: samplesPerPixel === 3 ? 3 : 1, pixels, bitsStored, range },
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
      ...(warnings.length ? { warnings } : {}),
      ...(doseUnits === 'GY' ? { unit: 'Gy' } : {}),
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

// The YBR_FULL → RGB matrix (PS3.3 C.7.6.3.1.2) in single precision, as pydicom's
// convert_color_space holds it.
const CR_R = Math.fround(1.402);
const CB_G = Math.fround((-0.114 * 1.772) / 0.587);
const CR_G = Math.fround((-0.299 * 1.402) / 0.587);
const CB_B = Math.fround(1.772);

/**
 * YBR_FULL → RGB, rounded to whole levels and clipped to 0–255 as pydicom does (so an
 * uncompressed YBR file gives the RGB values pydicom and libjpeg give).
 */
function ybrToRgb(p: Float32Array): void {
  const f = Math.fround;
  for (let i = 0; i < p.length; i += 3) {
    const y = p[i];
    const cb = p[i + 1] - 128;
    const cr = p[i + 2] - 128;
    p[i] = clamp255(Math.floor(f(f(y + f(cr * CR_R)) + 0.5)));
    p[i + 1] = clamp255(Math.floor(f(f(f(y + f(cb * CB_G)) + f(cr * CR_G)) + 0.5)));
    p[i + 2] = clamp255(Math.floor(f(f(y + f(cb * CB_B)) + 0.5)));
  }
}

function clamp255(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** YBR_FULL_422 samples (Y1 Y2 Cb Cr per pair of pixels) → YBR_FULL (Y1 Cb Cr Y2 Cb Cr). */
function upsampleYbr422(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array((frame.length / 4) * 6);
  for (let i = 0, o = 0; i + 3 < frame.length; i += 4, o += 6) {
    out[o] = frame[i];
    out[o + 3] = frame[i + 1];
    out[o + 1] = out[o + 4] = frame[i + 2];
    out[o + 2] = out[o + 5] = frame[i + 3];
  }
  return out;
}

/** `count` 1-bit samples from bit `firstBit` after `offset` (first pixel in the lowest bit), one byte each. */
function unpackBits(data: Uint8Array, offset: number, firstBit: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  for (let k = 0; k < count; k++) {
    const bit = firstBit + k;
    out[k] = (data[offset + (bit >>> 3)] >>> (bit & 7)) & 1;
  }
  return out;
}

/** Stored values × RescaleSlope + RescaleIntercept, in place (its own small function, optimised once). */
/**
 * pixels · slope + intercept in place, returning [min, max] of the stored (float32) results as
 * valueRange would find them (NaN never wins a comparison): found in the same pass, so a CT
 * slice's 262,144 values are not read once more for their range.
 */
function rescale(pixels: Float32Array, slope: number, intercept: number): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    const v = Math.fround(pixels[i] * slope + intercept);
    pixels[i] = v;
    min = v < min ? v : min;
    max = v > max ? v : max;
  }
  return [min, max];
}
