import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { writeExports, defaultExportDir, type ExportRequest } from '../../../src/export';
import { writeFilesAtomic, type WriteOps } from '../../../src/export/atomic';
import { safeFileStem, uniqueFileStems } from '../../../src/export/names';
import { readMask } from '../../../src/analysis/rasterIO';
import { APP_VERSION } from '../../../src/shared/version';

const samplePng = path.join(__dirname, '../../fixtures/samples/covid_1585.png');

describe('export: files next to the image', () => {
  let tmp: string;
  let source: string;
  let width: number;
  let height: number;
  let lung: Uint8Array;
  let opacity: Uint8Array;

  beforeEach(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-export-'));
    source = path.join(tmp, 'covid_1585.png');
    fs.copyFileSync(samplePng, source);
    const meta = await sharp(source).metadata();
    width = meta.width!;
    height = meta.height!;
    lung = new Uint8Array(width * height);
    opacity = new Uint8Array(width * height);
    for (let y = 20; y < 120; y++)
      for (let x = 10; x < 90; x++) lung[y * width + x] = 100 + ((x * 7 + y) % 156);
    for (let y = 40; y < 60; y++) for (let x = 150; x < 200; x++) opacity[y * width + x] = 255;
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const request = (extra: Partial<ExportRequest> = {}): ExportRequest => ({
    source: { file: source, format: 'raster', width, height },
    targets: [
      { name: 'left lung', mask: lung, assessment: { status: 'valid', pValue: 0.42 } },
      { name: 'lung opacity', mask: opacity },
    ],
    modality: { key: 'X-Ray-Chest', modality: 'X-Ray', site: 'chest' },
    prompts: ['left lung & lung opacity'],
    endpoint: {
      url: 'https://user:secret@example.inference.ml.azure.com/score?code=SECRET#x',
      deployment: 'blue',
    },
    now: new Date('2026-01-02T03:04:05Z'),
    ...extra,
  });

  it('writes masks, label map and report into a folder named after the image', async () => {
    const result = await writeExports(request());
    assert.equal(result.dir, path.join(tmp, 'covid_1585.png.medimageparse'));
    assert.equal(defaultExportDir({ file: source }), result.dir);
    assert.deepEqual(fs.readdirSync(result.dir).sort(), [
      'labels.png',
      'left_lung.png',
      'lung_opacity.png',
      'report.json',
    ]);

    // Masks: source resolution, 0/255, re-imported equal to what was written.
    for (const [file, mask] of [
      ['left_lung.png', lung],
      ['lung_opacity.png', opacity],
    ] as const) {
      const back = await readMask(path.join(result.dir, file));
      assert.equal(back.width, width);
      assert.equal(back.height, height);
      let wrong = 0;
      for (let i = 0; i < mask.length; i++) if (back.mask[i] !== (mask[i] >= 128 ? 255 : 0)) wrong++;
      assert.equal(wrong, 0, file);
    }
    const labels = await readMask(path.join(result.dir, 'labels.png'));
    assert.equal(labels.mask[30 * width + 20], lung[30 * width + 20] >= 128 ? 1 : 0);
    assert.equal(labels.mask[50 * width + 160], 2);

    const report = JSON.parse(fs.readFileSync(path.join(result.dir, 'report.json'), 'utf8'));
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.app.version, APP_VERSION);
    assert.equal(report.createdAt, '2026-01-02T03:04:05.000Z');
    assert.equal(report.source.file, source);
    assert.deepEqual(report.modality, { key: 'X-Ray-Chest', modality: 'X-Ray', site: 'chest' });
    assert.deepEqual(report.prompts, ['left lung & lung opacity']);
    assert.deepEqual(report.endpoint, {
      url: 'https://example.inference.ml.azure.com/score',
      deployment: 'blue',
    });
    assert.doesNotMatch(JSON.stringify(report), /secret|SECRET/);
    assert.equal(report.targets[0].validity, 'valid');
    assert.equal(report.targets[0].pValue, 0.42);
    assert.equal(report.targets[1].validity, 'not-assessed');
    assert.equal(report.targets[1].pValue, null);
    assert.equal(report.targets[1].area, 20 * 50);
    assert.equal(report.targets[1].instances, 1);
    assert.deepEqual(report.targets[1].boxes[0], {
      x: 150,
      y: 40,
      width: 50,
      height: 20,
      area: 1000,
      centroid: { x: 174.5, y: 49.5 },
    });
    assert.deepEqual(report.labels, ['background', 'left lung', 'lung opacity']);
    assert.equal(report.targets[1].maskFile, 'lung_opacity.png');
    // No temporaries left behind.
    assert.ok(fs.readdirSync(result.dir).every((f) => !f.endsWith('.tmp')));
  });

  it('accepts the overlay screenshot as PNG bytes and refuses anything else', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#f00' } })
      .png()
      .toBuffer();
    const result = await writeExports(request({ screenshotPng: png }));
    assert.ok(fs.readFileSync(path.join(result.dir, 'overlay.png')).equals(png));
    await assert.rejects(
      writeExports(request({ screenshotPng: Buffer.from('GIF89a'), outDir: path.join(tmp, 'x') })),
      /not a PNG/,
    );
    assert.ok(!fs.existsSync(path.join(tmp, 'x')));
  });

  it('leaves no file behind when a write fails half-way', async () => {
    let writes = 0;
    const failing: WriteOps = {
      async writeNew(file, data) {
        writes++;
        if (writes === 3) {
          // A real partial file on disk, then the failure (as a full disk would do).
          fs.writeFileSync(file, data.subarray(0, Math.floor(data.length / 2)), { flag: 'wx' });
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        fs.writeFileSync(file, data, { flag: 'wx' });
      },
    };
    await assert.rejects(writeExports(request({ ops: failing })), /ENOSPC/);
    assert.equal(writes, 3);
    assert.deepEqual(fs.readdirSync(tmp), ['covid_1585.png'], 'no export folder and no temporary is left');
  });

  it('keeps an existing folder but adds nothing to it on failure', async () => {
    const dir = path.join(tmp, 'covid_1585.png.medimageparse');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const failing: WriteOps = {
      async writeNew() {
        throw new Error('EIO: i/o error');
      },
    };
    await assert.rejects(writeExports(request({ ops: failing })), /EIO/);
    assert.deepEqual(fs.readdirSync(dir), ['notes.txt']);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['covid_1585.png', 'covid_1585.png.medimageparse']);
  });

  it('rolls back renamed files when a later rename fails', async () => {
    const dir = path.join(tmp, 'out');
    fs.mkdirSync(dir);
    const files = [
      { path: path.join(dir, 'a.bin'), data: Buffer.from('a') },
      { path: path.join(dir, 'b.bin'), data: Buffer.from('b') },
    ];
    // Make the second rename fail: its destination folder disappears after the temps are written.
    const ops: WriteOps = {
      async writeNew(file, data) {
        fs.writeFileSync(file, data, { flag: 'wx' });
        if (file.includes('b.bin')) fs.rmSync(file);
      },
    };
    await assert.rejects(writeFilesAtomic(files, { ops }), /ENOENT/);
    assert.deepEqual(fs.readdirSync(dir), []);
  });

  it('never overwrites the source image', async () => {
    // Exporting into the source folder with a target that maps to the source's own name.
    const sourceBytes = fs.readFileSync(source);
    const mask = new Uint8Array(width * height).fill(255);
    for (const overwrite of [false, true]) {
      await assert.rejects(
        writeExports({
          source: { file: source, width, height },
          targets: [{ name: 'covid 1585', mask }],
          outDir: tmp,
          overwrite,
          formats: ['masks'],
        }),
        overwrite
          ? /is not a MedImageParse result folder \(it holds covid_1585\.png\)/
          : /already holds files/,
      );
    }
    assert.ok(fs.readFileSync(source).equals(sourceBytes));
    // Also through a symlink to the source.
    const link = path.join(tmp, 'link');
    fs.mkdirSync(link);
    fs.symlinkSync(source, path.join(link, 'labels.png'));
    await assert.rejects(
      writeExports({
        source: { file: source, width, height },
        targets: [{ name: 'x', mask }],
        outDir: link,
        overwrite: true,
        formats: ['labelMap'],
      }),
      /not a MedImageParse result folder/,
    );
    assert.ok(fs.readFileSync(source).equals(sourceBytes));
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['covid_1585.png', 'link']);
  });

  it('maps path-like target names ("T1/T2 lesion", "../../evil") to distinct files inside the export folder', async () => {
    const names = ['T1/T2 lesion', 'T1 T2 lesion', '../../evil', '..', 'a\\b', 'nul\0byte'];
    const result = await writeExports(request({ targets: names.map((name) => ({ name, mask: lung })) }));
    const report = JSON.parse(fs.readFileSync(path.join(result.dir, 'report.json'), 'utf8'));
    const maskFiles = report.targets.map((t: { maskFile: string }) => t.maskFile);
    assert.deepEqual(maskFiles, [
      'T1_T2_lesion.png',
      'T1_T2_lesion-2.png',
      'evil.png',
      'target.png',
      'a_b.png',
      'nul_byte.png',
    ]);
    assert.deepEqual(
      report.targets.map((t: { name: string }) => t.name),
      names,
      'the report keeps the names as prompted',
    );
    for (const f of maskFiles) assert.ok(fs.existsSync(path.join(result.dir, f)), f);
    assert.deepEqual(fs.readdirSync(tmp).sort(), ['covid_1585.png', 'covid_1585.png.medimageparse']);
  });

  it('safe-ifies target names into unique file names', () => {
    assert.equal(safeFileStem('COVID-19 infection'), 'COVID-19_infection');
    assert.equal(safeFileStem('tumor (core)?'), 'tumor_core');
    assert.equal(safeFileStem('.hidden'), 'hidden');
    assert.equal(safeFileStem('con'), 'con_');
    assert.equal(safeFileStem('***'), 'target');
    assert.equal(safeFileStem('T1/T2 lesion'), 'T1_T2_lesion');
    assert.deepEqual(uniqueFileStems(['tumor', 'Tumor', 'labels'], ['labels']), [
      'tumor',
      'Tumor-2',
      'labels-2',
    ]);
  });

  it('refuses masks that do not match the source size', async () => {
    await assert.rejects(
      writeExports(request({ targets: [{ name: 'x', mask: new Uint8Array(10) }] })),
      /mask of 'x' has 10 values, expected/,
    );
  });
});
