import * as zlib from 'node:zlib';
import { ImagingError } from '../errors';
import { checkDimensions, MAX_DECODED_BYTES } from '../limits';
import type { OpenOptions, SourceImage } from '../types';
import { finishImage } from './common';

/**
 * NIfTI-1 and NIfTI-2 (single file .nii, or .nii.gz), little or big endian.
 *
 * Orientation: the 2D image of slice k is the reference's `get_fdata()[:, :, k]` taken as it is,
 * i.e. image row r, column c = voxel (i = r, j = c, k). Rows run along the first voxel axis and
 * columns along the second; no transpose or flip. This is what BiomedParse feeds the model
 * (checked against the golden camus slice) and masks map back onto the same voxels, so viewer,
 * model input and exports all share it. Pixel spacing is [pixdim[1], pixdim[2]] accordingly.
 *
 * Values: stored × scl_slope + scl_inter when scl_slope is non-zero and finite (nibabel's rule).
 */

const DATATYPES: Record<
  number,
  { name: string; bytes: number; read: (v: DataView, o: number, le: boolean) => number }
> = {
  2: { name: 'uint8', bytes: 1, read: (v, o) => v.getUint8(o) },
  4: { name: 'int16', bytes: 2, read: (v, o, le) => v.getInt16(o, le) },
  8: { name: 'int32', bytes: 4, read: (v, o, le) => v.getInt32(o, le) },
  16: { name: 'float32', bytes: 4, read: (v, o, le) => v.getFloat32(o, le) },
  64: { name: 'float64', bytes: 8, read: (v, o, le) => v.getFloat64(o, le) },
  256: { name: 'int8', bytes: 1, read: (v, o) => v.getInt8(o) },
  512: { name: 'uint16', bytes: 2, read: (v, o, le) => v.getUint16(o, le) },
  768: { name: 'uint32', bytes: 4, read: (v, o, le) => v.getUint32(o, le) },
  1024: { name: 'int64', bytes: 8, read: (v, o, le) => Number(v.getBigInt64(o, le)) },
  1280: { name: 'uint64', bytes: 8, read: (v, o, le) => Number(v.getBigUint64(o, le)) },
};
const RGB24 = 128;
const RGBA32 = 2304;

interface NiftiHeader {
  version: 1 | 2;
  littleEndian: boolean;
  dims: number[]; // dim[0..7]
  datatype: number;
  bitpix: number;
  pixdim: number[];
  voxOffset: number;
  sclSlope: number;
  sclInter: number;
  qformCode: number;
  sformCode: number;
  quatern: number[]; // b, c, d, qx, qy, qz
  srow: number[]; // 12
}

export function isGzip(data: Uint8Array): boolean {
  return data.length >= 2 && data[0] === 0x1f && data[1] === 0x8b;
}

/** True when the bytes start like a NIfTI-1/2 header (either byte order). */
export function looksLikeNifti(data: Uint8Array): boolean {
  if (data.length < 4) return false;
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const size = v.getInt32(0, true);
  const sizeBE = v.getInt32(0, false);
  return size === 348 || size === 540 || sizeBE === 348 || sizeBE === 540;
}

export function parseNiftiHeader(file: string, data: Uint8Array): NiftiHeader {
  const h = readNiftiHeader(file, data);
  // Checked here, before any offset is computed from it: NaN or infinity would otherwise reach
  // Buffer and DataView as an offset and surface as Node's bare RangeError.
  if (!Number.isFinite(h.voxOffset) || h.voxOffset < 0 || h.voxOffset > Number.MAX_SAFE_INTEGER) {
    throw new ImagingError(file, `invalid NIfTI: vox_offset is ${h.voxOffset} (must be a byte offset ≥ 0)`);
  }
  // nibabel reads it as int(vox_offset); a fractional one would give fractional typed-array offsets.
  return { ...h, voxOffset: Math.floor(h.voxOffset) };
}

function readNiftiHeader(file: string, data: Uint8Array): NiftiHeader {
  const fail = (problem: string): never => {
    throw new ImagingError(file, `invalid NIfTI: ${problem}`);
  };
  if (data.length < 348) fail(`file too short for a NIfTI header (${data.length} bytes)`);
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let le = true;
  let size = v.getInt32(0, true);
  if (size !== 348 && size !== 540) {
    le = false;
    size = v.getInt32(0, false);
  }
  if (size === 348) {
    const magic = String.fromCharCode(data[344], data[345], data[346]);
    if (magic !== 'n+1' && magic !== 'ni1') fail(`bad magic '${magic}'`);
    if (magic === 'ni1') fail('header/image pairs (.hdr/.img) are not supported; use a single .nii file');
    const dims = Array.from({ length: 8 }, (_, i) => v.getInt16(40 + 2 * i, le));
    return {
      version: 1,
      littleEndian: le,
      dims,
      datatype: v.getInt16(70, le),
      bitpix: v.getInt16(72, le),
      pixdim: Array.from({ length: 8 }, (_, i) => v.getFloat32(76 + 4 * i, le)),
      voxOffset: v.getFloat32(108, le),
      sclSlope: v.getFloat32(112, le),
      sclInter: v.getFloat32(116, le),
      qformCode: v.getInt16(252, le),
      sformCode: v.getInt16(254, le),
      quatern: Array.from({ length: 6 }, (_, i) => v.getFloat32(256 + 4 * i, le)),
      srow: Array.from({ length: 12 }, (_, i) => v.getFloat32(280 + 4 * i, le)),
    };
  }
  if (size === 540) {
    if (data.length < 540) fail('file too short for a NIfTI-2 header');
    const magic = String.fromCharCode(data[4], data[5], data[6]);
    if (magic !== 'n+2' && magic !== 'ni2') fail(`bad magic '${magic}'`);
    if (magic === 'ni2') fail('header/image pairs (.hdr/.img) are not supported; use a single .nii file');
    const dims = Array.from({ length: 8 }, (_, i) => Number(v.getBigInt64(16 + 8 * i, le)));
    return {
      version: 2,
      littleEndian: le,
      dims,
      datatype: v.getInt16(12, le),
      bitpix: v.getInt16(14, le),
      pixdim: Array.from({ length: 8 }, (_, i) => v.getFloat64(104 + 8 * i, le)),
      voxOffset: Number(v.getBigInt64(168, le)),
      sclSlope: v.getFloat64(176, le),
      sclInter: v.getFloat64(184, le),
      qformCode: v.getInt32(344, le),
      sformCode: v.getInt32(348, le),
      quatern: Array.from({ length: 6 }, (_, i) => v.getFloat64(352 + 8 * i, le)),
      srow: Array.from({ length: 12 }, (_, i) => v.getFloat64(400 + 8 * i, le)),
    };
  }
  return fail('not a NIfTI-1 or NIfTI-2 header');
}

/** What gunzipNifti keeps: the header's bytes and only the requested slice's bytes. */
interface Inflated {
  /** The first inflated bytes (at least the header). */
  head: Buffer;
  /** Bytes from offset bodyStart on: the slice (shorter when the data end early). */
  body: Buffer;
  bodyStart: number;
  /** How many bytes were inflated. */
  total: number;
}

/**
 * Inflates a .nii.gz only as far as the requested slice (a slice in the middle of a volume needs
 * half the inflating), refusing volumes over MAX_DECODED_BYTES before holding them. Only the
 * header and the slice are kept: concatenating everything inflated (megabytes, most of it other
 * slices) cost more than decoding the slice.
 */
async function gunzipNifti(
  file: string,
  data: Buffer,
  locate: (h: NiftiHeader) => { start: number; end: number },
  signal?: AbortSignal,
): Promise<Inflated> {
  const early: Buffer[] = []; // chunks until the header is known
  let head: Buffer | undefined;
  let body: Buffer | undefined;
  let start = 0;
  let end = Infinity;
  let total = 0;
  // Copies the part of [at, at + chunk.length) that lies in the slice into body.
  const keep = (chunk: Buffer, at: number): void => {
    if (!body) return;
    const from = Math.max(at, start);
    const to = Math.min(at + chunk.length, end);
    if (to > from) chunk.copy(body, from - start, from - at, to - at);
  };
  // Large output chunks: with the default 16 KB, inflating a volume takes hundreds of round trips
  // between the pool thread and the event loop, which cost three times the inflating itself.
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  const done = new Promise<void>((resolve, reject) => {
    gunzip.on('data', (chunk: Buffer) => {
      const at = total;
      total += chunk.length;
      if (head) {
        keep(chunk, at);
      } else {
        early.push(chunk);
        if (total >= 540) {
          try {
            head = early.length === 1 ? early[0] : Buffer.concat(early);
            const h = parseNiftiHeader(file, head);
            volumeBytes(file, h);
            ({ start, end } = locate(h));
            body = Buffer.allocUnsafe(Math.max(0, end - start));
            keep(head, 0);
          } catch (error) {
            gunzip.destroy();
            reject(error);
            return;
          }
        }
      }
      if (total >= end) {
        gunzip.destroy();
        resolve();
      }
    });
    gunzip.on('error', (error) =>
      reject(new ImagingError(file, `corrupt or truncated gzip data (${error.message})`)),
    );
    gunzip.on('end', () => resolve());
    gunzip.on('close', () => resolve());
    signal?.addEventListener('abort', () => {
      gunzip.destroy();
      reject(new ImagingError(file, 'aborted'));
    });
  });
  gunzip.end(data);
  await done;
  if (!head || !body) {
    // Less than a NIfTI-2 header's worth of data: all of it, for the header check to judge.
    const all = Buffer.concat(early);
    return { head: all, body: all, bodyStart: 0, total };
  }
  const kept = Math.max(0, Math.min(total, end) - start);
  return { head, body: body.subarray(0, kept), bodyStart: start, total };
}

function volumeBytes(file: string, h: NiftiHeader): number {
  const nd = h.dims[0];
  if (!(nd >= 2 && nd <= 7)) throw new ImagingError(file, `invalid NIfTI: dim[0] = ${nd}`);
  let voxels = 1;
  for (let i = 1; i <= nd; i++) {
    if (!(h.dims[i] >= 1)) throw new ImagingError(file, `invalid NIfTI: dim[${i}] = ${h.dims[i]}`);
    voxels *= h.dims[i];
  }
  const bytes = voxels * Math.max(1, h.bitpix / 8);
  if (bytes > MAX_DECODED_BYTES) {
    throw new ImagingError(
      file,
      `NIfTI volume of ${h.dims.slice(1, nd + 1).join('×')} voxels is larger than supported`,
    );
  }
  return bytes;
}

export async function decodeNifti(file: string, raw: Buffer, options: OpenOptions): Promise<SourceImage> {
  const { head, body, bodyStart, total } = isGzip(raw)
    ? await gunzipNifti(file, raw, (h) => sliceLocation(h, options), options.signal)
    : { head: raw, body: raw, bodyStart: 0, total: raw.length };
  const h = parseNiftiHeader(file, head);
  volumeBytes(file, h);
  const { start, end } = sliceLocation(h, options);
  const nd = h.dims[0];
  const nx = h.dims[1];
  const ny = h.dims[2];
  const nz = nd >= 3 ? h.dims[3] : 1;
  const nt = nd >= 4 ? h.dims[4] : 1;
  const tooBig = checkDimensions(ny, nx);
  if (tooBig) throw new ImagingError(file, tooBig);
  if (nd > 4 && h.dims.slice(5, nd + 1).some((d) => d > 1)) {
    throw new ImagingError(
      file,
      `NIfTI with ${nd} dimensions is not supported (at most 4: x, y, slice, time)`,
    );
  }
  const sliceIndex = options.slice ?? Math.floor(nz / 2);
  if (!Number.isInteger(sliceIndex) || sliceIndex < 0 || sliceIndex >= nz) {
    throw new ImagingError(
      file,
      `slice ${options.slice} out of range (volume has ${nz} slice${nz === 1 ? '' : 's'}: 0–${nz - 1})`,
    );
  }
  const timeIndex = options.frame ?? 0;
  if (!Number.isInteger(timeIndex) || timeIndex < 0 || timeIndex >= nt) {
    throw new ImagingError(
      file,
      `frame (time point) ${options.frame} out of range (volume has ${nt} time point${nt === 1 ? '' : 's'}: 0–${nt - 1})`,
    );
  }

  const rgb = h.datatype === RGB24 || h.datatype === RGBA32;
  const type = DATATYPES[h.datatype];
  if (!rgb && !type) throw new ImagingError(file, `unsupported NIfTI datatype ${h.datatype}`);
  const bytesPerVoxel = rgb ? (h.datatype === RGB24 ? 3 : 4) : type.bytes;
  if (end > total) {
    throw new ImagingError(file, `truncated NIfTI: ${total} bytes, slice ${sliceIndex} needs ${end}`);
  }
  // The slice's bytes: `data[start + k]` of the file is `data[first + k]` here.
  const data = body;
  const first = start - bodyStart;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const useScale = Number.isFinite(h.sclSlope) && h.sclSlope !== 0;
  const slope = useScale ? h.sclSlope : 1;
  const inter = useScale && Number.isFinite(h.sclInter) ? h.sclInter : 0;
  const channels = rgb ? 3 : 1;
  // Image (row r, column c) = voxel (i = r, j = c): width is ny, height is nx.
  const width = ny;
  const height = nx;
  const pixels = new Float32Array(width * height * channels);
  const fast = !rgb && h.littleEndian && typedSlice(type.name, data, first, sliceVoxels(nx, ny));
  if (fast) {
    // Little-endian data (the usual case) through a typed view: one pass, transposing as it goes.
    for (let j = 0; j < ny; j++) {
      const src = j * nx;
      for (let i = 0; i < nx; i++) {
        const stored = fast[src + i];
        pixels[i * width + j] = useScale ? stored * slope + inter : stored;
      }
    }
  } else {
    for (let j = 0; j < ny; j++) {
      for (let i = 0; i < nx; i++) {
        const src = first + (j * nx + i) * bytesPerVoxel;
        const dst = (i * width + j) * channels;
        if (rgb) {
          pixels[dst] = data[src];
          pixels[dst + 1] = data[src + 1];
          pixels[dst + 2] = data[src + 2];
        } else {
          const stored = type.read(view, src, h.littleEndian);
          pixels[dst] = useScale ? stored * slope + inter : stored;
        }
      }
    }
  }
  const pixdim = h.pixdim.map((p) => Math.abs(p));
  const bitsStored = rgb ? 8 : type.name.startsWith('float') ? 32 : type.bytes * 8;
  return finishImage(
    file,
    'nifti',
    { width, height, channels, pixels, bitsStored },
    {
      pixelSpacing: pixdim[1] > 0 && pixdim[2] > 0 ? [pixdim[1], pixdim[2]] : undefined,
      slice: { index: sliceIndex, count: nz },
      frame: nt > 1 ? { index: timeIndex, count: nt } : undefined,
      nifti: {
        dims: h.dims.slice(0, nd + 1),
        pixdim: h.pixdim.slice(0, nd + 1),
        affine: niftiAffine(h),
        // With neither code set the affine is only pixdim scaling: no patient directions.
        orientationKnown: h.sformCode > 0 || h.qformCode > 0,
      },
    },
  );
}

function sliceVoxels(nx: number, ny: number): number {
  return nx * ny;
}

/** A typed view of one slice of little-endian samples (copied when the offset is unaligned). */
function typedSlice(name: string, data: Buffer, start: number, count: number): ArrayLike<number> | undefined {
  const ctor = {
    uint8: Uint8Array,
    int8: Int8Array,
    int16: Int16Array,
    uint16: Uint16Array,
    int32: Int32Array,
    uint32: Uint32Array,
    float32: Float32Array,
    float64: Float64Array,
  }[name];
  if (!ctor) return undefined;
  const bytes = count * ctor.BYTES_PER_ELEMENT;
  const offset = data.byteOffset + start;
  if (offset % ctor.BYTES_PER_ELEMENT === 0) return new ctor(data.buffer as ArrayBuffer, offset, count);
  const copy = new Uint8Array(bytes);
  copy.set(data.subarray(start, start + bytes));
  return new ctor(copy.buffer, 0, count);
}

/** Byte range of the requested slice (time point, slice) in the uncompressed file. */
function sliceLocation(h: NiftiHeader, options: OpenOptions): { start: number; end: number } {
  const nd = h.dims[0];
  const nx = h.dims[1];
  const ny = h.dims[2];
  const nz = nd >= 3 ? h.dims[3] : 1;
  const slice = options.slice ?? Math.floor(nz / 2);
  const time = options.frame ?? 0;
  const bytesPerVoxel =
    h.datatype === RGB24
      ? 3
      : h.datatype === RGBA32
        ? 4
        : (DATATYPES[h.datatype]?.bytes ?? Math.max(1, h.bitpix / 8));
  const voxOffset = Math.max(h.voxOffset, h.version === 1 ? 352 : 544);
  const sliceBytes = nx * ny * bytesPerVoxel;
  const start = voxOffset + (time * nz + slice) * sliceBytes;
  return { start, end: start + sliceBytes };
}

/** nibabel's get_best_affine: sform when sform_code > 0, else qform when qform_code > 0, else pixdim scaling. */
function niftiAffine(h: NiftiHeader): number[] {
  if (h.sformCode > 0) return [...h.srow, 0, 0, 0, 1];
  const [dx, dy, dz] = [h.pixdim[1] || 1, h.pixdim[2] || 1, h.pixdim[3] || 1];
  if (h.qformCode > 0) {
    const [b, c, d, qx, qy, qz] = h.quatern;
    const a = Math.sqrt(Math.max(0, 1 - (b * b + c * c + d * d)));
    const qfac = h.pixdim[0] < 0 ? -1 : 1;
    const r = [
      [a * a + b * b - c * c - d * d, 2 * (b * c - a * d), 2 * (b * d + a * c)],
      [2 * (b * c + a * d), a * a + c * c - b * b - d * d, 2 * (c * d - a * b)],
      [2 * (b * d - a * c), 2 * (c * d + a * b), a * a + d * d - b * b - c * c],
    ];
    const s = [dx, dy, dz * qfac];
    return [
      r[0][0] * s[0],
      r[0][1] * s[1],
      r[0][2] * s[2],
      qx,
      r[1][0] * s[0],
      r[1][1] * s[1],
      r[1][2] * s[2],
      qy,
      r[2][0] * s[0],
      r[2][1] * s[1],
      r[2][2] * s[2],
      qz,
      0,
      0,
      0,
      1,
    ];
  }
  return [dx, 0, 0, 0, 0, dy, 0, 0, 0, 0, dz, 0, 0, 0, 0, 1];
}
