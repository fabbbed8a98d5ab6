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

  it('percentiles equal those of a full sort, with duplicates, NaN, infinities, subnormals and negatives', () => {
    // Linear-interpolated percentile over the sorted positives: the definition, computed slowly.
    const bySort = (values: Float32Array, q: number): number => {
      const sorted = Array.from(values)
        .filter((v) => v > 0)
        .sort((a, b) => a - b);
      const pos = (q / 100) * (sorted.length - 1);
      const lo = Math.floor(pos);
      const frac = pos - lo;
      if (frac === 0 || lo + 1 >= sorted.length) return sorted[lo];
      const diff = sorted[lo + 1] - sorted[lo];
      return frac >= 0.5 ? sorted[lo + 1] - diff * (1 - frac) : sorted[lo] + diff * frac;
    };
    let seed = 12345;
    const random = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const special = [0, -0, -3, NaN, Infinity, -Infinity, 1e-45, 3e-39, 1, 1.0000001, 255, 65535];
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + Math.floor(random() * 3000);
      const values = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const r = random();
        values[i] =
          r < 0.2
            ? special[Math.floor(random() * special.length)]
            : r < 0.6
              ? Math.floor(random() * 20) // many equal values, as in 8-bit data stored as float
              : (random() - 0.2) * 10 ** Math.floor(random() * 8 - 3);
      }
      const qs = [0, 0.5, 25, 50, 99.5, 100];
      const got = positivePercentiles(values, qs);
      if (!values.some((v) => v > 0)) {
        assert.equal(got, undefined);
        continue;
      }
      assert.deepEqual(
        got,
        qs.map((q) => bySort(values, q)),
        `trial ${trial}`,
      );
    }
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
