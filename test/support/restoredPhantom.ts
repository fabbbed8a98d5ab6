import { makePhantom, PHANTOM_AFFINE, PHANTOM_DIMS, PHANTOM_SPACING } from '../../src/demo/phantom';
import { encodeNiftiInt16 } from '../../src/export/nifti';

/**
 * The synthetic phantom stored in another voxel order, with the affine that keeps every voxel at
 * its world position: the same anatomy, a different storage. The shipped phantom's voxel i runs
 * posterior and j to the patient's left; here the new i' runs along R or L and j' along A or P,
 * so a viewer that ignores the affine shows it transposed and/or mirrored.
 */
export type PhantomStorage = 'RAS' | 'LAS' | 'LPS' | 'RAS-oblique';

/** How far the 'RAS-oblique' storage is turned about the patient's S axis. */
export const OBLIQUE_DEGREES = 12;

export function restoredPhantom(storage: PhantomStorage): Buffer {
  const [ni, nj, nk] = PHANTOM_DIMS;
  const { hu } = makePhantom();
  // New voxel (i', j') → shipped voxel (i, j). Shipped: x = 192 − 1.5 j (j → L), y = 192 − 1.5 i (i → P).
  // The oblique copy is the RAS copy with its grid turned in the axial plane: the same voxels
  // in another order, no longer aligned with the patient's axes.
  const toRight = storage === 'RAS' || storage === 'RAS-oblique';
  const toAnterior = storage !== 'LPS';
  const oldJ = (ip: number) => (toRight ? nj - 1 - ip : ip);
  const oldI = (jp: number) => (toAnterior ? ni - 1 - jp : jp);
  const dims: [number, number, number] = [nj, ni, nk];
  const out = new Int16Array(hu.length);
  for (let k = 0; k < nk; k++)
    for (let jp = 0; jp < dims[1]; jp++)
      for (let ip = 0; ip < dims[0]; ip++)
        out[ip + dims[0] * (jp + dims[1] * k)] = hu[oldI(jp) + ni * (oldJ(ip) + nj * k)];
  // The world position of a new voxel is the shipped affine at the shipped voxel it came from.
  const world = (ip: number, jp: number, k: number) =>
    [0, 1, 2].map((r) => {
      const a = PHANTOM_AFFINE[r];
      return a[0] * oldI(jp) + a[1] * oldJ(ip) + a[2] * k + a[3];
    });
  const o = world(0, 0, 0);
  const di = world(1, 0, 0).map((v, r) => v - o[r]);
  const dj = world(0, 1, 0).map((v, r) => v - o[r]);
  const dk = world(0, 0, 1).map((v, r) => v - o[r]);
  let affine = [0, 1, 2].map((r) => [di[r], dj[r], dk[r], o[r]]);
  if (storage === 'RAS-oblique') {
    const t = (OBLIQUE_DEGREES * Math.PI) / 180;
    const turn = [
      [Math.cos(t), -Math.sin(t), 0],
      [Math.sin(t), Math.cos(t), 0],
      [0, 0, 1],
    ];
    affine = turn.map((row) => [0, 1, 2, 3].map((c) => row.reduce((sum, v, r) => sum + v * affine[r][c], 0)));
  }
  affine.push([0, 0, 0, 1]);
  return encodeNiftiInt16(
    { dims, spacing: [PHANTOM_SPACING[1], PHANTOM_SPACING[0], PHANTOM_SPACING[2]], affine },
    out,
    { description: `synthetic phantom, ${storage} storage`, maxValue: 2000 },
  );
}
