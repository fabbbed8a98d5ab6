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

/** Reusable scratch buffers: labelling 16 masks of 1024² should not allocate 16 × 8 MB. */
let scratchLabels = new Int32Array(0);
let scratchParent = new Int32Array(0);

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

function union(parent: Int32Array, a: number, b: number): number {
  const ra = find(parent, a);
  const rb = find(parent, b);
  if (ra === rb) return ra;
  // The smaller label becomes the root so roots stay in raster order of first appearance.
  if (ra < rb) {
    parent[rb] = ra;
    return ra;
  }
  parent[ra] = rb;
  return rb;
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
  const n = width * height;
  if (scratchLabels.length < n) scratchLabels = new Int32Array(n);
  const labels = scratchLabels;
  // Provisional labels: at most one per run start, bounded by ceil(n/2) + 1 in the worst case.
  const maxLabels = (n >> 1) + 2;
  if (scratchParent.length < maxLabels) scratchParent = new Int32Array(maxLabels);
  const parent = scratchParent;
  let next = 1;

  // First pass: provisional labels from the already visited neighbours (W, NW, N, NE).
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + x;
      if (!(mask[i] > threshold)) {
        labels[i] = 0;
        continue;
      }
      let label = x > 0 ? labels[i - 1] : 0;
      if (y > 0) {
        const up = i - width;
        const n0 = labels[up];
        if (n0) {
          // N connects to W, NW and NE through the run above; one union covers them.
          label = label ? union(parent, label, n0) : n0;
        } else {
          const nw = x > 0 ? labels[up - 1] : 0;
          const ne = x + 1 < width ? labels[up + 1] : 0;
          if (nw) label = label ? union(parent, label, nw) : nw;
          if (ne) label = label ? union(parent, label, ne) : ne;
        }
      }
      if (!label) {
        if (next >= parent.length) {
          const grown = new Int32Array(parent.length * 2);
          grown.set(parent);
          scratchParent = grown;
          return findComponents(mask, width, height, options);
        }
        label = next;
        parent[next] = next;
        next++;
      }
      labels[i] = label;
    }
  }

  // Resolve roots to dense ids in order of first appearance.
  const dense = new Int32Array(next);
  let count = 0;
  for (let l = 1; l < next; l++) {
    const r = find(parent, l);
    dense[l] = r === l ? ++count : dense[r];
  }

  const minX = new Int32Array(count + 1).fill(width);
  const minY = new Int32Array(count + 1).fill(height);
  const maxX = new Int32Array(count + 1).fill(-1);
  const maxY = new Int32Array(count + 1).fill(-1);
  const area = new Float64Array(count + 1);
  const sumX = new Float64Array(count + 1);
  const sumY = new Float64Array(count + 1);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      const l = labels[row + x];
      if (!l) continue;
      const c = dense[l];
      area[c]++;
      sumX[c] += x;
      sumY[c] += y;
      if (x < minX[c]) minX[c] = x;
      if (x > maxX[c]) maxX[c] = x;
      if (y < minY[c]) minY[c] = y;
      if (y > maxY[c]) maxY[c] = y;
    }
  }

  const mm2PerPixel = options.pixelSpacing ? options.pixelSpacing[0] * options.pixelSpacing[1] : undefined;
  const components: Component[] = [];
  let totalArea = 0;
  for (let c = 1; c <= count; c++) {
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
