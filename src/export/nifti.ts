import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { SourceInfo } from './sourceInfo';

/**
 * NIfTI-1 label export with the source's geometry. The label values are written as uint8
 * with intent NIFTI_INTENT_LABEL; sform and qform both carry the source affine.
 */

const HEADER_SIZE = 348;
const VOX_OFFSET = 352;
const DT_UINT8 = 2;
const DT_FLOAT32 = 16;
const DT_INT16 = 4;
const INTENT_LABEL = 1002;
const XFORM_SCANNER = 1;
const UNITS_MM = 2;

export interface NiftiGeometry {
  /** Sizes of the three spatial axes. */
  dims: [number, number, number];
  /** Voxel spacing of the three spatial axes. */
  spacing: [number, number, number];
  /** 4×4 row-major voxel → world matrix. */
  affine: number[][];
}

/** Normalises the accepted `SourceInfo.nifti` shapes to three spatial axes and a 4×4 affine. */
export function niftiGeometry(nifti: NonNullable<SourceInfo['nifti']>, file: string): NiftiGeometry {
  const rawDims =
    nifti.dims.length === 8 ? nifti.dims.slice(1, 1 + Math.max(2, Math.min(7, nifti.dims[0]))) : nifti.dims;
  const rawPix = nifti.pixdim.length === 8 ? nifti.pixdim.slice(1, 4) : nifti.pixdim;
  const dims: [number, number, number] = [rawDims[0], rawDims[1], rawDims.length > 2 ? rawDims[2] : 1];
  if (!dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${file}: invalid NIfTI dimensions [${nifti.dims.join(', ')}]`);
  }
  const spacing: [number, number, number] = [rawPix[0] || 1, rawPix[1] || 1, rawPix[2] || 1];
  const flat = (nifti.affine as readonly unknown[]).flat() as number[];
  if (flat.length !== 16 || !flat.every((v) => Number.isFinite(v))) {
    throw new Error(`${file}: the NIfTI affine must be 4×4 finite numbers`);
  }
  const affine = [0, 1, 2, 3].map((r) => flat.slice(r * 4, r * 4 + 4));
  return { dims, spacing, affine };
}

/**
 * Quaternion form of the rotation part of an affine (NIfTI-1 `nifti_mat44_to_quatern`, without
 * the orthogonalisation step: the sform stays the exact geometry, the qform is for readers that
 * only look at it).
 */
export function affineToQuaternion(affine: readonly (readonly number[])[]): {
  b: number;
  c: number;
  d: number;
  qfac: number;
} {
  const col = (j: number) => [affine[0][j], affine[1][j], affine[2][j]];
  const cols = [col(0), col(1), col(2)].map((v, j) => {
    const len = Math.hypot(v[0], v[1], v[2]);
    if (len === 0) return [0, 1, 2].map((i) => (i === j ? 1 : 0));
    return v.map((x) => x / len);
  });
  const r = (i: number, j: number) => cols[j][i];
  const det =
    r(0, 0) * (r(1, 1) * r(2, 2) - r(1, 2) * r(2, 1)) -
    r(0, 1) * (r(1, 0) * r(2, 2) - r(1, 2) * r(2, 0)) +
    r(0, 2) * (r(1, 0) * r(2, 1) - r(1, 1) * r(2, 0));
  const qfac = det > 0 ? 1 : -1;
  if (qfac < 0) cols[2] = cols[2].map((x) => -x);
  const [r11, r12, r13, r21, r22, r23, r31, r32, r33] = [
    r(0, 0),
    r(0, 1),
    r(0, 2),
    r(1, 0),
    r(1, 1),
    r(1, 2),
    r(2, 0),
    r(2, 1),
    r(2, 2),
  ];
  let a = r11 + r22 + r33 + 1;
  let b: number;
  let c: number;
  let d: number;
  if (a > 0.5) {
    a = 0.5 * Math.sqrt(a);
    b = (0.25 * (r32 - r23)) / a;
    c = (0.25 * (r13 - r31)) / a;
    d = (0.25 * (r21 - r12)) / a;
  } else {
    const xd = 1 + r11 - (r22 + r33);
    const yd = 1 + r22 - (r11 + r33);
    const zd = 1 + r33 - (r11 + r22);
    if (xd > 1) {
      b = 0.5 * Math.sqrt(xd);
      c = (0.25 * (r12 + r21)) / b;
      d = (0.25 * (r13 + r31)) / b;
      a = (0.25 * (r32 - r23)) / b;
    } else if (yd > 1) {
      c = 0.5 * Math.sqrt(yd);
      b = (0.25 * (r12 + r21)) / c;
      d = (0.25 * (r23 + r32)) / c;
      a = (0.25 * (r13 - r31)) / c;
    } else {
      d = 0.5 * Math.sqrt(zd);
      b = (0.25 * (r13 + r31)) / d;
      c = (0.25 * (r23 + r32)) / d;
      a = (0.25 * (r21 - r12)) / d;
    }
    if (a < 0) {
      b = -b;
      c = -c;
      d = -d;
    }
  }
  return { b, c, d, qfac };
}

export interface NiftiLabelOptions {
  /**
   * 'volume' (default): the source's full 3D grid, the labels in the mask's slice and zeros
   * elsewhere. 'slice': a one-slice volume whose affine places it where the slice is.
   */
  layout?: 'volume' | 'slice';
  description?: string;
}

/**
 * Builds a gzip-compressed NIfTI-1 file of a label slice (values 0…255, width × height, row-major
 * in image orientation) with the source's geometry.
 */
export function buildNiftiLabels(
  source: SourceInfo,
  labels: Uint8Array,
  options: NiftiLabelOptions = {},
): Buffer {
  if (!source.nifti) throw new Error(`${source.file}: no NIfTI geometry to export labels with`);
  const geo = niftiGeometry(source.nifti, source.file);
  const [d1, d2, d3] = geo.dims;
  // The reference reads slice k as volume[:, :, k]: image rows run along the first axis.
  if (source.height !== d1 || source.width !== d2) {
    throw new Error(
      `${source.file}: mask is ${source.width}×${source.height} but a NIfTI slice of ${d1}×${d2}×${d3} is ${d2}×${d1} (columns × rows)`,
    );
  }
  if (labels.length !== d1 * d2)
    throw new Error(`${source.file}: label slice has ${labels.length} values, expected ${d1 * d2}`);
  const k = source.slice?.index ?? 0;
  if (!Number.isInteger(k) || k < 0 || k >= d3)
    throw new Error(`${source.file}: slice ${k} is outside 0…${d3 - 1}`);

  const layout = options.layout ?? 'volume';
  const outDims: [number, number, number] = layout === 'volume' ? [d1, d2, d3] : [d1, d2, 1];
  const affine = geo.affine.map((row) => [...row]);
  if (layout === 'slice') {
    // Shift the origin to voxel (0, 0, k): world = A · (i, j, k, 1).
    for (let r = 0; r < 3; r++) affine[r][3] += geo.affine[r][2] * k;
  }
  const data = new Uint8Array(outDims[0] * outDims[1] * outDims[2]);
  const base = layout === 'volume' ? k * d1 * d2 : 0;
  let maxLabel = 0;
  for (let i = 0; i < d1; i++) {
    for (let j = 0; j < d2; j++) {
      const v = labels[i * d2 + j];
      data[base + i + j * d1] = v;
      if (v > maxLabel) maxLabel = v;
    }
  }

  return encodeNiftiUint8({ dims: outDims, spacing: geo.spacing, affine }, data, {
    description: options.description ?? 'MedImageParse labels',
    maxValue: maxLabel,
    intentName: 'labels',
  });
}

export interface NiftiEncodeOptions {
  /** Header description (79 characters at most are kept). */
  description: string;
  /** cal_max: the largest value, so viewers pick a sensible display range. */
  maxValue: number;
  /** intent_name (15 characters at most): 'labels' for label maps, 'mask' for 0/1 masks. */
  intentName: string;
  /**
   * gzip level (default 6: files kept on disk). An upload that is decompressed at once takes 1:
   * about six times less CPU for a few more megabytes on a CT volume.
   */
  gzipLevel?: number;
}

/**
 * A gzip-compressed NIfTI-1 file of uint8 voxels (first axis fastest) with intent
 * NIFTI_INTENT_LABEL and the given geometry in both sform and qform.
 */
export function encodeNiftiUint8(geo: NiftiGeometry, data: Uint8Array, options: NiftiEncodeOptions): Buffer {
  return encodeNifti(geo, data, options);
}

/**
 * encodeNiftiUint8 with the compression on the libuv pool: a CT-sized label volume is 52 MB to
 * gzip, over a second that would otherwise block the thread (the extension host) that asked.
 */
export function encodeNiftiUint8Later(
  geo: NiftiGeometry,
  data: Uint8Array,
  options: NiftiEncodeOptions,
): Promise<Buffer> {
  return gzip(uncompressedNifti(geo, data, options), { level: options.gzipLevel ?? 6 });
}

/**
 * A gzip-compressed NIfTI-1 file of float32 values (an image volume: no intent), with the given
 * geometry in both sform and qform, compressed on the libuv pool (see encodeNiftiUint8Later).
 * Only voxels and geometry: no names, dates or extensions.
 */
export function encodeNiftiFloat32Later(
  geo: NiftiGeometry,
  data: Float32Array,
  options: Omit<NiftiEncodeOptions, 'intentName'>,
): Promise<Buffer> {
  return gzip(uncompressedNifti(geo, data, { ...options, intentName: '' }), {
    level: options.gzipLevel ?? 6,
  });
}

const gzip = promisify(zlib.gzip);

/** A gzip-compressed NIfTI-1 file of int16 values (an image volume: no intent), e.g. CT in HU. */
export function encodeNiftiInt16(
  geo: NiftiGeometry,
  data: Int16Array,
  options: Omit<NiftiEncodeOptions, 'intentName'>,
): Buffer {
  return encodeNifti(geo, data, { ...options, intentName: '' });
}

function encodeNifti(
  geo: NiftiGeometry,
  data: Uint8Array | Int16Array | Float32Array,
  options: NiftiEncodeOptions,
): Buffer {
  return zlib.gzipSync(uncompressedNifti(geo, data, options), { level: options.gzipLevel ?? 6 });
}

/** The NIfTI-1 file (header, then the voxels) before compression. */
function uncompressedNifti(
  geo: NiftiGeometry,
  data: Uint8Array | Int16Array | Float32Array,
  options: NiftiEncodeOptions,
): Buffer {
  const type =
    data instanceof Float32Array
      ? { code: DT_FLOAT32, bits: 32, intent: 0 }
      : data instanceof Int16Array
        ? { code: DT_INT16, bits: 16, intent: 0 }
        : { code: DT_UINT8, bits: 8, intent: INTENT_LABEL };
  const outDims = geo.dims;
  if (data.length !== outDims[0] * outDims[1] * outDims[2]) {
    throw new Error(`NIfTI data has ${data.length} voxels, expected ${outDims.join('×')}`);
  }
  const affine = geo.affine;
  const header = Buffer.alloc(VOX_OFFSET);
  header.writeInt32LE(HEADER_SIZE, 0);
  const dim = [3, outDims[0], outDims[1], outDims[2], 1, 1, 1, 1];
  dim.forEach((v, i) => header.writeInt16LE(v, 40 + 2 * i));
  header.writeInt16LE(type.intent, 68);
  header.writeInt16LE(type.code, 70);
  header.writeInt16LE(type.bits, 72);
  const q = affineToQuaternion(affine);
  const pixdim = [q.qfac, geo.spacing[0], geo.spacing[1], geo.spacing[2], 0, 0, 0, 0];
  pixdim.forEach((v, i) => header.writeFloatLE(v, 76 + 4 * i));
  header.writeFloatLE(VOX_OFFSET, 108);
  header.writeFloatLE(1, 112); // scl_slope
  header.writeFloatLE(0, 116); // scl_inter
  header.writeUInt8(UNITS_MM, 123);
  header.writeFloatLE(options.maxValue, 124); // cal_max
  header.writeFloatLE(0, 128); // cal_min
  header.write(options.description.slice(0, 79), 148, 'latin1');
  header.writeInt16LE(XFORM_SCANNER, 252);
  header.writeInt16LE(XFORM_SCANNER, 254);
  header.writeFloatLE(q.b, 256);
  header.writeFloatLE(q.c, 260);
  header.writeFloatLE(q.d, 264);
  header.writeFloatLE(affine[0][3], 268);
  header.writeFloatLE(affine[1][3], 272);
  header.writeFloatLE(affine[2][3], 276);
  for (let r = 0; r < 3; r++)
    for (let c = 0; c < 4; c++) header.writeFloatLE(affine[r][c], 280 + 16 * r + 4 * c);
  header.write(options.intentName.slice(0, 15), 328, 'latin1');
  header.write('n+1\0', 344, 'latin1');
  // Bytes 348–351: no extensions.
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  // Typed arrays are in the host's byte order: little-endian on every platform Node runs on here.
  return Buffer.concat([header, bytes]);
}
