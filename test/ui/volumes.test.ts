import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Frame } from 'playwright-core';
import { PHANTOM_DIMS, phantomLabels } from '../../src/demo/phantom';
import { encodeNiftiInt16 } from '../../src/export/nifti';
import { findSeries } from '../../src/imaging/series';
import { restoredPhantom, type PhantomStorage } from '../support/restoredPhantom';
import { ARTIFACTS, closeAfterEach, waitText, Workbench } from './workbench';
import {
  letters,
  openFromExplorer,
  openPhantomSeries,
  SERIES_FOLDER,
  sliceShown,
  state,
  viewerShowing,
} from './volumeHelpers';

/**
 * The phantom stored in other voxel orders (see restoredPhantom): RAS has i' to the patient's
 * right and j' anterior, so shown as stored it would be transposed and mirrored; LAS and LPS
 * mirror it differently; the oblique copy is RAS turned 12° about S.
 */
const STORAGES: PhantomStorage[] = ['RAS', 'LAS', 'LPS', 'RAS-oblique'];
const storedCopy = (storage: PhantomStorage): string => `phantom_${storage}_copy.nii.gz`;

/** Same window in every viewer, so screenshots compare anatomy, not default windows. */
async function setWindow(frame: Frame): Promise<void> {
  // The fields are toolkit web components: set their values and fire the change a user's edit fires.
  await frame.evaluate(() => {
    for (const [id, value] of [
      ['window-lower', '-200'],
      ['window-upper', '300'],
    ]) {
      const field = document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;
      field.value = value;
      field.dispatchEvent(new Event('change'));
    }
  });
}

/**
 * The image as the browser composited it (a real screenshot of the stage, cut to the image's
 * displayed rectangle by the view transform alone and brought to 256×256 grey pixels).
 */
async function displayedImage(wb: Workbench, frame: Frame, name: string): Promise<Buffer> {
  await wb.page.waitForTimeout(400);
  const file = path.join(ARTIFACTS, `${name}.png`);
  await frame.locator('.stage').screenshot({ path: file });
  const { view } = await state(frame);
  const size = Math.round(256 * view.scale);
  return sharp(file)
    .extract({ left: Math.round(view.tx), top: Math.round(view.ty), width: size, height: size })
    .resize(256, 256, { kernel: 'nearest' })
    .greyscale()
    .raw()
    .toBuffer();
}

/** Hovers display pixel (dx, dy) (found with the view transform only) and returns the cursor readout. */
async function readoutAtDisplayPixel(wb: Workbench, frame: Frame, dx: number, dy: number): Promise<string> {
  const box = await frame.locator('[data-testid="canvas"]').boundingBox();
  assert.ok(box);
  const { view } = await state(frame);
  await wb.page.mouse.move(
    box.x + view.tx + (dx + 0.5) * view.scale,
    box.y + view.ty + (dy + 0.5) * view.scale,
  );
  await wb.page.waitForTimeout(200);
  return waitText(frame.locator('[data-testid="cursor-info"]'), /x \d+, y \d+/);
}

function parseReadout(text: string): { x: number; y: number; value: string } {
  const m = /x (\d+), y (\d+) · (-?[\d.]+)/.exec(text);
  assert.ok(m, `a readout: ${text}`);
  return { x: Number(m[1]), y: Number(m[2]), value: m[3] };
}

describe('Volumes in the real workbench: a DICOM series and radiological display', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('opens the phantom’s DICOM series from the explorer, steps its slices, and shows it like its NIfTI stored RAS, LAS, LPS or oblique', async () => {
    wb = await Workbench.launch('volumes-series', {
      files: Object.fromEntries(STORAGES.map((st) => [`phantom/${storedCopy(st)}`, restoredPhantom(st)])),
    });
    const series = (await openPhantomSeries(wb))!;
    await waitText(wb.page.locator('.tabs-container .tab'), `MedImageParse: ${SERIES_FOLDER}`);
    let s = await state(series);
    assert.deepEqual(
      s.image?.slice,
      { index: 24, count: 48 },
      'one volume of 48 slices, the middle one first',
    );
    assert.equal(s.image?.frame, undefined);
    assert.equal(
      await series.locator('[data-testid="volume-warnings"]').isVisible(),
      false,
      'a regular series',
    );
    assert.deepEqual(await letters(series), { top: 'A', bottom: 'P', left: 'R', right: 'L' });
    await waitText(series.locator('[data-testid="slice-slider"] + output'), '25 / 48');

    // Stepping: PageDown/PageUp on the image, End/Home to the ends; each slice is another file.
    await series.locator('[data-testid="canvas"]').focus();
    const before = s.image?.fileName;
    await wb.page.keyboard.press('PageDown');
    await sliceShown(series, 25);
    assert.notEqual((await state(series)).image?.fileName, before, 'the next slice is another file');
    await wb.page.keyboard.press('End');
    await sliceShown(series, 47);
    await waitText(series.locator('[data-testid="slice-slider"] + output'), '48 / 48');
    await wb.page.keyboard.press('Home');
    await sliceShown(series, 0);
    // Back to slice 30 with the slider for the comparison below.
    const slider = series.locator('[data-testid="slice-slider"]');
    await slider.focus();
    for (let i = 0; i < 30; i++) await wb.page.keyboard.press('ArrowRight');
    await sliceShown(series, 30);
    await setWindow(series);
    assert.deepEqual((await state(series)).display, { transpose: false, flipX: false, flipY: false });
    const seriesShot = await displayedImage(wb, series, 'volumes-series-stage');
    // Display pixel (dx, dy) of the series is its source pixel (column dx, row dy).
    const probe = { dx: 90, dy: 140 };
    const seriesReadout = parseReadout(await readoutAtDisplayPixel(wb, series, probe.dx, probe.dy));
    assert.deepEqual([seriesReadout.x, seriesReadout.y], [probe.dx, probe.dy]);
    await wb.screenshot('volumes-series');

    // The same volume in other storage orders (transposed and mirrored against the series'
    // storage, and turned off the patient's axes): each shows the same anatomy the same way up.
    for (const storage of STORAGES) {
      const name = storedCopy(storage);
      const nifti = await openFromExplorer(wb, `phantom/${name}`);
      s = await state(nifti);
      assert.equal(s.display?.transpose, true, `${storage}: i runs along R/L, so columns and rows swap`);
      const shown = await letters(nifti);
      if (storage === 'RAS-oblique') {
        // Two letters where the edge is oblique, the stronger first: the same radiological layout.
        assert.deepEqual(
          Object.fromEntries(Object.entries(shown).map(([edge, l]) => [edge, l[0]])),
          { top: 'A', bottom: 'P', left: 'R', right: 'L' },
          `${storage}: ${JSON.stringify(shown)}`,
        );
        assert.ok(
          Object.values(shown).every((l) => l.length === 2),
          `${storage}: oblique edges ${JSON.stringify(shown)}`,
        );
      } else assert.deepEqual(shown, { top: 'A', bottom: 'P', left: 'R', right: 'L' }, storage);
      await nifti.locator('[data-testid="canvas"]').focus();
      for (let i = 0; i < 6; i++) await wb.page.keyboard.press('PageDown');
      await sliceShown(nifti, 30);
      await setWindow(nifti);
      const niftiShot = await displayedImage(wb, nifti, `volumes-nifti-${storage}-stage`);
      await wb.screenshot(`volumes-nifti-${storage}`);

      // Real composited pixels: the same picture (nearest-neighbour resampling of two zooms aside).
      let diff = 0;
      let bright = 0;
      for (let i = 0; i < seriesShot.length; i++) {
        diff += Math.abs(seriesShot[i] - niftiShot[i]);
        if (seriesShot[i] > 128) bright++;
      }
      const meanDiff = diff / seriesShot.length;
      assert.ok(bright > 1000, 'the screenshot shows anatomy');
      assert.ok(
        meanDiff < 6,
        `the ${storage} copy looks like the series (mean difference ${meanDiff.toFixed(2)} grey levels)`,
      );

      // The cursor readout names the copy's own pixel under the same display pixel, with the same
      // value. A NIfTI slice is read as the reference reads it, volume[:, :, k]: row i', column j'.
      // Series (column c, row r) is the phantom's voxel (i = r, j = c), which the copy moved to
      // i' = c or 255 − c (R/L) and j' = r or 255 − r (A/P).
      const niftiReadout = parseReadout(await readoutAtDisplayPixel(wb, nifti, probe.dx, probe.dy));
      const toRight = storage !== 'LAS' && storage !== 'LPS';
      const toAnterior = storage !== 'LPS';
      assert.deepEqual(
        [niftiReadout.x, niftiReadout.y],
        [toAnterior ? 255 - probe.dy : probe.dy, toRight ? 255 - probe.dx : probe.dx],
        storage,
      );
      assert.equal(niftiReadout.value, seriesReadout.value, storage);
    }
  });

  it('runs the current slice of the series and exports that slice’s result beside the series folder', async () => {
    wb = await Workbench.launch('volumes-series-run');
    const series = (await openPhantomSeries(wb))!;
    await series.locator('[data-testid="canvas"]').focus();
    for (let i = 0; i < 6; i++) await wb.page.keyboard.press('PageDown');
    await sliceShown(series, 30);
    // A liver voxel of slice 30 (labels: i fastest; the series' pixel (column j, row i)).
    const [ni, nj] = PHANTOM_DIMS;
    const labels = phantomLabels();
    let liver: { x: number; y: number } | undefined;
    for (let i = 3; i < ni - 3 && !liver; i++)
      for (let j = 3; j < nj - 3 && !liver; j++)
        if ([-3, 0, 3].every((d) => labels[i + d + ni * (j + d + nj * 30)] === 1)) liver = { x: j, y: i };
    assert.ok(liver);
    const pixel = (x: number, y: number) =>
      series.evaluate(
        ([px, py]) =>
          (
            window as unknown as {
              __medimageparseViewer: { canvasPixel(x: number, y: number): [number, number, number, number] };
            }
          ).__medimageparseViewer.canvasPixel(px, py),
        [x, y],
      );
    const before = await pixel(liver.x, liver.y);
    await series.locator('[data-testid="picker-item-liver"]').click();
    await series.locator('[data-testid="run-button"]').click();
    await waitText(series.locator('[data-testid="legend"]'), /liver/, 60_000);
    await wb.page.waitForTimeout(300);
    const after = await pixel(liver.x, liver.y);
    assert.ok(
      Math.abs(after[0] - before[0]) + Math.abs(after[1] - before[1]) + Math.abs(after[2] - before[2]) > 30,
      `the liver mask covers the liver voxel (${before} → ${after})`,
    );
    await wb.screenshot('volumes-series-run');

    await series.locator('[data-testid="export-button"]').click();
    const phantomDir = path.join(wb.workspace, 'phantom');
    const end = Date.now() + 60_000;
    let report: string | undefined;
    while (!report && Date.now() < end) {
      const folder = fs.readdirSync(phantomDir).find((f) => f.endsWith('.medimageparse'));
      const file = folder && path.join(phantomDir, folder, 'report_slice30.json');
      if (file && fs.existsSync(file)) report = file;
      else await wb.page.waitForTimeout(200);
    }
    assert.ok(
      report,
      `a report of slice 30 beside the series folder: ${fs.readdirSync(phantomDir).join(', ')}`,
    );
    const json = JSON.parse(fs.readFileSync(report, 'utf8'));
    assert.ok(json.labels.includes('liver'), JSON.stringify(json).slice(0, 600));
    assert.match(JSON.stringify(json), /"slice":\{"index":30,"count":48\}/, 'the report names the slice');
    assert.deepEqual(
      fs.readdirSync(path.join(phantomDir, SERIES_FOLDER)).filter((f) => !f.endsWith('.dcm')),
      [],
      'nothing is written into the series folder',
    );

    // Reload Window brings the series viewer back as a series, on its slice, with its result.
    await wb.reloadWindow();
    const back = await viewerShowing(wb, /\.dcm$/i);
    await waitText(back.locator('[data-testid="legend"]'), /liver/, 30_000);
    assert.equal((await state(back)).image?.slice?.count, 48);
  });

  it('keeps one default window for a whole NIfTI volume while browsing its slices', async () => {
    // 16×16×3 whose slices' own ranges differ: [0, 10], [-50, 20], [5, 300].
    const [n, ranges] = [
      16,
      [
        [0, 10],
        [-50, 20],
        [5, 300],
      ],
    ];
    const data = new Int16Array(n * n * 3);
    for (let k = 0; k < 3; k++)
      for (let v = 0; v < n * n; v++) data[k * n * n + v] = v % 2 ? ranges[k][1] : ranges[k][0];
    const identity = [0, 1, 2, 3].map((r) => [0, 1, 2, 3].map((c) => (r === c ? 1 : 0)));
    // Written before the workbench opens: a file added afterwards waits on the file watcher.
    wb = await Workbench.launch('volumes-window', {
      files: {
        'ranges.nii.gz': encodeNiftiInt16({ dims: [n, n, 3], spacing: [1, 1, 1], affine: identity }, data, {
          description: 'ranges',
          maxValue: 300,
        }),
      },
    });
    const viewer = await openFromExplorer(wb, 'ranges.nii.gz');
    const windowShown = () =>
      viewer.evaluate(() =>
        ['window-lower', 'window-upper'].map((id) =>
          Number((document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement).value),
        ),
      );
    const waitWindow = async (expected: number[]) => {
      const end = Date.now() + 20_000;
      while (Date.now() < end) {
        if (JSON.stringify(await windowShown()) === JSON.stringify(expected)) return;
        await wb.page.waitForTimeout(100);
      }
      assert.deepEqual(await windowShown(), expected);
    };
    await sliceShown(viewer, 1);
    await waitWindow([-50, 300]); // the middle slice alone would give [-50, 20]
    await viewer.locator('[data-testid="canvas"]').focus();
    await wb.page.keyboard.press('Home');
    await sliceShown(viewer, 0);
    await wb.page.waitForTimeout(300);
    assert.deepEqual(await windowShown(), [-50, 300], 'slice 0 keeps the volume window');
    await wb.page.keyboard.press('End');
    await sliceShown(viewer, 2);
    await wb.page.waitForTimeout(300);
    assert.deepEqual(await windowShown(), [-50, 300], 'slice 2 keeps the volume window');
  });

  it('asks which series to open when a folder holds several, naming each by description, modality and slice count', async () => {
    wb = await Workbench.launch('volumes-two-series');
    const source = path.join(wb.workspace, 'phantom', SERIES_FOLDER);
    const names = fs.readdirSync(source).sort();
    const two = path.join(wb.workspace, 'phantom', 'two_series');
    fs.mkdirSync(two);
    for (const name of names.slice(0, 5)) fs.copyFileSync(path.join(source, name), path.join(two, name));
    // A one-slice second series: another file with its SeriesInstanceUID changed in place.
    const bytes = fs.readFileSync(path.join(source, names[10]));
    const [{ seriesInstanceUid: seriesUid }] = await findSeries(source);
    const where = bytes.indexOf(Buffer.from(seriesUid, 'latin1'));
    bytes.write(seriesUid.slice(0, -1) + (seriesUid.endsWith('9') ? '8' : '9'), where, 'latin1');
    fs.writeFileSync(path.join(two, 'other.dcm'), bytes);

    await openPhantomSeries(wb, 'two_series');
    const rows = wb.page.locator('.quick-input-list .monaco-list-row');
    await waitText(wb.page.locator('.quick-input-widget'), /holds 2 series/);
    await waitText(rows, /CT · 5 slices · 256×256/);
    await waitText(rows, /CT · 1 slice · 256×256/);
    await wb.screenshot('volumes-two-series-pick');
    await rows.filter({ hasText: '1 slice' }).first().click();
    const viewer = await viewerShowing(wb, /\.dcm$/i);
    assert.deepEqual((await state(viewer)).image?.slice, { index: 0, count: 1 });
    assert.equal((await state(viewer)).image?.fileName, 'other.dcm');

    // Reload Window brings the panel back on the series picked, not on the folder's largest.
    await wb.reloadWindow();
    const back = await viewerShowing(wb, /\.dcm$/i);
    const end = Date.now() + 20_000;
    while ((await state(back)).image?.slice?.count !== 1 && Date.now() < end)
      await wb.page.waitForTimeout(200);
    assert.deepEqual((await state(back)).image?.slice, { index: 0, count: 1 }, 'the one-slice series picked');
    assert.equal((await state(back)).image?.fileName, 'other.dcm');
  });
});
