import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { dcmjs } from '../../../src/export/dcmjs';
import { buildCliBundle } from '../../support/cliBundle';
import { findScipyPython, scipyMetrics } from '../../support/scipyMetrics';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');
const PHANTOM = path.join(__dirname, '..', '..', '..', 'media', 'samples', 'phantom');
const IMAGE = '06_CT_abdomen';
const COLUMNS = 'image,target,dice,iou,sensitivity,precision,hd95_mm,assd_mm,pred_pixels,truth_pixels';

async function gray(file: string): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

async function writeGray(file: string, data: Uint8Array, width: number, height: number): Promise<void> {
  await sharp(data, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toFile(file);
}

/**
 * Copies a multi-frame SEG with its frames (pixel data and per-frame groups together) in reverse
 * order, with dcmjs: the same segmentation, stored differently.
 */
async function reverseSegFrames(from: string, to: string): Promise<void> {
  const { data } = dcmjs;
  const bytes = fs.readFileSync(from);
  const dict = data.DicomMessage.readFile(
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  );
  const ds = data.DicomMetaDictionary.naturalizeDataset(dict.dict);
  const frames = Number(ds.NumberOfFrames);
  const plane = Number(ds.Rows) * Number(ds.Columns);
  const pixelData = ds.PixelData as ArrayBuffer[];
  const packed = new Uint8Array(pixelData[0]);
  const bit = (i: number) => (packed[i >> 3] >> (i & 7)) & 1;
  const out = new Uint8Array(Math.ceil((plane * frames) / 8));
  for (let f = 0; f < frames; f++)
    for (let p = 0; p < plane; p++)
      if (bit(f * plane + p)) {
        const i = (frames - 1 - f) * plane + p;
        out[i >> 3] |= 1 << (i & 7);
      }
  ds.PixelData = [out.buffer];
  ds.PerFrameFunctionalGroupsSequence = [...(ds.PerFrameFunctionalGroupsSequence as unknown[])].reverse();
  const denatural = data.DicomMetaDictionary.denaturalizeDataset(ds);
  dict.dict = denatural;
  fs.writeFileSync(to, Buffer.from(dict.write()));
}

/** metrics.csv as objects keyed by column. */
function readCsv(file: string): Record<string, string>[] {
  const [header, ...rows] = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
  const cols = header.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
}

describe('cli: evaluate against ground truth', function () {
  this.timeout(180_000);
  let tmp: string;
  let bundle: string;
  let env: NodeJS.ProcessEnv;
  const run = async (...args: string[]) => {
    try {
      const r = await promisify(execFile)(process.execPath, [bundle, ...args], { env });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (error) {
      const e = error as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-evaluate-'));
    // As in a package: dist/cli.js finds the demo endpoint's samples in ../media/samples.
    bundle = path.join(tmp, 'dist', 'cli.js');
    fs.symlinkSync(path.join(__dirname, '..', '..', '..', 'media'), path.join(tmp, 'media'));
    env = await buildCliBundle(bundle);
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  describe('2D: Parse Folder results against PNG masks', () => {
    let pred: string;
    let truth: string;
    let liverShifted: Uint8Array;
    let liverPred: Uint8Array;
    before(async () => {
      const images = path.join(tmp, 'images');
      fs.mkdirSync(images);
      fs.copyFileSync(path.join(SAMPLES, 'demo', `${IMAGE}.png`), path.join(images, `${IMAGE}.png`));
      pred = path.join(tmp, 'pred');
      const parsed = await run(
        'parse-folder',
        images,
        '--prompt',
        'liver & spleen & gallbladder & aorta & esophagus & pancreas',
        '--modality',
        'CT-Abdomen',
        '--endpoint',
        'demo',
        '--out-dir',
        pred,
      );
      assert.equal(parsed.code, 0, parsed.stderr);

      // Ground truth: the reference masks, with a known change per target.
      truth = path.join(tmp, 'truth');
      fs.mkdirSync(truth);
      const mask = (t: string) => path.join(SAMPLES, 'demo_mask', `${IMAGE}_${t}.png`);
      for (const t of ['spleen', 'pancreas', 'kidney'])
        fs.copyFileSync(mask(t), path.join(truth, `${IMAGE}_${t}.png`));
      const liver = await gray(mask('liver'));
      liverPred = liver.data;
      // The liver 6 pixels right and 3 up.
      liverShifted = new Uint8Array(liver.data.length);
      for (let y = 0; y < liver.height; y++)
        for (let x = 0; x < liver.width; x++) {
          const sx = x - 6;
          const sy = y + 3;
          if (sx >= 0 && sy < liver.height)
            liverShifted[y * liver.width + x] = liver.data[sy * liver.width + sx];
        }
      await writeGray(path.join(truth, `${IMAGE}_liver.png`), liverShifted, liver.width, liver.height);
      // The gallbladder absent from the truth (an empty mask), the esophagus (which the demo does
      // not find) present: one truth-empty and one pred-empty pair.
      await writeGray(
        path.join(truth, `${IMAGE}_gallbladder.png`),
        new Uint8Array(liver.data.length),
        1024,
        1024,
      );
      fs.copyFileSync(mask('stomach'), path.join(truth, `${IMAGE}_esophagus.png`));
    });

    it('writes metrics.csv, summary.json and report.html with the defined cases', async () => {
      const out = path.join(tmp, 'eval');
      const r = await run('evaluate', '--pred', pred, '--truth', truth, '--out-dir', out);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /5 pair\(s\) scored/);
      assert.match(r.stdout, /in pixels/);
      const text = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8');
      assert.ok(text.startsWith(COLUMNS + ','), text.split('\n')[0]);
      const rows = readCsv(path.join(out, 'metrics.csv'));
      const byTarget = Object.fromEntries(rows.map((row) => [row.target, row]));
      assert.deepEqual(Object.keys(byTarget).sort(), [
        'esophagus',
        'gallbladder',
        'liver',
        'pancreas',
        'spleen',
      ]);
      for (const row of rows) assert.equal(row.image, `${IMAGE}.png`);

      assert.equal(byTarget.spleen.dice, '1');
      assert.equal(byTarget.spleen.hd95_mm, '0');
      assert.equal(byTarget.spleen.case, 'both-present');

      // The liver: overlap counted here from the PNGs, independently of the evaluator.
      let tp = 0;
      let p = 0;
      let t = 0;
      for (let i = 0; i < liverPred.length; i++) {
        const a = liverPred[i] >= 128;
        const b = liverShifted[i] >= 128;
        if (a) p++;
        if (b) t++;
        if (a && b) tp++;
      }
      assert.ok(tp > 0 && tp < p);
      assert.equal(Number(byTarget.liver.pred_pixels), p);
      assert.equal(Number(byTarget.liver.truth_pixels), t);
      assert.ok(Math.abs(Number(byTarget.liver.dice) - (2 * tp) / (p + t)) < 1e-6);
      assert.ok(Math.abs(Number(byTarget.liver.iou) - tp / (p + t - tp)) < 1e-6);
      assert.ok(Math.abs(Number(byTarget.liver.sensitivity) - tp / t) < 1e-6);
      assert.ok(Math.abs(Number(byTarget.liver.precision) - tp / p) < 1e-6);
      assert.equal(byTarget.liver.distance_unit, 'pixel');
      const python = findScipyPython();
      if (python) {
        const [ref] = scipyMetrics(python, [
          {
            pred: liverPred.map((v) => (v >= 128 ? 1 : 0)),
            truth: liverShifted.map((v) => (v >= 128 ? 1 : 0)),
            dims: [1024, 1024],
            spacing: [1, 1],
          },
        ]);
        assert.ok(
          Math.abs(Number(byTarget.liver.hd95_mm) - ref.hd95) < 1e-5,
          `${byTarget.liver.hd95_mm} vs ${ref.hd95}`,
        );
        assert.ok(
          Math.abs(Number(byTarget.liver.assd_mm) - ref.assd) < 1e-5,
          `${byTarget.liver.assd_mm} vs ${ref.assd}`,
        );
      }
      assert.ok(
        Number(byTarget.liver.hd95_mm) >= 6 && Number(byTarget.liver.hd95_mm) <= Math.hypot(6, 3) + 1e-9,
      );

      assert.deepEqual(
        ['case', 'dice', 'sensitivity', 'precision', 'hd95_mm', 'assd_mm'].map(
          (k) => byTarget.gallbladder[k],
        ),
        ['truth-empty', '0', '', '0', '', ''],
      );
      assert.deepEqual(
        ['case', 'dice', 'sensitivity', 'precision', 'hd95_mm', 'pred_pixels'].map(
          (k) => byTarget.esophagus[k],
        ),
        ['pred-empty', '0', '0', '', '', '0'],
      );
      assert.ok(!text.includes('NaN'));

      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      assert.equal(summary.pairs, 5);
      assert.equal(summary.distanceUnit, 'pixel');
      assert.match(summary.notes[0], /No pixel spacing/);
      assert.deepEqual(Object.keys(summary.perModality), ['CT-Abdomen']);
      assert.equal(summary.perModality['CT-Abdomen'].n, 5);
      assert.deepEqual(summary.perModality['CT-Abdomen'].cases, {
        'both-present': 3,
        'both-empty': 0,
        'truth-empty': 1,
        'pred-empty': 1,
      });
      const dice = summary.perModality['CT-Abdomen'].metrics.dice;
      const dices = rows.map((row) => Number(row.dice)).sort((a, b) => a - b);
      assert.equal(dice.n, 5);
      assert.ok(Math.abs(dice.mean - dices.reduce((a, b) => a + b) / 5) < 1e-6);
      assert.ok(Math.abs(dice.median - dices[2]) < 1e-6);
      assert.ok(Math.abs(dice.iqr - (dices[3] - dices[1])) < 1e-6);
      assert.equal(
        summary.perModality['CT-Abdomen'].metrics.hd95_mm.n,
        3,
        'undefined distances are left out',
      );
      assert.equal(summary.perTarget.liver.n, 1);
      assert.deepEqual(
        summary.skipped.map((s: { target: string; reason: string }) => `${s.target}: ${s.reason}`),
        ['aorta: no ground truth for this target', 'kidney: not predicted'],
      );

      const html = fs.readFileSync(path.join(out, 'report.html'), 'utf8');
      assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:;/);
      assert.ok(!/(src|href)="(?!data:)/.test(html), 'no external resources');
      assert.ok(!/<script/i.test(html));
      assert.equal((html.match(/<svg /g) ?? []).length, 2, 'box plots of Dice and HD95');
      assert.match(html, /<img alt="06_CT_abdomen.png liver" src="data:image\/png;base64,/);
      assert.match(html, /aorta<\/td><td class="text">no ground truth for this target/);
    });

    it('refuses to overwrite an earlier evaluation unless asked, and names the folder', async () => {
      const out = path.join(tmp, 'eval-twice');
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, 'notes.txt'), 'mine');
      assert.equal((await run('evaluate', '--pred', pred, '--truth', truth, '--out-dir', out)).code, 0);
      const again = await run('evaluate', '--pred', pred, '--truth', truth, '--out-dir', out);
      assert.equal(again.code, 1);
      assert.match(
        again.stderr,
        new RegExp(`${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} already holds metrics.csv`),
      );
      const forced = await run('evaluate', '--pred', pred, '--truth', truth, '--out-dir', out, '--overwrite');
      assert.equal(forced.code, 0, forced.stderr);
      assert.equal(fs.readFileSync(path.join(out, 'notes.txt'), 'utf8'), 'mine');
    });

    it('evaluates a single result folder given as --pred', async () => {
      const out = path.join(tmp, 'eval-single');
      const single = path.join(pred, `${IMAGE}.png.medimageparse`);
      const r = await run('evaluate', '--pred', single, '--truth', truth, '--out-dir', out);
      assert.equal(r.code, 0, r.stderr);
      const rows = readCsv(path.join(out, 'metrics.csv'));
      assert.deepEqual(rows.map((row) => row.target).sort(), [
        'esophagus',
        'gallbladder',
        'liver',
        'pancreas',
        'spleen',
      ]);
    });

    it('takes a folder of masks as predictions, named like the truth', async () => {
      const out = path.join(tmp, 'eval-masks');
      const r = await run(
        'evaluate',
        '--pred',
        path.join(SAMPLES, 'demo_mask'),
        '--truth',
        truth,
        '--out-dir',
        out,
      );
      assert.equal(r.code, 0, r.stderr);
      const rows = readCsv(path.join(out, 'metrics.csv'));
      const byTarget = Object.fromEntries(rows.map((row) => [row.target, row]));
      assert.equal(byTarget.spleen.dice, '1');
      assert.equal(byTarget.kidney.dice, '1');
      assert.equal(byTarget.gallbladder.case, 'truth-empty');
      assert.equal(byTarget.liver.image, IMAGE);
    });

    it('gives clear errors for missing folders and options', async () => {
      const missing = await run(
        'evaluate',
        '--pred',
        pred,
        '--truth',
        path.join(tmp, 'nope'),
        '--out-dir',
        tmp,
      );
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /nope: no such folder/);
      const usage = await run('evaluate', '--pred', pred);
      assert.equal(usage.code, 2);
      assert.match(usage.stderr, /--truth is required/);
      const empty = path.join(tmp, 'empty');
      fs.mkdirSync(empty);
      const none = await run('evaluate', '--pred', empty, '--truth', truth, '--out-dir', path.join(tmp, 'x'));
      assert.equal(none.code, 1);
      assert.match(none.stderr, /no predictions found/);
      assert.ok(!fs.existsSync(path.join(tmp, 'x')), 'nothing written');
    });
  });

  describe('3D: a DICOM series result against a DICOM SEG', () => {
    it('places the SEG frames on the series grid by position and scores each segment', async () => {
      const pred = path.join(tmp, 'series');
      const parsed = await run(
        'parse-volume',
        path.join(PHANTOM, 'synthetic_phantom_ct_series'),
        '--prompt',
        'liver & spleen & aorta',
        '--mode',
        '3d',
        '--endpoint',
        'demo',
        '--out-dir',
        pred,
      );
      assert.equal(parsed.code, 0, parsed.stderr);
      // The truth: the SEG written for that run, alone in a folder (matched by its series UID),
      // with its frames in reverse order so that only their positions can place them.
      const truth = path.join(tmp, 'seg-truth');
      fs.mkdirSync(truth);
      await reverseSegFrames(
        path.join(pred, 'synthetic_phantom_ct_series', 'segmentation.dcm'),
        path.join(truth, 'reference-seg.dcm'),
      );
      const out = path.join(tmp, 'seg-eval');
      const r = await run('evaluate', '--pred', pred, '--truth', truth, '--out-dir', out);
      assert.equal(r.code, 0, r.stderr);
      const rows = readCsv(path.join(out, 'metrics.csv'));
      assert.deepEqual(
        rows.map((row) => [row.target, row.dice, row.hd95_mm, row.distance_unit]),
        [
          ['aorta', '1', '0', 'mm'],
          ['liver', '1', '0', 'mm'],
          ['spleen', '1', '0', 'mm'],
        ],
      );
      assert.ok(rows.every((row) => Number(row.truth_pixels) > 1000));
    });
  });

  describe('3D: a parse-volume result against a NIfTI label volume', () => {
    it('scores each target in mm with the label map sidecar', async () => {
      const pred = path.join(tmp, 'vol');
      const parsed = await run(
        'parse-volume',
        path.join(PHANTOM, 'synthetic_phantom_ct.nii.gz'),
        '--prompt',
        'liver & spleen & aorta & kidney',
        '--mode',
        '3d',
        '--endpoint',
        'demo',
        '--out-dir',
        pred,
      );
      assert.equal(parsed.code, 0, parsed.stderr);
      const out = path.join(tmp, 'vol-eval');
      const r = await run('evaluate', '--pred', pred, '--truth', PHANTOM, '--out-dir', out);
      assert.equal(r.code, 0, r.stderr);
      const rows = readCsv(path.join(out, 'metrics.csv'));
      assert.deepEqual(
        rows.map((row) => [row.image, row.target, row.dice, row.hd95_mm, row.distance_unit, row.size_unit]),
        [
          ['synthetic_phantom_ct.nii.gz', 'aorta', '1', '0', 'mm', 'mm3'],
          ['synthetic_phantom_ct.nii.gz', 'liver', '1', '0', 'mm', 'mm3'],
          ['synthetic_phantom_ct.nii.gz', 'spleen', '1', '0', 'mm', 'mm3'],
        ],
      );
      const liver = rows.find((row) => row.target === 'liver')!;
      assert.equal(Number(liver.pred_size), Number(liver.pred_pixels) * 1.5 * 1.5 * 2.5);
      const summary = JSON.parse(fs.readFileSync(path.join(out, 'summary.json'), 'utf8'));
      assert.equal(summary.distanceUnit, 'mm');
      assert.deepEqual(
        summary.skipped.map((s: { target: string; reason: string }) => `${s.target}: ${s.reason}`),
        [
          'kidney: no ground truth for this target',
          'left kidney: not predicted',
          'right kidney: not predicted',
        ],
      );
    });
  });
});
