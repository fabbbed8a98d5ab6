import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { openImage, parseIntensitySpec, prepareModelInput, type IntensitySpec } from '../../../src/imaging';
import { compare, decodePngRgb, GOLDEN, pngChunks, SAMPLES } from './helpers';

interface PreprocessCase {
  name: string;
  input: string;
  params: { is_CT?: boolean; site?: string; slice_idx?: number };
  kind: string;
  expected: string;
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const manifest = require('../../fixtures/golden/manifest.json') as { preprocess: PreprocessCase[] };

/** The manifest's reference parameters in our terms: is_CT+site → CT window, else percentile for volumes, as-is for images. */
function intensityFor(c: PreprocessCase): IntensitySpec {
  if (c.params.is_CT) return parseIntensitySpec(`ct:${c.params.site}`);
  if (c.kind === 'dicom' || c.kind === 'nifti') return { kind: 'percentile' };
  return { kind: 'auto' };
}

describe('imaging: model input matches the reference preprocessing (golden files)', () => {
  for (const c of manifest.preprocess) {
    it(`${c.name}: PSNR ≥ 50 dB and mean abs difference ≤ 0.25 against ${c.expected}`, async () => {
      const image = await openImage(path.join(SAMPLES, c.input), { slice: c.params.slice_idx });
      const input = await prepareModelInput(image, intensityFor(c));
      const expected = await decodePngRgb(path.join(GOLDEN, c.expected));
      assert.equal(expected.channels, 3);
      assert.equal(input.rgb.length, 1024 * 1024 * 3);
      const { psnr, mad } = compare(input.rgb, expected.data);
      assert.ok(psnr >= 50, `PSNR ${psnr.toFixed(2)} dB`);
      assert.ok(mad <= 0.25, `mean abs difference ${mad.toFixed(4)}`);

      // The PNG that is sent holds exactly these pixels, as 8-bit RGB, with no metadata chunks.
      const sent = await decodePngRgb(input.png);
      assert.deepEqual([sent.width, sent.height, sent.channels], [1024, 1024, 3]);
      assert.ok(Buffer.from(sent.data).equals(Buffer.from(input.rgb)), 'PNG pixels differ from rgb');
      assert.deepEqual([...new Set(pngChunks(input.png))], ['IHDR', 'IDAT', 'IEND']);
    });
  }

  it('the automatic intensity reproduces the golden CT and NIfTI cases when told only the CT site', async () => {
    const ct = await openImage(path.join(SAMPLES, 'CT_lung_nodule.dcm'));
    assert.equal(ct.modalityHint, 'CT');
    const lung = await prepareModelInput(ct, { kind: 'ct', site: 'lung' });
    const golden = await decodePngRgb(path.join(GOLDEN, 'ct_lung_dicom_lung_window.png'));
    assert.ok(compare(lung.rgb, golden.data).psnr >= 50);

    const nifti = await openImage(path.join(SAMPLES, 'patient0500_2CH_half_sequence.nii.gz'), { slice: 7 });
    const auto = await prepareModelInput(nifti); // auto → percentile for NIfTI
    const niftiGolden = await decodePngRgb(path.join(GOLDEN, 'camus_nifti_slice7.png'));
    assert.ok(compare(auto.rgb, niftiGolden.data).psnr >= 50);
  });

  it('a CT DICOM defaults to the abdomen window', async () => {
    const ct = await openImage(path.join(SAMPLES, 'CT_lung_nodule.dcm'));
    const auto = await prepareModelInput(ct);
    const abdomen = await prepareModelInput(ct, { kind: 'ct', site: 'abdomen' });
    const lung = await prepareModelInput(ct, { kind: 'ct', site: 'lung' });
    assert.ok(Buffer.from(auto.rgb).equals(Buffer.from(abdomen.rgb)));
    assert.ok(!Buffer.from(auto.rgb).equals(Buffer.from(lung.rgb)));
  });
});
