/**
 * The synthetic CT phantom shipped for trying volumes offline: 256×256×48 voxels of CT-like
 * values (air, soft tissue, liver, spleen, kidneys, aorta, spine) with seeded noise, and its exact
 * labels. It is made here, deterministically, so the demo endpoint knows its labels without
 * reading a file, and `scripts/make-phantom.ts` writes the shipped NIfTI and DICOM series.
 *
 * Each slice carries its own index as a code of eight 6×6-voxel blocks in the air above the body
 * (bright = 1): the first and last are always bright, the six between hold k in binary, most
 * significant first. The demo endpoint reads it back from whatever it is sent (a model input
 * PNG of one slice, or the whole volume in either storage order), so it answers with the labels
 * of exactly that slice, whatever window the client chose.
 *
 * Voxel (i, j, k): i is the image row (anterior → posterior), j the column (patient right →
 * left), k the slice (inferior → superior). Stored i fastest, as NIfTI stores its first axis.
 */

export const PHANTOM_DIMS: [number, number, number] = [256, 256, 48];
/** mm along i, j, k. */
export const PHANTOM_SPACING: [number, number, number] = [1.5, 1.5, 2.5];

/**
 * RAS+ affine of the NIfTI: i runs posterior (−Y), j to the patient's left (−X), k superior.
 * The DICOM series (ImageOrientationPatient 1\0\0\0\1\0, rows = i, columns = j) lies on the
 * same voxels.
 */
export const PHANTOM_AFFINE: number[][] = [
  [0, -1.5, 0, 192],
  [-1.5, 0, 0, 192],
  [0, 0, 2.5, -60],
  [0, 0, 0, 1],
];

/** Labels in the labels volume, with the target names the demo answers for. */
export const PHANTOM_TARGETS = [
  { label: 1, target: 'liver' },
  { label: 2, target: 'spleen' },
  { label: 3, target: 'right kidney' },
  { label: 4, target: 'left kidney' },
  { label: 5, target: 'aorta' },
] as const;

/** Prompts that map to several labels. */
const UNIONS: Record<string, number[]> = { kidney: [3, 4] };

export const PHANTOM_CODE = { row: 4, col: 4, block: 6, pitch: 8, bits: 8 } as const;
const CODE_HU = 1000;
const AIR_HU = -1000;

interface Ellipsoid {
  label: number;
  hu: number;
  centre: [number, number, number];
  radii: [number, number, number];
}

const ORGANS: Ellipsoid[] = [
  { label: 1, hu: 60, centre: [110, 80, 28], radii: [45, 38, 17] },
  { label: 2, hu: 45, centre: [115, 185, 30], radii: [25, 16, 10] },
  { label: 3, hu: 150, centre: [165, 90, 16], radii: [16, 11, 10] },
  { label: 4, hu: 150, centre: [165, 168, 18], radii: [16, 11, 10] },
];
const AORTA = { label: 5, hu: 200, centre: [150, 130], radius: 8 };
const SPINE = { hu: 700, centre: [190, 128], radius: 14 };
const BODY = { hu: 40, centre: [128, 128], radii: [90, 115] };
const NOISE_HU = 10;

/** The code's bits for slice k: sync bit, six bits of k, sync bit. */
export function sliceCodeBits(k: number): boolean[] {
  const bits = [true];
  for (let b = 5; b >= 0; b--) bits.push(((k >> b) & 1) === 1);
  bits.push(true);
  return bits;
}

/** Reads a slice index from its code; `bright(row, col)` says whether that pixel of the slice is bright. */
export function readSliceCode(bright: (row: number, col: number) => boolean): number | undefined {
  const { row, col, block, pitch, bits } = PHANTOM_CODE;
  const centre = (b: number) => [row + block / 2, col + b * pitch + block / 2];
  const values: boolean[] = [];
  for (let b = 0; b < bits; b++) {
    const [r, c] = centre(b);
    values.push(bright(r, c));
  }
  // The gaps between blocks are dark: rules out a bright region that merely covers the code.
  const [gapRow, gapCol] = [row + block / 2, col + block + 1];
  if (!values[0] || !values[bits - 1] || bright(gapRow, gapCol)) return undefined;
  let k = 0;
  for (let b = 1; b < bits - 1; b++) k = (k << 1) | (values[b] ? 1 : 0);
  return k < PHANTOM_DIMS[2] ? k : undefined;
}

/** A seeded normal generator (LCG + Box–Muller): the phantom is the same on every machine. */
function normals(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** The label of voxel (i, j, k), 0 for none. */
function labelAt(i: number, j: number, k: number): number {
  for (const o of ORGANS) {
    const d =
      ((i - o.centre[0]) / o.radii[0]) ** 2 +
      ((j - o.centre[1]) / o.radii[1]) ** 2 +
      ((k - o.centre[2]) / o.radii[2]) ** 2;
    if (d <= 1) return o.label;
  }
  if ((i - AORTA.centre[0]) ** 2 + (j - AORTA.centre[1]) ** 2 <= AORTA.radius ** 2) return AORTA.label;
  return 0;
}

export interface Phantom {
  /** Hounsfield units, i fastest. */
  hu: Int16Array;
  /** 0 … 5 (see PHANTOM_TARGETS), i fastest. */
  labels: Uint8Array;
}

let labelsOnly: Uint8Array | undefined;

/** The phantom's labels (computed once; no noise involved). */
export function phantomLabels(): Uint8Array {
  labelsOnly ??= makePhantom({ withValues: false }).labels;
  return labelsOnly;
}

export function makePhantom(options: { withValues?: boolean } = {}): Phantom {
  const withValues = options.withValues ?? true;
  const [ni, nj, nk] = PHANTOM_DIMS;
  const hu = new Int16Array(withValues ? ni * nj * nk : 0);
  const labels = new Uint8Array(ni * nj * nk);
  const noise = normals(20261203);
  const { row, col, block, pitch, bits } = PHANTOM_CODE;
  for (let k = 0; k < nk; k++) {
    const code = sliceCodeBits(k);
    for (let j = 0; j < nj; j++) {
      for (let i = 0; i < ni; i++) {
        const v = i + ni * (j + nj * k);
        const label = labelAt(i, j, k);
        labels[v] = label;
        if (!withValues) continue;
        const inBody =
          ((i - BODY.centre[0]) / BODY.radii[0]) ** 2 + ((j - BODY.centre[1]) / BODY.radii[1]) ** 2 <= 1;
        let value = AIR_HU;
        if (inBody) {
          const inSpine = (i - SPINE.centre[0]) ** 2 + (j - SPINE.centre[1]) ** 2 <= SPINE.radius ** 2;
          value = label
            ? label === AORTA.label
              ? AORTA.hu
              : ORGANS[label - 1].hu
            : inSpine
              ? SPINE.hu
              : BODY.hu;
          value = Math.round(value + NOISE_HU * noise());
        } else {
          const b = Math.floor((j - col) / pitch);
          const inBlock =
            i >= row && i < row + block && j >= col && b < bits && j - col - b * pitch < block && code[b];
          if (inBlock) value = CODE_HU;
        }
        hu[v] = value;
      }
    }
  }
  return { hu, labels };
}

/** Label values a prompt stands for: a target name, or a union such as 'kidney'; undefined if none. */
export function phantomLabelsFor(prompt: string): number[] | undefined {
  const key = prompt.trim().toLowerCase().replace(/\s+/g, ' ');
  const single = PHANTOM_TARGETS.find((t) => t.target === key);
  return single ? [single.label] : UNIONS[key];
}
