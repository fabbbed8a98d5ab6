import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { closeAfterEach, waitText, Workbench } from './workbench';

/** Moves a mask PNG by (dx, dy) pixels in place: a ground truth that differs from the demo's answer. */
async function shiftMask(file: string, dx: number, dy: number): Promise<void> {
  const { data, info } = await sharp(file).greyscale().raw().toBuffer({ resolveWithObject: true });
  const out = Buffer.alloc(info.width * info.height);
  for (let y = 0; y < info.height; y++)
    for (let x = 0; x < info.width; x++) {
      const sx = x - dx;
      const sy = y - dy;
      if (sx >= 0 && sy >= 0 && sx < info.width && sy < info.height)
        out[y * info.width + x] = data[sy * info.width + sx];
    }
  const png = await sharp(out, { raw: { width: info.width, height: info.height, channels: 1 } })
    .toColourspace('b-w')
    .png()
    .toBuffer();
  fs.writeFileSync(file, png);
}

describe('Evaluate against ground truth in the real workbench', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('evaluates Parse Folder results from the explorer, shows the report, and compares in the viewer', async () => {
    wb = await Workbench.launch('evaluate');
    const page = wb.page;
    // The liver's ground truth 14 pixels right and 8 down of the demo endpoint's answer.
    await shiftMask(path.join(wb.workspace, 'demo_mask', '06_CT_abdomen_liver.png'), 14, 8);

    const folderMenu = async (folder: RegExp, item: string) => {
      await page
        .locator('.explorer-folders-view .monaco-list-row', { hasText: folder })
        .first()
        .click({ button: 'right' });
      await page.locator('.monaco-menu .action-label', { hasText: item }).hover();
      await page.keyboard.press('Enter');
    };
    await folderMenu(/^demo$/, 'Parse Folder with MedImageParse');
    await page.locator('.quick-input-widget input.input').waitFor();
    await wb.pickInQuickPick('liver');
    await waitText(page.locator('.notification-toast', { hasText: 'Parse Folder:' }), /6 parsed/, 120_000);
    await page
      .locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close')
      .first()
      .click()
      .catch(() => undefined);

    // Evaluate the results in demo/ against demo_mask/, the truth chosen in the folder dialog.
    await folderMenu(/^demo$/, 'Evaluate Against Ground Truth');
    const input = page.locator('.quick-input-widget input.input');
    await waitText(page.locator('.quick-input-widget'), /ground-truth folder/);
    await input.fill(path.join(wb.workspace, 'demo_mask') + '/');
    await page.waitForTimeout(800);
    await page.keyboard.press('Enter');
    // Enter accepts the folder typed; if the simple dialog only opened it, its button accepts it.
    await page
      .locator('.quick-input-widget .monaco-button', { hasText: 'Use This Ground Truth' })
      .click({ timeout: 3_000 })
      .catch(() => undefined);
    await waitText(page.locator('.tabs-container'), /Evaluation: demo/, 60_000);
    const report = page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
    await waitText(report.locator('h1'), /evaluation against ground truth/);
    await waitText(report.locator('body'), /06_CT_abdomen\.png/);
    await report.locator('img[alt="06_CT_abdomen.png liver"]').waitFor();
    await wb.screenshot('evaluate-report');
    const dir = path.join(wb.workspace, 'demo', 'medimageparse-evaluation');
    const csv = fs.readFileSync(path.join(dir, 'metrics.csv'), 'utf8').split('\n');
    const liver = csv.find((l) => l.startsWith('06_CT_abdomen.png,liver,'));
    assert.ok(liver, csv.join('\n'));
    const dice = Number(liver.split(',')[2]);
    assert.ok(dice > 0.5 && dice < 1, liver);

    // The viewer of the same image: Compare with ground truth colours TP/FP/FN, Dice in the legend.
    await wb.expandFolder('demo');
    await wb.explorerRow('06_CT_abdomen.png').click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: 'Parse with MedImageParse' }).hover();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget input.input').waitFor();
    await wb.pickInQuickPick('liver');
    const viewer = wb.viewer();
    await viewer.locator('[data-testid="result-banner"]').waitFor({ timeout: 60_000 });
    const toggle = viewer.locator('[data-testid="compare-toggle"]');
    await toggle.waitFor({ state: 'visible', timeout: 30_000 });
    await toggle.click();
    await waitText(viewer.locator('[data-testid="compare-key"]'), /red: predicted only/);
    const legend = await waitText(viewer.locator('[data-testid="legend"]'), /Dice 0\.\d{3}/);
    assert.match(legend, new RegExp(`Dice ${dice.toFixed(3)}`), 'the same Dice as the evaluation');
    const state = await wb.hook<{ compare: { available: boolean; on: boolean } }>('state');
    assert.deepEqual(state.compare, { available: true, on: true });
    await wb.screenshot('evaluate-compare');
  });
});
