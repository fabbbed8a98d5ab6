import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeExports } from '../../../src/export';
import { buildNiftiLabels } from '../../../src/export/nifti';
import type { SourceInfo } from '../../../src/export/sourceInfo';
import type { SourceImage } from '../../../src/imaging/types';

const sample = path.join(__dirname, '../../fixtures/samples/patient0500_2CH_half_sequence.nii.gz');

// Compile-time check that the imaging stage's SourceImage can be passed as a SourceInfo.
const acceptsSourceImage: (s: SourceImage) => SourceInfo = (s) => s;
void acceptsSourceImage;

type NiftiModule = typeof import('nifti-reader-js', { with: { 'resolution-mode': 'import' } });
// nifti-reader-js is ESM-only: load it the ESM way.
const loadNifti = (): Promise<NiftiModule> => import('nifti-reader-js');

async function readNifti(file: string) {
  const nifti = await loadNifti();
  const bytes = fs.readFileSync(file);
  let data: ArrayBuffer = bytes.buffer.slice(
    bytes.byteOffset,
    bytes.byteOffset + bytes.byteLength,
  ) as ArrayBuffer;
  if (nifti.isCompressed(data)) data = nifti.decompress(data) as ArrayBuffer;
  assert.ok(nifti.isNIFTI1(data), `${file} is NIfTI-1`);
  const header = nifti.readHeader(data)!;
  const image = new Uint8Array(nifti.readImage(header, data));
  return { header, image };
}

function assertAffineClose(actual: number[][], expected: number[][]) {
  for (let r = 0; r < 4; r++) {
    for (let c = 0; c < 4; c++)
      assert.ok(
        Math.abs(actual[r][c] - expected[r][c]) < 1e-5,
        `affine[${r}][${c}] ${actual[r][c]} vs ${expected[r][c]}`,
      );
  }
}

describe('export: NIfTI labels', () => {
  let tmp: string;
  beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-nii-'))));
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("writes a label volume with the source's dimensions and affine, slice in place", async () => {
    const { header: src } = await readNifti(sample);
    const [, d1, d2, d3] = src.dims;
    assert.deepEqual([d1, d2, d3], [512, 422, 15]);
    // The reference's slice orientation: rows along the first axis.
    const width = d2;
    const height = d1;
    const slice = 7;
    const heart = new Uint8Array(width * height);
    const wall = new Uint8Array(width * height);
    for (let y = 100; y < 300; y++) for (let x = 150; x < 250; x++) heart[y * width + x] = 200;
    for (let y = 300; y < 320; y++) for (let x = 150; x < 250; x++) wall[y * width + x] = 160;
    const source: SourceInfo = {
      file: sample,
      format: 'nifti',
      width,
      height,
      pixelSpacing: [src.pixDims[1], src.pixDims[2]],
      slice: { index: slice, count: d3 },
      nifti: { dims: src.dims, pixdim: src.pixDims, affine: src.affine },
    };
    const result = await writeExports({
      source,
      targets: [
        { name: 'left heart ventricle', mask: heart },
        { name: 'myocardium', mask: wall },
      ],
      outDir: tmp,
    });
    const file = path.join(tmp, `labels_slice${slice}.nii.gz`);
    assert.ok(result.files.includes(file));
    const { header, image } = await readNifti(file);
    assert.deepEqual(header.dims.slice(0, 4), [3, d1, d2, d3]);
    assert.equal(header.datatypeCode, 2);
    assert.equal(header.intent_code, 1002);
    assert.ok(Math.abs(header.pixDims[1] - src.pixDims[1]) < 1e-7);
    assert.ok(Math.abs(header.pixDims[2] - src.pixDims[2]) < 1e-7);
    assertAffineClose(header.affine, src.affine);

    // Re-import: slice 7 holds the label map, every other slice is empty.
    let wrong = 0;
    let elsewhere = 0;
    for (let k = 0; k < d3; k++) {
      for (let j = 0; j < d2; j++) {
        for (let i = 0; i < d1; i++) {
          const v = image[i + j * d1 + k * d1 * d2];
          if (k !== slice) {
            if (v) elsewhere++;
            continue;
          }
          const expected = heart[i * width + j] >= 128 ? 1 : wall[i * width + j] >= 128 ? 2 : 0;
          if (v !== expected) wrong++;
        }
      }
    }
    assert.equal(wrong, 0);
    assert.equal(elsewhere, 0);
    // The label values are the ones the report and labels PNG use.
    const report = JSON.parse(fs.readFileSync(path.join(tmp, `report_slice${slice}.json`), 'utf8'));
    assert.deepEqual(report.labels, ['background', 'left heart ventricle', 'myocardium']);
  });

  it('accepts plain sizes and a flat affine, and its qform agrees with the sform for a rotated affine', async () => {
    // 30° about z, slices running down (negative determinant: qfac = -1), an offset. (A rotation
    // near 180° would make the qform's implicit quaternion_a ≈ 0 and float32-imprecise in any reader.)
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    const affine = [0.5 * c, -0.7 * s, 0, 10, 0.5 * s, 0.7 * c, 0, -20, 0, 0, -2, 30, 0, 0, 0, 1];
    const source: SourceInfo = {
      file: path.join(tmp, 'vol.nii'),
      width: 6,
      height: 4,
      slice: { index: 2, count: 3 },
      nifti: { dims: [4, 6, 3], pixdim: [0.5, 0.7, 2], affine },
    };
    const labels = new Uint8Array(24).map((_, i) => i % 3);
    const bytes = buildNiftiLabels(source, labels);
    const file = path.join(tmp, 'a.nii.gz');
    fs.writeFileSync(file, bytes);
    const expected = [0, 1, 2, 3].map((r) => affine.slice(r * 4, r * 4 + 4));
    const { header, image } = await readNifti(file);
    assert.deepEqual(header.dims.slice(0, 4), [3, 4, 6, 3]);
    assertAffineClose(header.affine, expected);
    assert.equal(image[1 + 2 * 4 + 2 * 24], labels[1 * 6 + 2]);

    // Same file with the sform switched off: readers fall back to the qform.
    const zlib = await import('node:zlib');
    const raw = Buffer.from(zlib.gunzipSync(bytes));
    raw.writeInt16LE(0, 254);
    const qOnly = path.join(tmp, 'q.nii');
    fs.writeFileSync(qOnly, raw);
    assertAffineClose((await readNifti(qOnly)).header.affine, expected);

    // The 'slice' layout: one slice whose affine puts it at k = 2.
    const one = path.join(tmp, 'one.nii.gz');
    fs.writeFileSync(one, buildNiftiLabels(source, labels, { layout: 'slice' }));
    const single = await readNifti(one);
    assert.deepEqual(single.header.dims.slice(0, 4), [3, 4, 6, 1]);
    assert.ok(Math.abs(single.header.affine[2][3] - (30 - 2 * 2)) < 1e-5);
  });

  it('refuses masks whose orientation or size does not fit the volume', () => {
    const source: SourceInfo = {
      file: 'v.nii',
      width: 4,
      height: 6,
      nifti: { dims: [4, 6, 3], pixdim: [1, 1, 1], affine: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1] },
    };
    assert.throws(
      () => buildNiftiLabels(source, new Uint8Array(24)),
      /v\.nii: mask is 4×6 but a NIfTI slice of 4×6×3 is 6×4/,
    );
    assert.throws(
      () =>
        buildNiftiLabels(
          { ...source, width: 6, height: 4, slice: { index: 3, count: 3 } },
          new Uint8Array(24),
        ),
      /slice 3 is outside 0…2/,
    );
    assert.throws(
      () =>
        buildNiftiLabels(
          { ...source, width: 6, height: 4, nifti: { ...source.nifti!, affine: [1, 2, 3] } },
          new Uint8Array(24),
        ),
      /affine must be 4×4/,
    );
  });
});
