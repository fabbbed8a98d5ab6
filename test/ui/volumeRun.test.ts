import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import type { Frame } from 'playwright-core';
import { makePhantom, PHANTOM_DIMS, PHANTOM_SPACING, phantomLabels } from '../../src/demo/phantom';
import { readNifti } from '../support/niftiRead';
import { startPixelServer } from '../support/pixelServer';
import {
  letters,
  openFromExplorer,
  openPhantomSeries,
  SERIES_FOLDER,
  sliceShown,
  state,
  type VolumeState,
} from './volumeHelpers';
import { ARTIFACTS, closeAfterEach, waitText, Workbench } from './workbench';

const [NI, NJ, NK] = PHANTOM_DIMS;
const WINDOW = { lower: -200, upper: 300 };

async function setWindow(frame: Frame): Promise<void> {
  await frame.evaluate((w) => {
    for (const [id, value] of [
      ['window-lower', String(w.lower)],
      ['window-upper', String(w.upper)],
    ]) {
      const field = document.querySelector(`[data-testid="${id}"]`) as HTMLInputElement;
      field.value = value;
      field.dispatchEvent(new Event('change'));
    }
  }, WINDOW);
}

async function waitState(frame: Frame, ok: (s: VolumeState) => boolean, what: string, ms = 30_000) {
  const end = Date.now() + ms;
  let s = await state(frame);
  while (!ok(s) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    s = await state(frame);
  }
  assert.ok(ok(s), `${what}; state: ${JSON.stringify({ image: s.image, volume: s.volume }).slice(0, 800)}`);
  return s;
}

/**
 * The picture on screen, one grey value per displayed pixel: a real screenshot of the stage,
 * sampled at the centre of each displayed pixel's cell (found from the view transform and the
 * cell aspect alone). Indexed [row][column] of the display.
 */
async function displayedPixels(wb: Workbench, frame: Frame, name: string): Promise<number[][]> {
  await wb.page.waitForTimeout(500);
  const file = path.join(ARTIFACTS, `${name}.png`);
  await frame.locator('.stage').screenshot({ path: file });
  const s = await state(frame);
  const { view } = s;
  const { width, height, cellAspect = [1, 1] } = s.image!;
  const t = s.display?.transpose ?? false;
  const [cols, rows] = t ? [height, width] : [width, height];
  const [cellW, cellH] = t ? [cellAspect[1], cellAspect[0]] : cellAspect;
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  const out: number[][] = [];
  for (let dy = 0; dy < rows; dy++) {
    const row: number[] = [];
    for (let dx = 0; dx < cols; dx++) {
      const x = Math.floor(view.tx + (dx + 0.5) * cellW * view.scale);
      const y = Math.floor(view.ty + (dy + 0.5) * cellH * view.scale);
      row.push(x >= 0 && y >= 0 && x < info.width && y < info.height ? data[y * info.width + x] : -1);
    }
    out.push(row);
  }
  return out;
}

const grey = (hu: number) =>
  Math.round(Math.max(0, Math.min(1, (hu - WINDOW.lower) / (WINDOW.upper - WINDOW.lower))) * 255);

/**
 * How far the screen is from the expected picture and from a wrong one (flipped), over the
 * display pixels where the two differ clearly (organs, not the uniform body): near 0 and large
 * when the picture is the right way round.
 */
function against(
  shown: number[][],
  expected: (dx: number, dy: number) => number,
  wrong: (dx: number, dy: number) => number,
): { right: number; wrong: number } {
  let [sumRight, sumWrong, n] = [0, 0, 0];
  shown.forEach((row, dy) =>
    row.forEach((v, dx) => {
      const [e, w] = [expected(dx, dy), wrong(dx, dy)];
      if (v < 0 || Math.abs(e - w) < 40) return;
      sumRight += Math.abs(v - e);
      sumWrong += Math.abs(v - w);
      n++;
    }),
  );
  assert.ok(n > 200, `the pictures differ somewhere (${n} display pixels)`);
  return { right: sumRight / n, wrong: sumWrong / n };
}

/** The orientation letters sit just outside the middle of the displayed image's edges. */
async function lettersAtImageEdges(frame: Frame): Promise<void> {
  const s = await state(frame);
  const canvas = await frame.locator('[data-testid="canvas"]').boundingBox();
  assert.ok(canvas);
  const { width, height, cellAspect = [1, 1] } = s.image!;
  const t = s.display?.transpose ?? false;
  const [w, h] = t
    ? [height * cellAspect[1], width * cellAspect[0]]
    : [width * cellAspect[0], height * cellAspect[1]];
  const img = {
    left: canvas.x + s.view.tx,
    top: canvas.y + s.view.ty,
    right: canvas.x + s.view.tx + w * s.view.scale,
    bottom: canvas.y + s.view.ty + h * s.view.scale,
  };
  const mid = { x: (img.left + img.right) / 2, y: (img.top + img.bottom) / 2 };
  const centre = async (edge: string) => {
    const b = (await frame.locator(`[data-testid="orientation-${edge}"]`).boundingBox())!;
    return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  };
  const [top, bottom, left, right] = await Promise.all(['top', 'bottom', 'left', 'right'].map(centre));
  const near = (a: number, b: number, what: string) =>
    assert.ok(Math.abs(a - b) < 16, `${what}: ${a.toFixed(0)} vs ${b.toFixed(0)}`);
  // … kept 10 px inside the stage when the image reaches its edge.
  const [x0, y0, x1, y1] = [
    canvas.x + 10,
    canvas.y + 10,
    canvas.x + canvas.width - 10,
    canvas.y + canvas.height - 10,
  ];
  near(top.x, mid.x, 'top letter centred');
  near(top.y, Math.max(y0, img.top - 10), 'top letter above the image');
  near(bottom.y, Math.min(y1, img.bottom + 10), 'bottom letter below the image');
  near(left.x, Math.max(x0, img.left - 10), 'left letter left of the image');
  near(left.y, mid.y, 'left letter at mid-height');
  near(right.x, Math.min(x1, img.right + 10), 'right letter right of the image');
}

const count = (labels: Uint8Array, label: number, where: (i: number, j: number, k: number) => boolean) => {
  let n = 0;
  for (let k = 0; k < NK; k++)
    for (let j = 0; j < NJ; j++)
      for (let i = 0; i < NI; i++) if (labels[i + NI * (j + NJ * k)] === label && where(i, j, k)) n++;
  return n;
};

describe('Volumes in the real workbench: reformats and whole-volume parsing of the phantom', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('shows coronal and sagittal reformats the right way up, with spacing aspect and letters', async () => {
    wb = await Workbench.launch('volumes-reformat');
    const series = (await openPhantomSeries(wb))!;
    const { hu } = makePhantom();
    const value = (i: number, j: number, k: number) => hu[i + NI * (j + NJ * k)];
    let s = await state(series);
    assert.deepEqual(s.image?.plane, {
      name: 'axial',
      acquired: true,
      planes: ['axial', 'coronal', 'sagittal'],
    });
    await setWindow(series);

    // Coronal, by its key on the image: seen from the front, the patient's right on the screen's
    // left, superior up; one displayed row per slice, 2.5 mm tall against 1.5 mm columns.
    await series.locator('[data-testid="canvas"]').focus();
    await wb.page.keyboard.press('c');
    s = await waitState(series, (x) => x.image?.plane?.name === 'coronal', 'the coronal reformat is shown');
    assert.deepEqual(s.image?.slice, { index: NI / 2, count: NI }, 'the middle coronal plane of 256');
    assert.deepEqual([s.image?.width, s.image?.height], [NJ, NK]);
    assert.deepEqual(await letters(series), { top: 'S', bottom: 'I', left: 'R', right: 'L' });
    await lettersAtImageEdges(series);
    await wb.screenshot('volumes-coronal');
    // To the plane through both kidneys (i = 165), the brightest organs, with PageDown.
    const i0 = 165;
    for (let i = NI / 2; i < i0; i++) await wb.page.keyboard.press('PageDown');
    await waitState(series, (x) => x.image?.slice?.index === i0, `coronal plane ${i0}`);
    const coronal = await displayedPixels(wb, series, 'volumes-coronal-stage');
    // Display pixel (dx, dy) is voxel (i = 165, j = dx, k = 47 − dy); not (k = dy) nor (j = 255 − dx).
    const expected = (dx: number, dy: number) => grey(value(i0, dx, NK - 1 - dy));
    for (const [what, wrong] of [
      ['upside down', (dx: number, dy: number) => grey(value(i0, dx, dy))],
      ['mirrored', (dx: number, dy: number) => grey(value(i0, NJ - 1 - dx, NK - 1 - dy))],
    ] as const) {
      const d = against(coronal, expected, wrong);
      assert.ok(
        d.right < 4 && d.wrong > 30,
        `coronal, not ${what}: ${d.right.toFixed(1)} vs ${d.wrong.toFixed(1)}`,
      );
    }
    await wb.screenshot('volumes-coronal-kidneys');

    // Sagittal with the toolbar button: anterior on the left, superior up.
    await series.locator('[data-testid="plane-sagittal"]').click();
    s = await waitState(series, (x) => x.image?.plane?.name === 'sagittal', 'the sagittal reformat is shown');
    assert.deepEqual([s.image?.width, s.image?.height], [NI, NK]);
    assert.deepEqual(await letters(series), { top: 'S', bottom: 'I', left: 'A', right: 'P' });
    // Step to the plane through the right kidney (j = 90) with PageDown/PageUp.
    await series.locator('[data-testid="canvas"]').focus();
    const j0 = 90;
    for (let j = NJ / 2; j > j0; j--) await wb.page.keyboard.press('PageUp');
    await waitState(series, (x) => x.image?.slice?.index === j0, `sagittal plane ${j0}`);
    const sagittal = await displayedPixels(wb, series, 'volumes-sagittal-stage');
    await wb.screenshot('volumes-sagittal');
    const sagExpected = (dx: number, dy: number) => grey(value(dx, j0, NK - 1 - dy));
    for (const [what, wrong] of [
      ['upside down', (dx: number, dy: number) => grey(value(dx, j0, dy))],
      ['mirrored', (dx: number, dy: number) => grey(value(NI - 1 - dx, j0, NK - 1 - dy))],
    ] as const) {
      const d = against(sagittal, sagExpected, wrong);
      assert.ok(
        d.right < 4 && d.wrong > 30,
        `sagittal, not ${what}: ${d.right.toFixed(1)} vs ${d.wrong.toFixed(1)}`,
      );
    }
    await lettersAtImageEdges(series);

    // Back to the acquisition plane (A): the slice shown before the reformats.
    await wb.page.keyboard.press('a');
    s = await waitState(series, (x) => x.image?.plane?.name === 'axial', 'back on the axial slices');
    assert.deepEqual(s.image?.slice, { index: NK / 2, count: NK });
    assert.deepEqual(await letters(series), { top: 'A', bottom: 'P', left: 'R', right: 'L' });
  });

  it('parses the whole series from the viewer: legend mL of each target, masks on every slice and reformat, export', async () => {
    wb = await Workbench.launch('volumes-run-whole');
    const series = (await openPhantomSeries(wb))!;
    const labels = phantomLabels();
    for (const target of ['liver', 'spleen'])
      await series.locator(`[data-testid="picker-item-${target}"]`).click();
    const volumeRun = series.locator('[data-testid="volume-run-button"]');
    await volumeRun.waitFor();
    await wb.screenshot('volumes-run-before');
    await volumeRun.click();
    await waitText(series.locator('[data-testid="run-status"]'), /slices/, 30_000);
    const s = await waitState(series, (x) => !!x.volume, 'the volume result arrives', 180_000);
    const voxelMl = (PHANTOM_SPACING[0] * PHANTOM_SPACING[1] * PHANTOM_SPACING[2]) / 1000;
    for (const [label, target] of [
      [1, 'liver'],
      [2, 'spleen'],
    ] as const) {
      const voxels = count(labels, label, () => true);
      const figures = s.volume!.targets.find((t) => t.target === target)!;
      assert.equal(figures.voxels, voxels, `${target}: the phantom's voxels`);
      assert.ok(Math.abs(figures.volumeMl - voxels * voxelMl) < 1e-9, `${target}: mL from the spacing`);
      assert.equal(figures.components, 1);
      const ml = (voxels * voxelMl).toFixed(1);
      await waitText(series.locator(`[data-testid="legend-volume-${target}"]`), new RegExp(`${ml} mL`));
      await waitText(series.locator('[data-testid="volume-summary"]'), new RegExp(`${target}: ${ml} mL`));
    }
    await waitText(series.locator('[data-testid="run-status"]'), /Done: the volume/);
    await wb.screenshot('volumes-run-done');

    // Browsing slices shows each slice's masks: the liver area on slice k is the phantom's there.
    // (The series' slice k holds voxels (i, j, k); its pixel (column j, row i).)
    const liverOn = (where: (i: number, j: number, k: number) => boolean) => count(labels, 1, where);
    const liverArea = async (frame: Frame) =>
      (await state(frame)).result?.targets.find((t) => t.target === 'liver')?.areaPixels;
    assert.equal(
      await liverArea(series),
      liverOn((_i, _j, k) => k === 24),
    );
    await series.locator('[data-testid="canvas"]').focus();
    for (let n = 0; n < 10; n++) await wb.page.keyboard.press('PageUp');
    await sliceShown(series, 14);
    await waitState(
      series,
      (x) =>
        x.result?.targets.find((t) => t.target === 'liver')?.areaPixels === liverOn((_i, _j, k) => k === 14),
      'slice 14 shows its own liver mask',
    );
    // … and each reformat its plane of the masks.
    await wb.page.keyboard.press('c');
    await waitState(
      series,
      (x) =>
        x.image?.plane?.name === 'coronal' &&
        x.result?.targets.find((t) => t.target === 'liver')?.areaPixels === liverOn((i) => i === NI / 2),
      'the coronal plane shows its share of the liver mask',
    );
    await wb.screenshot('volumes-run-coronal');

    // Export writes the volume's files beside the series folder.
    await series.locator('[data-testid="export-button"]').click();
    const phantomDir = path.join(wb.workspace, 'phantom');
    const end = Date.now() + 60_000;
    let dir: string | undefined;
    while (!dir && Date.now() < end) {
      const folder = fs.readdirSync(phantomDir).find((f) => f.startsWith(`${SERIES_FOLDER}.medimageparse`));
      if (folder && fs.existsSync(path.join(phantomDir, folder, 'report.json')))
        dir = path.join(phantomDir, folder);
      else await wb.page.waitForTimeout(200);
    }
    assert.ok(dir, `a volume export beside the series: ${fs.readdirSync(phantomDir).join(', ')}`);
    assert.deepEqual(fs.readdirSync(dir).sort(), [
      'labels.nii.gz',
      'liver.nii.gz',
      'report.json',
      'segmentation.dcm',
      'spleen.nii.gz',
    ]);
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
    assert.deepEqual(
      report.targets.map((t: { name: string; voxels: number }) => [t.name, t.voxels]),
      [
        ['liver', count(labels, 1, () => true)],
        ['spleen', count(labels, 2, () => true)],
      ],
    );
    // labels.nii.gz is on the series' grid (column j, row i, slice k), voxel for voxel.
    const exported = await readNifti(path.join(dir, 'labels.nii.gz'));
    let wrong = 0;
    for (let k = 0; k < NK; k++)
      for (let i = 0; i < NI; i++)
        for (let j = 0; j < NJ; j++) {
          const want = labels[i + NI * (j + NJ * k)];
          if (exported.values[j + NJ * (i + NI * k)] !== (want === 1 || want === 2 ? want : 0)) wrong++;
        }
    assert.equal(wrong, 0, 'labels.nii.gz holds exactly the phantom’s liver and spleen');
    await waitText(series.locator('[data-testid="run-status"]'), /Exported 5 files/);
  });

  it('exports overlay.png as the viewer shows the image (a NIfTI displayed transposed)', async () => {
    // A loopback endpoint whose masks come from the pixels it is sent (the demo has no answer here).
    const server = await startPixelServer();
    try {
      wb = await Workbench.launch('volumes-overlay-orientation', {
        settings: {
          'medimageparse.endpoints': [{ name: 'pixels', url: server.url, protocol: 'azureml', auth: 'none' }],
          'medimageparse.activeEndpoint': 'pixels',
        },
        // No statusText: nothing activates the extension before the NIfTI is opened below.
      });
      const name = 'patient0500_2CH_half_sequence.nii.gz';
      const viewer = await openFromExplorer(wb, name);
      const s = await state(viewer);
      assert.deepEqual(s.display, { transpose: true, flipX: false, flipY: false });
      const [width, height] = [s.image!.width, s.image!.height];
      await viewer.locator('[data-testid="free-text-input"] input').fill('bright');
      await viewer.locator('[data-testid="free-text-add"]').click();
      await viewer.locator('[data-testid="run-button"]').click();
      const dialog = wb.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 30_000 });
      await dialog.locator('.monaco-button', { hasText: 'Send' }).click();
      await waitText(viewer.locator('[data-testid="legend"]'), /bright/, 60_000);
      await viewer.locator('[data-testid="export-button"]').click();
      const folder = path.join(wb.workspace, `${name}.medimageparse`);
      const end = Date.now() + 60_000;
      let overlay: string | undefined;
      while (!overlay && Date.now() < end) {
        const found = fs.existsSync(folder) && fs.readdirSync(folder).find((f) => /^overlay.*\.png$/.test(f));
        if (found) overlay = path.join(folder, found);
        else await wb.page.waitForTimeout(200);
      }
      assert.ok(overlay, 'an overlay.png was exported');
      fs.copyFileSync(overlay, path.join(ARTIFACTS, 'volumes-overlay-export.png'));
      const { data, info } = await sharp(overlay).removeAlpha().raw().toBuffer({ resolveWithObject: true });
      assert.deepEqual(
        [info.width, info.height],
        [height, width],
        'the displayed size: stored width and height swapped',
      );
      // overlay.png pixel (dx, dy) is the viewer's composed pixel at source (x = dy, y = dx).
      let diff = 0;
      let n = 0;
      for (let dy = 5; dy < info.height; dy += 37)
        for (let dx = 3; dx < info.width; dx += 41) {
          const shown = await viewer.evaluate(
            ([x, y]) =>
              (
                window as unknown as {
                  __medimageparseViewer: { canvasPixel(x: number, y: number): number[] };
                }
              ).__medimageparseViewer.canvasPixel(x, y),
            [dy, dx] as [number, number],
          );
          const o = (dy * info.width + dx) * info.channels;
          diff +=
            Math.abs(data[o] - shown[0]) +
            Math.abs(data[o + 1] - shown[1]) +
            Math.abs(data[o + 2] - shown[2]);
          n += 3;
        }
      assert.ok(
        diff / n < 6,
        `overlay.png matches the viewer pixel for pixel (mean difference ${(diff / n).toFixed(2)})`,
      );
    } finally {
      await server.close();
    }
  });

  it('parses the phantom NIfTI with the 3D model from the viewer (the demo serves both) and shows each slice’s share', async () => {
    wb = await Workbench.launch('volumes-run-3d');
    const name = 'synthetic_phantom_ct.nii.gz';
    const viewer = await openFromExplorer(wb, `phantom/${name}`);
    await viewer.locator('[data-testid="picker-item-liver"]').click();
    // The mode list is a toolkit web component: set its value and fire the change a pick fires.
    await viewer.evaluate(() => {
      const select = document.querySelector('[data-testid="volume-mode-select"]') as HTMLElement & {
        value: string;
      };
      select.value = '3d';
      select.dispatchEvent(new Event('change'));
    });
    assert.equal(
      await viewer.locator('[data-testid="volume-slices-select"]').isVisible(),
      false,
      'the 3D model takes the whole volume',
    );
    await viewer.locator('[data-testid="volume-run-button"]').click();
    const s = await waitState(viewer, (x) => !!x.volume, 'the 3D result arrives', 120_000);
    const labels = phantomLabels();
    const liver = s.volume!.targets[0];
    assert.equal(
      liver.voxels,
      count(labels, 1, () => true),
    );
    assert.deepEqual(liver.slices, [11, 45]);
    await waitText(viewer.locator('[data-testid="volume-summary"]'), /3D model/);
    await waitState(
      viewer,
      (x) =>
        x.result?.targets[0]?.areaPixels === count(labels, 1, (_i, _j, k) => k === x.image?.slice?.index),
      'the slice on screen shows its share of the 3D mask',
    );
    await wb.screenshot('volumes-run-3d');
  });
});
