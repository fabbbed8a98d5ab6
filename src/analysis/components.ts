import { byteView, HIGH_BITS as HIGH_BITS_EXPORT, isZeroRange, wordView } from './byteMask';

// A module-local copy: under CommonJS transpilation (tests, tsx) an imported binding is a
// getter call on every use, which is measurable in the per-word loops below.
const HIGH_BITS = HIGH_BITS_EXPORT;

/**
 * Detection: the 8-connected components of a thresholded probability map, each with its box,
 * area (pixels and, when pixel spacing is known, mm²) and centroid.
 */

export interface BoundingBox {
  /** Left column (inclusive). */
  x: number;
  /** Top row (inclusive). */
  y: number;
  width: number;
  height: number;
}

export interface Component {
  bbox: BoundingBox;
  /** Pixels in the component. */
  area: number;
  /** Area in mm² (area × row spacing × column spacing); only when pixel spacing is known. */
  areaMm2?: number;
  /** Mean pixel position (x = column, y = row), in pixel units. */
  centroid: { x: number; y: number };
}

export interface ComponentsResult {
  count: number;
  /** Largest first; equal areas in raster order of their first pixel. */
  components: Component[];
  /** Pixels above the threshold, all components together. */
  totalArea: number;
  totalAreaMm2?: number;
}

export interface ComponentOptions {
  /** A pixel belongs to the object when its value is strictly above this. Default 127.5 (≥ 128 on uint8). */
  threshold?: number;
  /** [row spacing, column spacing] in mm (DICOM PixelSpacing order). */
  pixelSpacing?: readonly [number, number];
}

/** Default mask threshold: probability 0.5 on the 0–255 scale. */
export const DEFAULT_MASK_THRESHOLD = 127.5;

/**
 * Run-length labelling: each row is cut into runs of foreground pixels, runs touching a run of
 * the row above (8-connectivity: overlapping or diagonal) are merged with union-find. Work is
 * one tight scan per pixel plus a little per run, and no per-pixel label image is needed.
 */
class RunStore {
  start = new Int32Array(1 << 14);
  end = new Int32Array(1 << 14);
  row = new Int32Array(1 << 14);
  parent = new Int32Array(1 << 14);
  count = 0;

  add(s: number, e: number, y: number): number {
    if (this.count === this.start.length) this.grow();
    const i = this.count++;
    this.start[i] = s;
    this.end[i] = e;
    this.row[i] = y;
    this.parent[i] = i;
    return i;
  }

  private grow(): void {
    const size = this.start.length * 2;
    const copy = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.start = copy(this.start);
    this.end = copy(this.end);
    this.row = copy(this.row);
    this.parent = copy(this.parent);
  }
}

/** Reused between calls: analysing 16 masks should not allocate 16 run stores. */
const runs = new RunStore();

function find(parent: Int32Array, a: number): number {
  let root = a;
  while (parent[root] !== root) root = parent[root];
  // Path compression keeps later finds O(1)-ish.
  while (parent[a] !== root) {
    const next = parent[a];
    parent[a] = root;
    a = next;
  }
  return root;
}

function union(parent: Int32Array, a: number, b: number): void {
  const ra = find(parent, a);
  const rb = find(parent, b);
  // The smaller index becomes the root so roots stay in raster order of first appearance.
  if (ra < rb) parent[rb] = ra;
  else if (rb < ra) parent[ra] = rb;
}

/**
 * Connected components (8-connectivity) of `mask > threshold`.
 *
 * @param mask   one value per pixel, row-major, `width * height` long (0–255 probability scale)
 */
export function findComponents(
  mask: ArrayLike<number>,
  width: number,
  height: number,
  options: ComponentOptions = {},
): ComponentsResult {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`invalid mask size ${width}×${height}`);
  }
  if (mask.length !== width * height) {
    throw new Error(`mask has ${mask.length} values, expected ${width}×${height} = ${width * height}`);
  }
  const threshold = options.threshold ?? DEFAULT_MASK_THRESHOLD;
  // For byte masks and a threshold in [127, 128), "value > threshold" is "bit 7 set": skip four
  // background pixels at a time through a 32-bit view.
  const words = threshold >= 127 && threshold < 128 ? wordView(mask) : undefined;
  // With a non-negative threshold, an all-zero row has no foreground: skip it natively.
  const bytes = threshold >= 0 ? byteView(mask) : undefined;
  runs.count = 0;
  let prevFirst = 0;
  let prevLast = 0;
  for (let y = 0; y < height; y++) {
    const rowStart = y * width;
    const rowEnd = rowStart + width;
    const first = runs.count;
    if (bytes && isZeroRange(bytes, rowStart, rowEnd)) {
      prevFirst = prevLast = first;
      continue;
    }
    let i = rowStart;
    while (i < rowEnd) {
      for (;;) {
        if (words && (i & 3) === 0) while (i + 4 <= rowEnd && (words[i >> 2] & HIGH_BITS) === 0) i += 4;
        if (i >= rowEnd || mask[i] > threshold) break;
        i++;
      }
      if (i >= rowEnd) break;
      const s = i;
      for (;;) {
        if (words && (i & 3) === 0)
          while (i + 4 <= rowEnd && (words[i >> 2] & HIGH_BITS) === HIGH_BITS) i += 4;
        if (i >= rowEnd || !(mask[i] > threshold)) break;
        i++;
      }
      runs.add(s - rowStart, i - rowStart, y);
    }
    const last = runs.count;
    // Runs of the row above touching [s, e) (8-connected): start ≤ e and end ≥ s.
    let p = prevFirst;
    for (let r = first; r < last; r++) {
      const s = runs.start[r];
      const e = runs.end[r];
      while (p < prevLast && runs.end[p] < s) p++;
      for (let q = p; q < prevLast && runs.start[q] <= e; q++) union(runs.parent, r, q);
    }
    prevFirst = first;
    prevLast = last;
  }

  // Dense component ids in raster order of first appearance, then per-component sums.
  const total = runs.count;
  const id = new Int32Array(total);
  let count = 0;
  for (let r = 0; r < total; r++) {
    const root = find(runs.parent, r);
    id[r] = root === r ? count++ : id[root];
  }
  const minX = new Int32Array(count).fill(width);
  const minY = new Int32Array(count).fill(height);
  const maxX = new Int32Array(count).fill(-1);
  const maxY = new Int32Array(count).fill(-1);
  const area = new Float64Array(count);
  const sumX = new Float64Array(count);
  const sumY = new Float64Array(count);
  for (let r = 0; r < total; r++) {
    const c = id[r];
    const s = runs.start[r];
    const e = runs.end[r];
    const y = runs.row[r];
    const len = e - s;
    area[c] += len;
    sumX[c] += ((s + e - 1) * len) / 2;
    sumY[c] += y * len;
    if (s < minX[c]) minX[c] = s;
    if (e - 1 > maxX[c]) maxX[c] = e - 1;
    if (y < minY[c]) minY[c] = y;
    if (y > maxY[c]) maxY[c] = y;
  }

  const mm2PerPixel = options.pixelSpacing ? options.pixelSpacing[0] * options.pixelSpacing[1] : undefined;
  const components: Component[] = [];
  let totalArea = 0;
  for (let c = 0; c < count; c++) {
    const component: Component = {
      bbox: { x: minX[c], y: minY[c], width: maxX[c] - minX[c] + 1, height: maxY[c] - minY[c] + 1 },
      area: area[c],
      centroid: { x: sumX[c] / area[c], y: sumY[c] / area[c] },
    };
    if (mm2PerPixel !== undefined) component.areaMm2 = area[c] * mm2PerPixel;
    components.push(component);
    totalArea += area[c];
  }
  // Stable sort: equal areas keep raster order.
  components.sort((a, b) => b.area - a.area);
  const result: ComponentsResult = { count, components, totalArea };
  if (mm2PerPixel !== undefined) result.totalAreaMm2 = totalArea * mm2PerPixel;
  return result;
}
