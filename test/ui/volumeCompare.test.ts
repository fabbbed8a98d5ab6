import * as assert from 'node:assert/strict';
import { encodeNiftiUint8 } from '../../src/export/nifti';
import { PHANTOM_AFFINE, PHANTOM_DIMS, PHANTOM_SPACING, phantomLabels } from '../../src/demo/phantom';
import { openFromExplorer, state } from './volumeHelpers';
import { closeAfterEach, waitText, Workbench } from './workbench';

const [NI, NJ, NK] = PHANTOM_DIMS;

/**
 * The phantom's labels with the liver moved `shift` voxels along i: a ground truth that differs
 * from the demo endpoint's answer (the phantom itself) by a known amount.
 */
function shiftedTruth(shift: number): Uint8Array {
  const labels = phantomLabels();
  const out = new Uint8Array(labels.length);
  for (let k = 0; k < NK; k++)
    for (let j = 0; j < NJ; j++)
      for (let i = 0; i < NI; i++) {
        const v = labels[i + NI * (j + NJ * k)];
        if (v === 1) {
          if (i + shift < NI) out[i + shift + NI * (j + NJ * k)] = 1;
        } else if (v !== 0 && out[i + NI * (j + NJ * k)] === 0) out[i + NI * (j + NJ * k)] = v;
      }
  return out;
}

function diceOfLiver(pred: Uint8Array, truth: Uint8Array): number {
  let tp = 0;
  let p = 0;
  let t = 0;
  for (let n = 0; n < pred.length; n++) {
    const a = pred[n] === 1;
    const b = truth[n] === 1;
    if (a) p++;
    if (b) t++;
    if (a && b) tp++;
  }
  return (2 * tp) / (p + t);
}

describe('Compare with ground truth on a whole-volume result in the real workbench', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('colours TP/FP/FN on the slice shown and gives the volume-wide Dice in the legend (3D result, label volume + sidecar)', async () => {
    const truth = shiftedTruth(6);
    const expected = diceOfLiver(phantomLabels(), truth);
    wb = await Workbench.launch('volumes-compare', {
      files: {
        'phantom/synthetic_phantom_ct_labels.nii.gz': encodeNiftiUint8(
          { dims: PHANTOM_DIMS, spacing: PHANTOM_SPACING, affine: PHANTOM_AFFINE },
          truth,
          { description: 'ground truth', maxValue: 5, intentName: 'labels' },
        ),
        'phantom/synthetic_phantom_ct_labels.json': Buffer.from(
          JSON.stringify({
            labels: { 1: 'liver', 2: 'spleen', 3: 'right kidney', 4: 'left kidney', 5: 'aorta' },
          }),
        ),
      },
    });
    const name = 'synthetic_phantom_ct.nii.gz';
    const viewer = await openFromExplorer(wb, `phantom/${name}`);
    await viewer.locator('[data-testid="picker-item-liver"]').click();
    await viewer.evaluate(() => {
      const select = document.querySelector('[data-testid="volume-mode-select"]') as HTMLElement & {
        value: string;
      };
      select.value = '3d';
      select.dispatchEvent(new Event('change'));
    });
    await viewer.locator('[data-testid="volume-run-button"]').click();
    await waitText(viewer.locator('[data-testid="volume-summary"]'), /3D model/, 120_000);

    const toggle = viewer.locator('[data-testid="compare-toggle"]');
    await toggle.waitFor({ state: 'visible', timeout: 30_000 });
    await toggle.click();
    await waitText(viewer.locator('[data-testid="compare-key"]'), /red: predicted only/);
    const legend = await waitText(viewer.locator('[data-testid="legend"]'), /volume Dice 0\.\d{3}/);
    assert.match(legend, new RegExp(`volume Dice ${expected.toFixed(3)}`), legend);
    const s = (await state(viewer)) as unknown as { compare: { available: boolean; on: boolean } };
    assert.deepEqual(s.compare, { available: true, on: true });
    await wb.screenshot('volumes-compare-3d');
  });
});
