/**
 * Masks as runs of inside voxels per row, for the segmentation metrics. A mask pair at 1024² is a
 * million voxels per side but a few thousand runs: the overlap counts, the bounding box and the
 * surface voxels all follow from the runs, so the byte mask is read once (four background or
 * four inside voxels per step where the rows allow) and everything after costs in runs and
 * surface voxels rather than in voxels.
 */

import { byteView, HIGH_BITS, isZeroRange, wordView } from './byteMask';

/** Runs per row (rows are the grid's lines along its first axis, row r = y + ny·z). */
export interface Runs {
  /** Runs of row r are [rowPtr[r], rowPtr[r + 1]) in `starts` and `ends`. */
  rowPtr: Int32Array;
  /** First inside voxel of each run, along the row. */
  starts: Int32Array;
  /** One past the last inside voxel of each run. */
  ends: Int32Array;
  /** Inside voxels in all. */
  count: number;
}

/** Rows checked for zero in one native call. */
const ZERO_BAND = 16;

/** A growable pair of run arrays. */
class RunList {
  starts = new Int32Array(256);
  ends = new Int32Array(256);
  length = 0;

  push(s: number, e: number): void {
    if (this.length === this.starts.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.starts = grow(this.starts);
      this.ends = grow(this.ends);
    }
    this.starts[this.length] = s;
    this.ends[this.length] = e;
    this.length++;
  }
}

/** The runs of values ≥ `min` (min ≥ 1, so zero is always outside) in `rows` rows of `nx`. */
export function maskRuns(mask: ArrayLike<number>, nx: number, rows: number, min: number): Runs {
  const bytes = byteView(mask);
  // Whole words per row only when rows start on a word: then word k of a row is voxels 4k..4k+3.
  const words = nx % 4 === 0 ? wordView(mask) : undefined;
  // Which 4-voxel words can be skipped without looking at their bytes: all outside (zero for any
  // min; high bit clear for min 128) or all inside (no zero byte for min 1; every high bit set
  // for min 128). Other thresholds look at the bytes of any non-zero word.
  const mode = min === 1 ? 1 : min === 128 ? 2 : 0;
  const rowPtr = new Int32Array(rows + 1);
  const list = new RunList();
  let count = 0;
  for (let r = 0; r < rows; r++) {
    rowPtr[r] = list.length;
    const start = r * nx;
    // Most rows of a mask are background: checked natively, a band of rows at a time while they
    // are (each native call costs about as much as scanning a row).
    if (
      bytes &&
      r % ZERO_BAND === 0 &&
      r + ZERO_BAND <= rows &&
      isZeroRange(bytes, start, start + ZERO_BAND * nx)
    ) {
      rowPtr.fill(list.length, r + 1, r + ZERO_BAND);
      r += ZERO_BAND - 1;
      continue;
    }
    if (bytes && isZeroRange(bytes, start, start + nx)) continue;
    let inside = false;
    let runStart = 0;
    let x = 0;
    while (x < nx) {
      if (words && (x & 3) === 0) {
        const w = words[(start + x) >> 2];
        const skip = inside
          ? mode === 1
            ? ((w - 0x01010101) & ~w & HIGH_BITS) === 0
            : mode === 2 && (w & HIGH_BITS) === HIGH_BITS
          : w === 0 || (mode === 2 && (w & HIGH_BITS) === 0);
        if (skip) {
          x += 4;
          continue;
        }
      }
      if (mask[start + x] >= min !== inside) {
        if (inside) {
          list.push(runStart, x);
          count += x - runStart;
        } else runStart = x;
        inside = !inside;
      }
      x++;
    }
    if (inside) {
      list.push(runStart, nx);
      count += nx - runStart;
    }
  }
  rowPtr[rows] = list.length;
  return {
    rowPtr,
    starts: list.starts.subarray(0, list.length),
    ends: list.ends.subarray(0, list.length),
    count,
  };
}

/** Inclusive bounds per axis: [lo0, hi0, lo1, hi1, lo2, hi2]; lo > hi on an axis when empty. */
export type Box = number[];

/**
 * TP (voxels inside both), FP and FN, and the bounding box of both masks together, from their
 * runs on the same grid.
 */
export function overlapOfRuns(
  a: Runs,
  b: Runs,
  dims: readonly [number, number, number],
): { tp: number; fp: number; fn: number; box: Box } {
  const [nx, ny, nz] = dims;
  let tp = 0;
  let x0 = nx;
  let x1 = -1;
  let y0 = ny;
  let y1 = -1;
  let z0 = nz;
  let z1 = -1;
  for (let z = 0, r = 0; z < nz; z++)
    for (let y = 0; y < ny; y++, r++) {
      let i = a.rowPtr[r];
      const iEnd = a.rowPtr[r + 1];
      let j = b.rowPtr[r];
      const jEnd = b.rowPtr[r + 1];
      if (i === iEnd && j === jEnd) continue;
      const lo = Math.min(i < iEnd ? a.starts[i] : nx, j < jEnd ? b.starts[j] : nx);
      const hi = Math.max(i < iEnd ? a.ends[iEnd - 1] : 0, j < jEnd ? b.ends[jEnd - 1] : 0) - 1;
      if (lo < x0) x0 = lo;
      if (hi > x1) x1 = hi;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
      if (z < z0) z0 = z;
      if (z > z1) z1 = z;
      while (i < iEnd && j < jEnd) {
        const s = Math.max(a.starts[i], b.starts[j]);
        const e = Math.min(a.ends[i], b.ends[j]);
        if (e > s) tp += e - s;
        if (a.ends[i] < b.ends[j]) i++;
        else j++;
      }
    }
  return { tp, fp: a.count - tp, fn: b.count - tp, box: [x0, x1, y0, y1, z0, z1] };
}

/**
 * Intersection of the run list `src` (its first `srcLength` runs) with row `r` of `runs`, into
 * `out` from index 0 (which must hold srcLength + that row's runs); returns its length.
 */
function intersectInto(
  srcStarts: Int32Array,
  srcEnds: Int32Array,
  srcLength: number,
  runs: Runs,
  r: number,
  outStarts: Int32Array,
  outEnds: Int32Array,
): number {
  let i = 0;
  let j = runs.rowPtr[r];
  const jEnd = runs.rowPtr[r + 1];
  let n = 0;
  while (i < srcLength && j < jEnd) {
    const s = Math.max(srcStarts[i], runs.starts[j]);
    const e = Math.min(srcEnds[i], runs.ends[j]);
    if (e > s) {
      outStarts[n] = s;
      outEnds[n] = e;
      n++;
    }
    if (srcEnds[i] < runs.ends[j]) i++;
    else j++;
  }
  return n;
}

/**
 * The surface voxels of a mask given as runs: inside voxels with a face neighbour (4 in 2D, 6 in
 * 3D) outside the mask or the grid, i.e. `mask XOR erosion(mask)`. As indices into `box` (first
 * axis fastest), ascending; the box must hold every run. The same set, in the same order, as
 * `surface` in metrics.ts finds voxel by voxel.
 */
export function surfaceOfRuns(runs: Runs, dims: readonly [number, number, number], box: Box): Int32Array {
  const [, ny, nz] = dims;
  const [x0, x1, y0, y1, z0, z1] = box;
  const bx = x1 - x0 + 1;
  const by = y1 - y0 + 1;
  // Scratch for the voxels whose vertical neighbours are all inside: an intersection of run
  // lists never has more runs than its inputs together.
  let maxRow = 0;
  for (let r = 0; r + 1 < runs.rowPtr.length; r++)
    maxRow = Math.max(maxRow, runs.rowPtr[r + 1] - runs.rowPtr[r]);
  const size = 4 * maxRow + 4;
  let aStarts = new Int32Array(size);
  let aEnds = new Int32Array(size);
  let bStarts = new Int32Array(size);
  let bEnds = new Int32Array(size);
  const neighbours = [0, 0, 0, 0];
  let out = new Int32Array(1024);
  let n = 0;
  const emit = (v: number) => {
    if (n === out.length) {
      const grown = new Int32Array(out.length * 2);
      grown.set(out);
      out = grown;
    }
    out[n++] = v;
  };
  for (let z = z0; z <= z1; z++)
    for (let y = y0; y <= y1; y++) {
      const r = y + ny * z;
      const first = runs.rowPtr[r];
      const last = runs.rowPtr[r + 1];
      if (first === last) continue;
      const local = bx * (y - y0 + by * (z - z0)) - x0;
      // Covered: inside in every vertical neighbour row (y ± 1, and z ± 1 in 3D). None on the
      // grid's edge rows, whose neighbour off the grid counts as outside.
      let covered = 0;
      const edge = y === 0 || y === ny - 1 || (nz > 1 && (z === 0 || z === nz - 1));
      if (!edge) {
        neighbours[0] = r - 1;
        neighbours[1] = r + 1;
        neighbours[2] = r - ny;
        neighbours[3] = r + ny;
        const count = nz > 1 ? 4 : 2;
        const up = neighbours[0];
        covered = runs.rowPtr[up + 1] - runs.rowPtr[up];
        aStarts.set(runs.starts.subarray(runs.rowPtr[up], runs.rowPtr[up + 1]));
        aEnds.set(runs.ends.subarray(runs.rowPtr[up], runs.rowPtr[up + 1]));
        for (let k = 1; k < count && covered > 0; k++) {
          covered = intersectInto(aStarts, aEnds, covered, runs, neighbours[k], bStarts, bEnds);
          [aStarts, bStarts] = [bStarts, aStarts];
          [aEnds, bEnds] = [bEnds, aEnds];
        }
      }
      let c = 0;
      for (let k = first; k < last; k++) {
        const s = runs.starts[k];
        const e = runs.ends[k];
        // Both ends of a run have a neighbour outside along the row (or lie on the grid's edge).
        emit(local + s);
        // Between them, the voxels not covered.
        let x = s + 1;
        while (x < e - 1) {
          while (c < covered && aEnds[c] <= x) c++;
          if (c < covered && aStarts[c] <= x) {
            x = aEnds[c];
            continue;
          }
          const stop = c < covered ? Math.min(e - 1, aStarts[c]) : e - 1;
          for (; x < stop; x++) emit(local + x);
        }
        if (e - 1 > s) emit(local + e - 1);
      }
    }
  return out.slice(0, n);
}
