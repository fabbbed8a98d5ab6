import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs, readdirSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelInputPixels, openImage, type SourceImage } from '../../../src/imaging';
import { findPython, runPython } from '../../support/python';

/**
 * The test files of pydicom and nibabel (Debian's python3-pydicom and python3-nibabel, installed by
 * scripts/vscode-server.mjs), which nobody here wrote: each is decoded by us and by pydicom or
 * nibabel (test/support/corpus_reference.py), and the values compared; colour images' model input
 * is compared byte for byte with the reference's steps on pydicom's pixels. Files we refuse on
 * purpose are listed below with the reason, and must fail with an error naming the file.
 */

/** Refused on purpose, though pydicom or nibabel reads them: basename → what our error says. */
const REFUSED: Record<string, RegExp> = {
  // Analyze / NIfTI header-image pairs: the extension reads single files only.
  'analyze.hdr': /NIfTI/,
  'nifti1.hdr': /header\/image pairs/,
  'nifti2.hdr': /header\/image pairs/,
  // A CIFTI connectivity matrix (6 dimensions), not an image.
  'row_major.dconn.nii': /6 dimensions/,
  // A copy of JPEG2000.dcm with four bytes of the codestream overwritten (pydicom's README: "almost
  // certainly not a valid JPEG anymore"); pydicom's Pillow returns noise for it.
  'JPEG2000-embedded-sequence-delimiter.dcm': /JPEG 2000.*corrupt/,
  // gzip-compressed DICOM files (nibabel's own test data): not a format scanners write.
  'philips_mprage.dcm.gz': /gzip-compressed DICOM file: decompress it first/,
  'siemens_dwi_0.dcm.gz': /gzip-compressed DICOM file: decompress it first/,
  'siemens_dwi_1000.dcm.gz': /gzip-compressed DICOM file: decompress it first/,
};

/** Read, but on purpose not as pydicom reads them: basename → why. */
const DIFFERENT: Record<string, string> = {
  // Component ids 1, 2, 3 (YCbCr) under PhotometricInterpretation RGB: pydicom trusts the header
  // and returns the YCbCr samples; we convert them (jpegColour.test.ts checks the colours).
  'SC_rgb_jpeg_lossy_gdcm.dcm': 'YCbCr stream under an RGB header: converted, pydicom does not',
};

/**
 * Colour images whose model input differs from the reference's by one level in some bytes: the
 * reference's own float round-off at values that are exactly integers (flat areas), which our
 * separable resize does not reproduce bit for bit (README: "Departures from the reference").
 * Every other colour image must be byte-identical, and these within one level.
 */
const ROUND_OFF = new Set([
  'ExplVR_BigEnd.dcm',
  'GDCMJ2K_TextGBR.dcm',
  'SC_jpeg_no_color_transform.dcm',
  'SC_jpeg_no_color_transform_2.dcm',
  'SC_rgb_jpeg.dcm',
  'SC_rgb_jpeg_app14_dcmd.dcm',
  'SC_rgb_jpeg_dcmd.dcm',
]);

interface Case {
  file: string;
  kind: 'dicom' | 'nifti';
  slice?: number;
  frame?: number;
  modelInput?: boolean;
}

interface Reference {
  ok: boolean;
  error?: string;
  width?: number;
  height?: number;
  channels?: number;
}

function corpusFiles(python: string): string[] {
  const out = spawnSync(
    python,
    [
      '-c',
      'import os, pydicom, nibabel; print(os.path.join(os.path.dirname(pydicom.__file__), "data", "test_files")); print(os.path.dirname(nibabel.__file__))',
    ],
    { encoding: 'utf8' },
  );
  const [pydicomData, nibabelDir] = out.stdout.trim().split('\n');
  const list = (dir: string, keep: (name: string) => boolean): string[] =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter(keep)
          .sort()
          .map((name) => path.join(dir, name))
      : [];
  return [
    ...list(pydicomData, (n) => n.endsWith('.dcm')),
    ...list(path.join(nibabelDir, 'tests', 'data'), (n) => /\.(nii|nii\.gz|hdr)$/.test(n)),
    ...list(path.join(nibabelDir, 'nicom', 'tests', 'data'), (n) => /\.dcm(\.gz)?$/.test(n)),
  ];
}

/** Largest difference allowed: exact for integers, float32 rounding for real values. */
function close(ours: number, reference: number): boolean {
  if (Number.isNaN(reference)) return Number.isNaN(ours);
  return Math.abs(ours - reference) <= 1e-6 * Math.max(1, Math.abs(reference));
}

describe('imaging: pydicom and nibabel test corpora decode as pydicom and nibabel decode them', function () {
  this.timeout(120_000);
  const python = findPython(['numpy', 'pydicom', 'nibabel', 'skimage', 'PIL']);
  let dir: string;
  const files = python ? corpusFiles(python) : [];
  const ours = new Map<string, SourceImage | Error>();
  const references = new Map<string, { reference: Reference; index: number }>();

  before(async function () {
    if (!python) {
      // npm test installs them (scripts/vscode-server.mjs); a bare checkout may lack them.
      this.skip();
    }
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'medparse-corpus-'));
    const cases: Case[] = [];
    for (const file of files) {
      const kind = /\.(nii|nii\.gz|hdr)$/.test(file) ? 'nifti' : 'dicom';
      try {
        const image = await openImage(file);
        ours.set(file, image);
        cases.push({
          file,
          kind,
          slice: image.slice?.index,
          frame: image.frame?.index,
          modelInput: image.channels === 3 && image.range.max <= 255,
        });
      } catch (error) {
        ours.set(file, error as Error);
        cases.push({ file, kind });
      }
    }
    const lines = runPython(python!, 'corpus_reference.py', [dir], JSON.stringify(cases)).trim().split('\n');
    assert.equal(lines.length, cases.length, 'one reference answer per file');
    cases.forEach((c, index) => references.set(c.file, { reference: JSON.parse(lines[index]), index }));
  });
  after(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it('finds both corpora', () => {
    assert.ok(
      files.some((f) => f.endsWith('CT_small.dcm')),
      'pydicom test files',
    );
    assert.ok(
      files.some((f) => f.endsWith('example4d.nii.gz')),
      'nibabel test files',
    );
    assert.ok(files.length > 60, `${files.length} files`);
  });

  it('every file pydicom or nibabel reads is read with the same values, or refused on purpose', async () => {
    const problems: string[] = [];
    let compared = 0;
    for (const file of files) {
      const name = path.basename(file);
      const image = ours.get(file)!;
      const { reference, index } = references.get(file)!;
      if (image instanceof Error) {
        // Whatever the reason, the error names the file and says what is wrong in words.
        if (!image.message.includes(file))
          problems.push(`${name}: error does not name the file: ${image.message}`);
        if (reference.ok && !REFUSED[name])
          problems.push(`${name}: refused (${image.message}), but the reference reads it`);
        if (REFUSED[name] && !REFUSED[name].test(image.message))
          problems.push(`${name}: refused for another reason than expected: ${image.message}`);
        continue;
      }
      if (REFUSED[name]) problems.push(`${name}: listed as refused, but now read: update the list`);
      if (!reference.ok) continue; // Nothing to compare with (no handler there, or a broken file).
      if (DIFFERENT[name]) continue;
      if (
        image.width !== reference.width ||
        image.height !== reference.height ||
        image.channels !== reference.channels
      ) {
        problems.push(
          `${name}: ${image.width}×${image.height}×${image.channels}, reference ${reference.width}×${reference.height}×${reference.channels}`,
        );
        continue;
      }
      const values = new Float64Array((await fs.readFile(path.join(dir, `${index}.f64`))).buffer.slice(0));
      let differing = 0;
      let first = -1;
      for (let i = 0; i < values.length; i++) {
        if (!close(image.pixels[i], values[i])) {
          differing++;
          if (first < 0) first = i;
        }
      }
      if (differing)
        problems.push(
          `${name}: ${differing} of ${values.length} values differ (first at ${first}: ${image.pixels[first]} vs ${values[first]})`,
        );
      compared++;
    }
    assert.deepEqual(problems, []);
    assert.ok(compared > 50, `${compared} files compared`);
  });

  it('colour images: the model input is byte-identical to the reference steps on pydicom\u2019s pixels', () => {
    const problems: string[] = [];
    let compared = 0;
    let identical = 0;
    for (const file of files) {
      const image = ours.get(file);
      const { index } = references.get(file)!;
      const rgbFile = path.join(dir, `${index}.rgb`);
      if (!(image && !(image instanceof Error)) || !existsSync(rgbFile) || DIFFERENT[path.basename(file)])
        continue;
      const reference = new Uint8Array(readFileSync(rgbFile));
      const input = modelInputPixels(image, { kind: 'none' });
      let differing = 0;
      let most = 0;
      for (let i = 0; i < reference.length; i++) {
        if (input[i] !== reference[i]) {
          differing++;
          most = Math.max(most, Math.abs(input[i] - reference[i]));
        }
      }
      const name = path.basename(file);
      if (most > 1 || (differing && !ROUND_OFF.has(name)))
        problems.push(`${name}: ${differing} bytes differ, by up to ${most}`);
      if (!differing) identical++;
      compared++;
    }
    assert.deepEqual(problems, []);
    assert.ok(compared >= 15, `${compared} colour images compared`);
    assert.ok(identical >= 8, `${identical} colour images byte-identical`);
  });
});
