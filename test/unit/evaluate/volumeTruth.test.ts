import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeNiftiUint8 } from '../../../src/export/nifti';
import {
  AGREEMENT,
  findTruthBesideVolume,
  sliceAgreement,
  volumeAgreement,
} from '../../../src/evaluate/volumeTruth';

const DIMS = [12, 10, 6] as [number, number, number];
const AFFINE = [
  [0.8, 0, 0, -5],
  [0, 0.9, 0, -4],
  [0, 0, 2.5, 10],
  [0, 0, 0, 1],
];
const N = DIMS[0] * DIMS[1] * DIMS[2];
const at = (x: number, y: number, z: number) => x + DIMS[0] * (y + DIMS[1] * z);

/** A box of voxels [x0, x1) × [y0, y1) × [z0, z1) set to `value`. */
function box(into: Uint8Array, [x0, x1, y0, y1, z0, z1]: number[], value: number): Uint8Array {
  for (let z = z0; z < z1; z++)
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) into[at(x, y, z)] = value;
  return into;
}

const nifti = (data: Uint8Array, dims = DIMS) =>
  encodeNiftiUint8({ dims, spacing: [0.8, 0.9, 2.5], affine: AFFINE }, data, {
    description: 'test',
    maxValue: 255,
    intentName: 'labels',
  });

describe('evaluate: ground truth for whole-volume results (viewer comparison)', () => {
  let tmp: string;
  beforeEach(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-volume-truth-'));
  });
  afterEach(() => fs.rm(tmp, { recursive: true, force: true }));

  it('reads a label volume with its label map sidecar and a per-target NIfTI mask onto the result grid', async () => {
    const scan = path.join(tmp, 'scan.nii.gz');
    await fs.writeFile(scan, nifti(new Uint8Array(N)));
    // Label 1 liver, 2 spleen (map in the sidecar of the label volume's own stem).
    const labels = box(box(new Uint8Array(N), [1, 6, 1, 5, 1, 4], 1), [7, 11, 5, 9, 2, 5], 2);
    await fs.writeFile(path.join(tmp, 'scan_labels.nii.gz'), nifti(labels));
    await fs.writeFile(
      path.join(tmp, 'scan_labels.json'),
      JSON.stringify({ labels: { 1: 'liver', 2: 'spleen' } }),
    );
    // A per-target mask in the sibling _masks folder; and one of another size, which is refused.
    await fs.mkdir(`${tmp}_masks`).catch(() => undefined);
    const masksDir = path.join(`${tmp}_masks`);
    try {
      await fs.writeFile(
        path.join(masksDir, 'scan_left+kidney.nii.gz'),
        nifti(box(new Uint8Array(N), [0, 3, 0, 3, 0, 6], 1)),
      );
      await fs.writeFile(
        path.join(tmp, 'scan_aorta.nii.gz'),
        nifti(new Uint8Array(4 * 4 * 4).fill(1), [4, 4, 4]),
      );
      await fs.writeFile(path.join(tmp, 'other_labels.nii.gz'), nifti(labels));
      await fs.writeFile(path.join(tmp, 'other_labels.json'), JSON.stringify({ labels: ['liver'] }));

      const found = await findTruthBesideVolume(
        scan,
        ['liver', 'spleen', 'left kidney', 'aorta', 'pancreas'],
        {
          dims: DIMS,
          affine: AFFINE,
        },
      );
      assert.deepEqual(found.targets.map((t) => [t.target, path.basename(t.file)]).sort(), [
        ['left kidney', 'scan_left+kidney.nii.gz'],
        ['liver', 'scan_labels.nii.gz'],
        ['spleen', 'scan_labels.nii.gz'],
      ]);
      const liver = found.targets.find((t) => t.target === 'liver')!;
      assert.deepEqual(
        liver.mask,
        labels.map((v) => (v === 1 ? 1 : 0)),
      );
      assert.ok(
        found.warnings.some((w) => w.includes('scan_aorta.nii.gz') && w.includes('4×4×4')),
        found.warnings.join('\n'),
      );

      // The legend: Dice over the whole volume per target; the overlay: one slice's TP/FP/FN.
      const predictedLiver = box(new Uint8Array(N), [2, 6, 1, 5, 1, 4], 1); // one column short, all inside
      const predictedSpleen = new Uint8Array(N); // nothing found
      const agreement = volumeAgreement(
        [
          { target: 'Liver', mask: predictedLiver },
          { target: 'spleen', mask: predictedSpleen },
        ],
        found.targets,
        DIMS,
      );
      const truthLiver = 5 * 4 * 3;
      const tp = 4 * 4 * 3;
      assert.deepEqual(
        agreement.find((a) => a.target === 'liver'),
        {
          target: 'liver',
          dice: (2 * tp) / (tp + truthLiver),
          tp,
          fp: 0,
          fn: truthLiver - tp,
        },
      );
      assert.deepEqual(
        agreement.find((a) => a.target === 'spleen'),
        {
          target: 'spleen',
          dice: 0,
          tp: 0,
          fp: 0,
          fn: 4 * 4 * 3,
        },
      );
      assert.equal(
        agreement.find((a) => a.target === 'left kidney'),
        undefined,
        'not predicted: not scored',
      );

      const slice = sliceAgreement(predictedLiver, liver.mask, DIMS, 2);
      assert.equal(slice[1 + DIMS[0] * 1], AGREEMENT.falseNegative);
      assert.equal(slice[2 + DIMS[0] * 1], AGREEMENT.truePositive);
      assert.equal(slice[0], AGREEMENT.none);
      const fpSlice = sliceAgreement(box(new Uint8Array(N), [0, 1, 0, 1, 5, 6], 1), liver.mask, DIMS, 5);
      assert.equal(fpSlice[0], AGREEMENT.falsePositive);
      assert.throws(() => sliceAgreement(predictedLiver, liver.mask, DIMS, 6), /slice 6 is outside 0…5/);
    } finally {
      await fs.rm(masksDir, { recursive: true, force: true });
    }
  });

  it('finds nothing (and says nothing) beside a volume without ground truth', async () => {
    const scan = path.join(tmp, 'ct.nii.gz');
    await fs.writeFile(scan, nifti(new Uint8Array(N)));
    assert.deepEqual(await findTruthBesideVolume(scan, ['liver'], { dims: DIMS }), {
      targets: [],
      warnings: [],
    });
  });
});
