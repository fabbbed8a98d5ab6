import assert from 'node:assert/strict';
import {
  dicomSliceOrientation,
  directionLetters,
  displayMatrix,
  displayToSource,
  niftiSliceOrientation,
  sourceToDisplay,
  type DisplayTransform,
} from '../../../src/shared/orientation';

/** 4×4 row-major affine from the world directions of voxel axes i, j, k. */
function affine(i: number[], j: number[], k: number[] = [0, 0, 1]): number[] {
  return [i[0], j[0], k[0], 0, i[1], j[1], k[1], 0, i[2], j[2], k[2], 0, 0, 0, 0, 1];
}

const AXIAL_LETTERS = { top: 'A', bottom: 'P', left: 'R', right: 'L' };

/**
 * Where the voxel at world direction `dir` from the image centre ends up on screen, for a 3×3
 * slice whose image axes follow the NIfTI affine: the independent check of the transform.
 */
function screenSideOf(t: DisplayTransform, imageX: number, imageY: number): [number, number] {
  const [dx, dy] = sourceToDisplay(t, 3, 3, imageX + 0.5, imageY + 0.5);
  return [Math.sign(dx - 1.5), Math.sign(dy - 1.5)];
}

describe('radiological display orientation', () => {
  it('RAS storage: transposed and flipped both ways so the patient’s right is on the left, anterior up', () => {
    const o = niftiSliceOrientation(affine([1, 0, 0], [0, 1, 0]))!;
    assert.deepEqual(
      { transpose: o.transpose, flipX: o.flipX, flipY: o.flipY },
      { transpose: true, flipX: true, flipY: true },
    );
    assert.deepEqual(o.letters, AXIAL_LETTERS);
    // Voxel i (image row) grows to the right of the patient: image row 2 must be on the screen's left.
    assert.deepEqual(screenSideOf(o, 1, 2), [-1, 0]);
    // Voxel j (image column) grows anterior: column 2 must be at the top.
    assert.deepEqual(screenSideOf(o, 2, 1), [0, -1]);
  });

  it('LAS storage: transposed, flipped top-bottom only', () => {
    const o = niftiSliceOrientation(affine([-1, 0, 0], [0, 1, 0]))!;
    assert.deepEqual([o.transpose, o.flipX, o.flipY], [true, false, true]);
    assert.deepEqual(o.letters, AXIAL_LETTERS);
    assert.deepEqual(screenSideOf(o, 1, 2), [1, 0]); // row 2 is to the patient's left: screen right
  });

  it('LPS storage: transposed, no flips', () => {
    const o = niftiSliceOrientation(affine([-1, 0, 0], [0, -1, 0]))!;
    assert.deepEqual([o.transpose, o.flipX, o.flipY], [true, false, false]);
    assert.deepEqual(o.letters, AXIAL_LETTERS);
  });

  it('the phantom’s storage (i posterior, j left) and a standard axial DICOM are shown as stored', () => {
    const nifti = niftiSliceOrientation(affine([0, -1.5, 0], [-1.5, 0, 0], [0, 0, 2.5]))!;
    const dicom = dicomSliceOrientation([1, 0, 0, 0, 1, 0])!;
    for (const o of [nifti, dicom]) {
      assert.deepEqual([o.transpose, o.flipX, o.flipY], [false, false, false]);
      assert.deepEqual(o.letters, AXIAL_LETTERS);
    }
  });

  it('an oblique axial slice gets two-letter edges and still the nearest radiological layout', () => {
    const a = (25 * Math.PI) / 180; // rotated 25° about the superior axis
    const i: number[] = [Math.cos(a), Math.sin(a), 0];
    const j: number[] = [-Math.sin(a), Math.cos(a), 0];
    const o = niftiSliceOrientation(affine(i, j))!;
    assert.deepEqual([o.transpose, o.flipX, o.flipY], [true, true, true]);
    // Screen right is -i: mostly Left, partly Posterior; screen down is -j: mostly Posterior, partly Right.
    assert.deepEqual(o.letters, { right: 'LP', left: 'RA', bottom: 'PR', top: 'AL' });
  });

  it('coronal and sagittal DICOM slices: superior up, right on the left / anterior on the left', () => {
    const coronal = dicomSliceOrientation([1, 0, 0, 0, 0, -1])!;
    assert.deepEqual([coronal.transpose, coronal.flipX, coronal.flipY], [false, false, false]);
    assert.deepEqual(coronal.letters, { top: 'S', bottom: 'I', left: 'R', right: 'L' });
    const sagittal = dicomSliceOrientation([0, 1, 0, 0, 0, -1])!;
    assert.deepEqual([sagittal.transpose, sagittal.flipX, sagittal.flipY], [false, false, false]);
    assert.deepEqual(sagittal.letters, { top: 'S', bottom: 'I', left: 'A', right: 'P' });
    // A sagittal slice stored upside down and posterior-first is flipped both ways.
    const stored = dicomSliceOrientation([0, -1, 0, 0, 0, 1])!;
    assert.deepEqual([stored.transpose, stored.flipX, stored.flipY], [false, true, true]);
    assert.deepEqual(stored.letters, sagittal.letters);
  });

  it('no orientation when the axes are missing or parallel', () => {
    assert.equal(dicomSliceOrientation([1, 0, 0, 1, 0, 0]), undefined);
    assert.equal(dicomSliceOrientation([1, 0, 0]), undefined);
    assert.equal(niftiSliceOrientation(affine([0, 0, 0], [0, 0, 0])), undefined);
  });

  it('letters name the strongest component first and drop negligible ones', () => {
    assert.equal(directionLetters([0.02, -0.3, 0.95]), 'SP');
    assert.equal(directionLetters([-1, 0, 0]), 'L');
  });

  it('source ↔ display mapping is a bijection on pixels and agrees with the CSS matrix', () => {
    const [w, h] = [5, 3];
    for (const transpose of [false, true])
      for (const flipX of [false, true])
        for (const flipY of [false, true]) {
          const t = { transpose, flipX, flipY };
          const [a, b, c, d, e, f] = displayMatrix(t, w, h);
          const seen = new Set<string>();
          for (let y = 0; y < h; y++)
            for (let x = 0; x < w; x++) {
              const [dx, dy] = sourceToDisplay(t, w, h, x + 0.5, y + 0.5);
              assert.deepEqual(
                [a * (x + 0.5) + c * (y + 0.5) + e, b * (x + 0.5) + d * (y + 0.5) + f],
                [dx, dy],
              );
              assert.deepEqual(displayToSource(t, w, h, dx, dy), [x + 0.5, y + 0.5]);
              const [dw, dh] = transpose ? [h, w] : [w, h];
              assert.ok(dx > 0 && dx < dw && dy > 0 && dy < dh);
              seen.add(`${Math.floor(dx)},${Math.floor(dy)}`);
            }
          assert.equal(seen.size, w * h);
        }
  });
});
