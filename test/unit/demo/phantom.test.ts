import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli/main';
import {
  makePhantom,
  PHANTOM_AFFINE,
  PHANTOM_DIMS,
  PHANTOM_TARGETS,
  readSliceCode,
  sliceCodeBits,
} from '../../../src/demo/phantom';
import { openImage } from '../../../src/imaging';
import { readNifti } from '../../support/niftiRead';

/**
 * The synthetic phantom: the shipped files are exactly what the generator makes, and the demo
 * endpoint answers its slices and its whole volume with its exact labels, for the NIfTI and the
 * DICOM series, in both parsing modes.
 */

const PHANTOM_DIR = path.join(__dirname, '../../../media/samples/phantom');
const NIFTI = path.join(PHANTOM_DIR, 'synthetic_phantom_ct.nii.gz');
const SERIES = path.join(PHANTOM_DIR, 'synthetic_phantom_ct_series');
const [NI, NJ, NK] = PHANTOM_DIMS;

const phantom = makePhantom();

let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-phantom-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

/** Label volume of parse-volume's output against the phantom's labels (prompt order = label order). */
async function labelsMismatch(file: string, transposed: boolean, slices?: [number, number]): Promise<number> {
  const { values, header } = await readNifti(file);
  assert.deepEqual(header.dims.slice(1, 4), transposed ? [NJ, NI, NK] : [NI, NJ, NK]);
  let wrong = 0;
  for (let k = 0; k < NK; k++)
    for (let j = 0; j < NJ; j++)
      for (let i = 0; i < NI; i++) {
        const inRange = !slices || (k >= slices[0] && k <= slices[1]);
        const expected = inRange ? phantom.labels[i + NI * (j + NJ * k)] : 0;
        const got = values[transposed ? j + NJ * (i + NI * k) : i + NI * (j + NJ * k)];
        if (got !== expected) wrong++;
      }
  return wrong;
}

const ALL_TARGETS = PHANTOM_TARGETS.map((t) => t.target).join(' & ');

describe('synthetic phantom', function () {
  // Whole volumes through a real loopback endpoint: a guard against hangs, not a speed limit.
  this.timeout(300_000);

  it('every slice code reads back as its slice index', () => {
    for (let k = 0; k < NK; k++) {
      const bits = sliceCodeBits(k);
      const code = readSliceCode((row, col) => {
        const b = Math.floor((col - 4) / 8);
        return row >= 4 && row < 10 && (col - 4) % 8 < 6 && b >= 0 && b < 8 && bits[b];
      });
      assert.equal(code, k);
    }
  });

  it('the shipped NIfTI, labels and DICOM series are exactly what the generator makes', async () => {
    const volume = await readNifti(NIFTI);
    assert.deepEqual(Array.from(volume.header.dims.slice(1, 4)), PHANTOM_DIMS);
    assert.ok(Buffer.from(volume.values.buffer).equals(Buffer.from(phantom.hu.buffer)), 'HU values differ');
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) assert.equal(volume.affine[r][c], PHANTOM_AFFINE[r][c]);
    const labels = await readNifti(path.join(PHANTOM_DIR, 'synthetic_phantom_ct_labels.nii.gz'));
    assert.ok(Buffer.from(labels.values.buffer).equals(Buffer.from(phantom.labels.buffer)), 'labels differ');
    // Each organ is there, with a plausible size, and nothing overlaps (one label per voxel).
    const counts = new Map<number, number>();
    for (const v of phantom.labels) counts.set(v, (counts.get(v) ?? 0) + 1);
    for (const { label } of PHANTOM_TARGETS) assert.ok((counts.get(label) ?? 0) > 1000, `label ${label}`);
    for (const k of [0, 17, 47]) {
      const slice = await openImage(path.join(SERIES, `slice_${String(k).padStart(3, '0')}.dcm`));
      for (let r = 0; r < NI; r++)
        for (let c = 0; c < NJ; c++)
          if (slice.pixels[r * NJ + c] !== phantom.hu[r + NI * (c + NJ * k)])
            assert.fail(`slice ${k} (${r}, ${c})`);
    }
  });

  it('parse-volume on the demo endpoint gives the exact labels of the NIfTI, slice by slice', async () => {
    const run = await cli(
      'parse-volume',
      NIFTI,
      '--prompt',
      ALL_TARGETS,
      '--endpoint',
      'demo',
      '--out-dir',
      tmp,
    );
    assert.equal(run.code, 0, run.err.join('\n'));
    assert.equal(
      await labelsMismatch(path.join(tmp, 'synthetic_phantom_ct.nii.gz', 'labels.nii.gz'), false),
      0,
    );
    const report = JSON.parse(
      await fs.readFile(path.join(tmp, 'synthetic_phantom_ct.nii.gz', 'report.json'), 'utf8'),
    );
    assert.equal(report.source, 'demo-reference');
    assert.match(report.note, /reference annotations from the demo endpoint \(not model output\)/);
    const liver = phantom.labels.reduce((n, v) => n + (v === 1 ? 1 : 0), 0);
    assert.equal(report.targets[0].voxels, liver);
    assert.ok(Math.abs(report.targets[0].volumeMl - (liver * 1.5 * 1.5 * 2.5) / 1000) < 1e-9);
  });

  it('parse-volume on the demo endpoint: the DICOM series slice by slice (a range) and in 3D', async () => {
    const slices = await cli(
      'parse-volume',
      SERIES,
      '--prompt',
      ALL_TARGETS,
      '--endpoint',
      'demo',
      '--slices',
      '20:27',
      '--out-dir',
      path.join(tmp, 's'),
    );
    assert.equal(slices.code, 0, slices.err.join('\n'));
    assert.equal(
      await labelsMismatch(
        path.join(tmp, 's', 'synthetic_phantom_ct_series', 'labels.nii.gz'),
        true,
        [20, 27],
      ),
      0,
    );
    const whole = await cli(
      'parse-volume',
      SERIES,
      '--mode',
      '3d',
      '--prompt',
      ALL_TARGETS,
      '--endpoint',
      'demo',
      '--out-dir',
      path.join(tmp, '3d'),
    );
    assert.equal(whole.code, 0, whole.err.join('\n'));
    assert.equal(
      await labelsMismatch(path.join(tmp, '3d', 'synthetic_phantom_ct_series', 'labels.nii.gz'), true),
      0,
    );
  });

  it('the demo endpoint answers the NIfTI in 3D, and refuses a target the phantom lacks', async () => {
    const whole = await cli(
      'parse-volume',
      NIFTI,
      '--mode',
      '3d',
      '--prompt',
      ALL_TARGETS,
      '--endpoint',
      'demo',
      '--out-dir',
      tmp,
    );
    assert.equal(whole.code, 0, whole.err.join('\n'));
    assert.equal(
      await labelsMismatch(path.join(tmp, 'synthetic_phantom_ct.nii.gz', 'labels.nii.gz'), false),
      0,
    );
    const unknown = await cli(
      'parse-volume',
      NIFTI,
      '--mode',
      '3d',
      '--prompt',
      'tumour',
      '--endpoint',
      'demo',
      '--out-dir',
      path.join(tmp, 'x'),
    );
    assert.equal(unknown.code, 1);
    assert.match(unknown.err.join('\n'), /synthetic phantom has no "tumour"/);
  });
});

describe('npm start', function () {
  // Whole volumes through a real loopback endpoint: a guard against hangs, not a speed limit.
  this.timeout(300_000);

  it('opens only images the demo endpoint answers', async () => {
    const list = JSON.parse(
      await fs.readFile(path.join(__dirname, '../../../scripts/start-images.json'), 'utf8'),
    ) as {
      file: string;
      target: string;
    }[];
    assert.ok(list.length >= 2);
    for (const { file, target } of list) {
      const run = await cli(
        'parse',
        path.join(__dirname, '../../../media/samples', file),
        '--prompt',
        target,
        '--endpoint',
        'demo',
        '--out-dir',
        path.join(tmp, file.replace(/[/.]/g, '_')),
      );
      assert.equal(run.code, 0, `${file}: ${run.err.join('\n')}`);
      assert.match(
        run.out.join('\n'),
        new RegExp(`${target}: [1-9]\\d* pixel`),
        `${file}: the demo found no ${target}`,
      );
    }
  });
});
