import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { closeAfterEach, REPO_ROOT, waitText, Workbench } from './workbench';
import { openFromExplorer } from './volumeHelpers';

type Rgba = [number, number, number, number];

/** A pixel well inside the reference annotation and one far outside every selected target. */
async function probePoints(maskFile: string): Promise<{ inside: { x: number; y: number } }> {
  const { data, info } = await sharp(maskFile).greyscale().raw().toBuffer({ resolveWithObject: true });
  // The inside point: the mask pixel whose 9×9 neighbourhood is all inside, nearest the centroid.
  let sx = 0;
  let sy = 0;
  let n = 0;
  for (let y = 0; y < info.height; y++)
    for (let y = 0; y < info.height; y++) {
      for (let x = 0; x < info.width; x++) {
        if (data[y * info.width + x] > 127) {
          sx += x;
          sy += y;
          n++;
        }
      }
    }
  const cx = sx / n;
  const cy = sy / n;
  let best = { x: -1, y: -1, d: Infinity };
  const inside = (x: number, y: number) => data[y * info.width + x] > 127;
  for (let y = 4; y < info.height - 4; y++) {
    for (let x = 4; x < info.width - 4; x++) {
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (d >= best.d || !inside(x, y)) continue;
      let all = true;
      for (let dy = -4; dy <= 4 && all; dy++)
        for (let dx = -4; dx <= 4 && all; dx++) all = inside(x + dx, y + dy);
      if (all) best = { x, y, d };
    }
  }
  assert.ok(best.x >= 0, `no interior point in ${maskFile}`);
  return { inside: { x: best.x, y: best.y } };
}

const MASKS = path.join(REPO_ROOT, 'media', 'samples', 'demo_mask');
const OUTSIDE = { x: 20, y: 20 }; // air in the corner of 06_CT_abdomen.png, in no organ's mask

function differs(a: Rgba, b: Rgba): boolean {
  return Math.abs(a[0] - b[0]) + Math.abs(a[1] - b[1]) + Math.abs(a[2] - b[2]) > 30;
}

describe('Viewer in the real workbench (demo endpoint)', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('picks targets, runs, shows the liver mask over the liver, and hides it on toggle', async () => {
    wb = await Workbench.launch('viewer-mouse');
    await wb.runCommand('MedImageParse: Open Sample Images');
    const viewer = wb.viewer();
    await wb.waitForImage();
    const { inside } = await probePoints(path.join(MASKS, '06_CT_abdomen_liver.png'));
    const before = await wb.hook<Rgba>('canvasPixel', inside.x, inside.y);
    const outsideBefore = await wb.hook<Rgba>('canvasPixel', OUTSIDE.x, OUTSIDE.y);

    await viewer.locator('[data-testid="picker-item-liver"]').click();
    await viewer.locator('[data-testid="picker-item-spleen"]').click();
    await waitText(viewer.locator('[data-testid="prompt-preview"]'), /liver & spleen/);
    await viewer.locator('[data-testid="run-button"]').click();
    await viewer.locator('[data-testid="result-banner"]').waitFor({ timeout: 60_000 });
    await waitText(viewer.locator('[data-testid="result-banner"]'), /reference annotation/i);
    await wb.screenshot('viewer-demo-result');

    const after = await wb.hook<Rgba>('canvasPixel', inside.x, inside.y);
    assert.ok(
      differs(before, after),
      `the liver pixel (${inside.x},${inside.y}) should be coloured: before ${before}, after ${after}`,
    );
    const outsideAfter = await wb.hook<Rgba>('canvasPixel', OUTSIDE.x, OUTSIDE.y);
    assert.deepEqual(
      outsideAfter.slice(0, 3),
      outsideBefore.slice(0, 3),
      'pixels outside the masks are untouched',
    );

    await viewer.locator('[data-testid="legend-visibility-liver"]').click();
    await wb.page.waitForTimeout(200);
    const hidden = await wb.hook<Rgba>('canvasPixel', inside.x, inside.y);
    assert.deepEqual(hidden.slice(0, 3), before.slice(0, 3), 'hiding the liver removes its colour');
    await wb.screenshot('viewer-demo-liver-hidden');
  });

  it('recognizes all objects on the demo and exports masks, label map, report and overlay next to the image', async () => {
    wb = await Workbench.launch('viewer-recognize-export');
    await wb.runCommand('MedImageParse: Open Sample Images');
    await wb.waitForImage();
    const viewer = wb.viewer();
    await viewer.locator('[data-testid="recognize-button"]').click();
    await viewer.locator('[data-testid="result-banner"]').waitFor({ timeout: 90_000 });
    await waitText(viewer.locator('[data-testid="legend"]'), /liver/);
    await waitText(viewer.locator('[data-testid="legend"]'), /spleen/);
    await wb.screenshot('viewer-recognition');
    await viewer.locator('[data-testid="export-button"]').click();
    const folder = path.join(wb.workspace, 'demo', '06_CT_abdomen.png.medimageparse');
    await waitForFile(path.join(folder, 'report.json'));
    const report = JSON.parse(fs.readFileSync(path.join(folder, 'report.json'), 'utf8'));
    assert.equal(report.resultSource, 'demo-reference');
    assert.equal(report.modality.key, 'CT-Abdomen');
    assert.ok(
      report.labels.includes('liver') && report.labels.includes('spleen'),
      `labels: ${report.labels}`,
    );
    for (const f of ['labels.png', 'liver.png', 'overlay.png'])
      assert.ok(report.files.includes(f), `${f} is in the export`);
    const labels = await sharp(path.join(folder, 'labels.png')).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([labels.info.width, labels.info.height], [1024, 1024]);
    const liverLabel = report.labels.indexOf('liver');
    const { inside } = await probePoints(path.join(MASKS, '06_CT_abdomen_liver.png'));
    assert.equal(
      labels.data[(inside.y * 1024 + inside.x) * labels.info.channels],
      liverLabel,
      'the label map has the liver where the reference does',
    );
    const overlay = await sharp(path.join(folder, 'overlay.png')).metadata();
    assert.ok((overlay.width ?? 0) > 0, 'the overlay screenshot is a readable PNG');
    assert.ok(
      fs.existsSync(path.join(wb.workspace, 'demo', '06_CT_abdomen.png')),
      'the source image is untouched',
    );
  });

  it('runs the same flow with the keyboard only', async () => {
    wb = await Workbench.launch('viewer-keyboard', { theme: 'Default Light Modern' });
    await wb.runCommand('MedImageParse: Open Sample Images');
    const viewer = wb.viewer();
    await wb.waitForImage();
    const frame = await wb.viewerFrame();
    const { inside } = await probePoints(path.join(MASKS, '06_CT_abdomen_liver.png'));
    const before = await wb.hook<Rgba>('canvasPixel', inside.x, inside.y);
    const focused = () =>
      frame.evaluate(
        () =>
          document.activeElement?.closest('[data-testid]')?.getAttribute('data-testid') ??
          document.activeElement?.getAttribute('data-testid') ??
          '',
      );
    const tabTo = async (testId: string) => {
      for (let i = 0; i < 60; i++) {
        if ((await focused()) === testId) return;
        await wb.page.keyboard.press('Tab');
      }
      throw new Error(`Tab never reached ${testId} (last focus: ${await focused()})`);
    };
    // Put the keyboard focus into the webview as a user would after opening it.
    await viewer.locator('body').focus();
    await tabTo('prompt-search');
    await wb.page.keyboard.type('liver');
    await tabTo('picker-item-liver');
    await wb.page.keyboard.press('Space');
    await waitText(viewer.locator('[data-testid="prompt-preview"]'), /liver/);
    await tabTo('run-button');
    await wb.page.keyboard.press('Enter');
    await viewer.locator('[data-testid="result-banner"]').waitFor({ timeout: 60_000 });
    const after = await wb.hook<Rgba>('canvasPixel', inside.x, inside.y);
    assert.ok(differs(before, after), 'the liver is coloured after a keyboard-only run');
    await tabTo('legend-visibility-liver');
    await wb.page.keyboard.press('Space');
    await wb.page.waitForTimeout(200);
    const hidden = await wb.hook<Rgba>('canvasPixel', inside.x, inside.y);
    assert.deepEqual(
      hidden.slice(0, 3),
      before.slice(0, 3),
      'Space on the visibility toggle hides the liver',
    );
    await wb.screenshot('viewer-keyboard-light');
  });

  it('browses the slices of a NIfTI volume with the keyboard, from the slider and the image, always showing the last one asked for', async () => {
    wb = await Workbench.launch('viewer-slices');
    await openFromExplorer(wb, 'patient0500_2CH_half_sequence.nii.gz');
    type State = { image: { width: number; height: number; slice?: { index: number; count: number } } };
    const state = () => wb.hook<State>('state');
    const sliceShown = async (index: number) => {
      const end = Date.now() + 20_000;
      while (Date.now() < end) {
        if ((await state()).image.slice?.index === index) return;
        await wb.page.waitForTimeout(100);
      }
      assert.fail(`slice ${index} was never shown; showing ${JSON.stringify((await state()).image.slice)}`);
    };
    const { image } = await state();
    assert.deepEqual(image.slice, { index: 7, count: 15 }, 'the middle slice first');
    // A 5×5 grid over the image: consecutive time points of the echo differ somewhere on it.
    const grid: [number, number][] = [];
    for (let i = 1; i <= 5; i++)
      for (let j = 1; j <= 5; j++)
        grid.push([Math.floor((image.width * i) / 6), Math.floor((image.height * j) / 6)]);
    const drawn = () => Promise.all(grid.map(([x, y]) => wb.hook<Rgba>('canvasPixel', x, y)));
    const middle = await drawn();

    const slider = wb.viewer().locator('[data-testid="slice-slider"]');
    await slider.focus();
    // Faster than the slider settles: only the last position may end up on screen.
    for (let i = 0; i < 7; i++) await wb.page.keyboard.press('ArrowRight');
    await sliceShown(14);
    assert.notDeepEqual(await drawn(), middle, 'another slice is drawn');
    await waitText(wb.viewer().locator('[data-testid="slice-slider"] + output'), '15 / 15');
    await wb.page.keyboard.press('Home');
    await sliceShown(0);
    await wb.page.keyboard.press('ArrowRight');
    await sliceShown(1);
    await wb.page.waitForTimeout(500); // no late, older slice replaces it
    assert.equal((await state()).image.slice?.index, 1);
    await waitText(wb.viewer().locator('[data-testid="slice-slider"] + output'), '2 / 15');
    // From the image itself: PageDown/PageUp step, End/Home jump.
    await wb.viewer().locator('[data-testid="canvas"]').focus();
    await wb.page.keyboard.press('PageDown');
    await wb.page.keyboard.press('PageDown');
    await sliceShown(3);
    await wb.page.keyboard.press('PageUp');
    await sliceShown(2);
    await wb.page.keyboard.press('End');
    await sliceShown(14);
    await wb.page.keyboard.press('Home');
    await sliceShown(0);
    await waitText(wb.viewer().locator('[data-testid="slice-slider"] + output'), '1 / 15');
    await wb.page.keyboard.press('PageDown');
    await sliceShown(1);
    await wb.screenshot('viewer-slices');
  });
});

async function waitForFile(file: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > end) throw new Error(`${file} was not written within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
