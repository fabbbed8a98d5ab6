import * as assert from 'node:assert/strict';
import { parseIntensitySpec, resolveIntensity, type SourceImage } from '../../../src/imaging';
import { applyIntensity, positivePercentiles } from '../../../src/imaging/modelInput/intensity';

const image = (over: Partial<SourceImage>): SourceImage => ({
  file: 'x',
  format: 'dicom',
  width: 1,
  height: 1,
  channels: 1,
  pixels: new Float32Array(1),
  range: { min: 0, max: 0 },
  burnedInAnnotation: false,
  ...over,
});

describe('imaging: intensity', () => {
  it('parses the CLI forms and rejects bad ones with a clear message', () => {
    assert.deepEqual(parseIntensitySpec('percentile'), { kind: 'percentile' });
    assert.deepEqual(parseIntensitySpec('ct:lung'), { kind: 'ct', site: 'lung' });
    assert.deepEqual(parseIntensitySpec('window:-100,200'), { kind: 'window', lower: -100, upper: 200 });
    assert.deepEqual(parseIntensitySpec('window:-1e3, 2.5'), { kind: 'window', lower: -1000, upper: 2.5 });
    assert.throws(() => parseIntensitySpec('ct:knee'), /unknown CT site 'knee'/);
    assert.throws(() => parseIntensitySpec('window:5'), /two numbers/);
    assert.throws(() => parseIntensitySpec('window:5,1'), /lower bound must be below/);
    assert.throws(() => parseIntensitySpec('gamma'), /unknown intensity/);
  });

  it('resolves auto: CT DICOM → abdomen, other DICOM/NIfTI → percentile, 8-bit images → as is, 16-bit → percentile', () => {
    assert.deepEqual(resolveIntensity(image({ modalityHint: 'CT' })), {
      kind: 'window',
      lower: -150,
      upper: 250,
    });
    assert.deepEqual(resolveIntensity(image({ modalityHint: 'MR', bitsStored: 16 })), { kind: 'percentile' });
    assert.deepEqual(resolveIntensity(image({ format: 'nifti' })), { kind: 'percentile' });
    assert.deepEqual(resolveIntensity(image({ format: 'raster', bitsStored: 8 })), { kind: 'none' });
    assert.deepEqual(resolveIntensity(image({ format: 'raster', bitsStored: 16 })), { kind: 'percentile' });
    assert.deepEqual(resolveIntensity(image({}), { kind: 'ct', site: 'liver' }), {
      kind: 'window',
      lower: -25,
      upper: 230,
    });
  });

  it('percentiles are numpy.percentile (linear) over the values > 0 only', () => {
    const v = Float32Array.from([0, 0, -5, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    // positives 1..10: position 0.005*9 = 0.045 → 1.045; 0.995*9 = 8.955 → 9.955
    const [lo, hi] = positivePercentiles(v, [0.5, 99.5])!;
    assert.ok(Math.abs(lo - 1.045) < 1e-12 && Math.abs(hi - 9.955) < 1e-12, `${lo} ${hi}`);
    assert.equal(positivePercentiles(Float32Array.from([0, -1]), [50]), undefined);
  });

  it("stretches the clipped values' own min..max to 0..255, as the reference does", () => {
    const out = applyIntensity(Float32Array.from([-2000, 0, 100, 3000]), {
      kind: 'window',
      lower: -1000,
      upper: 1000,
    });
    assert.deepEqual(Array.from(out), [0, 127.5, 140.25, 255]);
    // A window wider than the data: the data's range, not the window's, maps to 0..255.
    const narrow = applyIntensity(Float32Array.from([10, 20]), { kind: 'window', lower: -1000, upper: 1000 });
    assert.deepEqual(Array.from(narrow), [0, 255]);
    assert.deepEqual(Array.from(applyIntensity(Float32Array.from([7, 7]), { kind: 'percentile' })), [0, 0]);
  });
});
