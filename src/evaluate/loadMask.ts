import { promises as fs } from 'node:fs';
import { isZeroRange, wordView } from '../analysis/byteMask';
import { readMask } from '../analysis/rasterIO';
import { decodeGray8Png } from './grayPng';
import { readSeg, segMaskOnGrid, type SegFile, type SegGrid } from './segTruth';
import { openVolumeSource, readVolumeValues } from '../imaging/volumeSource';
import type { MaskRef } from './discover';

/** A mask on its grid, first axis fastest: values from `insideFrom` on are inside. */
export interface LoadedMask {
  mask: Uint8Array;
  /** 1 for binary masks (0/1) and label volumes read as 0/1; 128 for 8-bit masks and probability maps. */
  insideFrom: number;
  /** [width, height] for a PNG, [x, y, slices] for a NIfTI. */
  dims: number[];
  /** mm per grid axis when the file knows it (NIfTI); PNG masks do not. */
  spacing?: number[];
}

/**
 * Decoded label volumes, kept while one image's targets are read (each target of a label volume
 * is one label of the same file).
 */
export class MaskCache {
  private readonly volumes = new Map<
    string,
    Promise<{ values: Float32Array; dims: number[]; spacing: number[] }>
  >();

  volume(file: string) {
    let v = this.volumes.get(file);
    if (!v) {
      v = (async () => {
        const source = await openVolumeSource(file);
        return {
          values: await readVolumeValues(source),
          dims: [...source.dims],
          spacing: [...source.spacing],
        };
      })();
      this.volumes.set(file, v);
    }
    return v;
  }

  private readonly segs = new Map<string, Promise<SegFile | undefined>>();

  seg(file: string) {
    let s = this.segs.get(file);
    if (!s) {
      s = readSeg(file);
      this.segs.set(file, s);
    }
    return s;
  }

  clear(): void {
    this.volumes.clear();
    this.segs.clear();
  }
}

/**
 * Reads one target's mask. PNG: values above the reference's threshold are inside; without one,
 * a mask of only 0 and 1 is taken as it is and any other mask is inside from 128 (so 0/255 masks
 * and probability maps both work). NIfTI: the target's label, or any non-zero voxel of a mask.
 */
export async function loadMask(ref: MaskRef, cache: MaskCache, grid?: SegGrid): Promise<LoadedMask> {
  if (ref.format === 'seg') {
    const seg = await cache.seg(ref.file);
    if (!seg) throw new Error(`${ref.file}: not a DICOM SEG`);
    if (!grid) throw new Error(`${ref.file}: a DICOM SEG needs a prediction grid to be placed on`);
    return { mask: segMaskOnGrid(seg, ref.label ?? 1, grid), dims: [...grid.dims], insideFrom: 1 };
  }
  if (ref.format === 'png') {
    const { mask, width, height } = await readPngMask(ref.file);
    // Kept as decoded (no binary copy): inside above the reference's threshold; without one, a
    // mask whose values are only 0 and 1 is binary, any other is inside from 128. The scan for a
    // value above 1 stops at the first one.
    let insideFrom: number;
    if (ref.threshold !== undefined) insideFrom = Math.max(1, Math.floor(ref.threshold) + 1);
    else {
      insideFrom = hasValueAbove1(mask) ? 128 : 1;
    }
    return { mask, dims: [width, height], insideFrom };
  }
  const { values, dims, spacing } = await cache.volume(ref.file);
  const out = new Uint8Array(values.length);
  const label = ref.label;
  if (label === undefined) for (let i = 0; i < values.length; i++) out[i] = values[i] !== 0 ? 1 : 0;
  else for (let i = 0; i < values.length; i++) out[i] = values[i] === label ? 1 : 0;
  return {
    mask: out,
    insideFrom: 1,
    dims: dims[2] === 1 ? dims.slice(0, 2) : dims,
    spacing: dims[2] === 1 ? spacing.slice(0, 2) : spacing,
  };
}

/** An 8-bit grey PNG by the fast path, anything else by the general decoder. */
async function readPngMask(file: string): Promise<{ mask: Uint8Array; width: number; height: number }> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (error) {
    throw new Error(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`, {
      cause: error,
    });
  }
  const fast = await decodeGray8Png(bytes);
  return fast ? { mask: fast.data, width: fast.width, height: fast.height } : readMask(file);
}

/** The mask as 0/1 (a copy only when it is not binary already). */
export function binaryOf(m: LoadedMask): Uint8Array {
  if (m.insideFrom <= 1) return m.mask;
  const out = new Uint8Array(m.mask.length);
  for (let i = 0; i < out.length; i++) out[i] = m.mask[i] >= m.insideFrom ? 1 : 0;
  return out;
}

/**
 * Whether any value exceeds 1: four bytes at a time where the mask is word-aligned, zero
 * stretches (most of a mask) skipped by a native compare.
 */
function hasValueAbove1(mask: Uint8Array): boolean {
  const bytes = Buffer.from(mask.buffer, mask.byteOffset, mask.length);
  const words = wordView(mask);
  const CHUNK = 16384;
  for (let start = 0; start < mask.length; start += CHUNK) {
    const end = Math.min(mask.length, start + CHUNK);
    if (isZeroRange(bytes, start, end)) continue;
    if (words && end - start === CHUNK) {
      for (let i = start >> 2, e = end >> 2; i < e; i++) if ((words[i] & ABOVE_1) !== 0) return true;
    } else for (let i = start; i < end; i++) if (mask[i] > 1) return true;
  }
  return false;
}

/** The bits of each byte of a word that make it exceed 1. */
const ABOVE_1 = 0xfefefefe | 0;
