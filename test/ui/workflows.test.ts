import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Locator } from 'playwright-core';
import { closeAfterEach, waitText, Workbench } from './workbench';

/** A row of a tree in the side bar, by its label. */
function treeRow(wb: Workbench, label: string): Locator {
  return wb.page.locator('.monaco-list-row', { hasText: label }).first();
}

describe('Workflows in the real workbench', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('parses from the explorer context menu, lists the result in History, and restores it after a reload', async () => {
    wb = await Workbench.launch('workflow-explorer');
    const page = wb.page;
    await wb.expandFolder('demo');
    await wb.explorerRow('15_X-Ray_chest.png').click({ button: 'right' });
    // Monaco menus act on the highlighted entry: hover it, then Enter, as keyboard users do.
    await page.locator('.monaco-menu .action-label', { hasText: 'Parse with MedImageParse' }).hover();
    await page.keyboard.press('Enter');
    // The quick pick of recommended targets, suggested for X-Ray · chest from the file name.
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor();
    await waitText(page.locator('.quick-input-title'), /X-Ray/);
    await wb.pickInQuickPick('left lung');
    // The viewer opens with the result (reference annotations from the demo endpoint).
    const viewer = wb.viewer();
    await viewer.locator('[data-testid="result-banner"]').waitFor({ timeout: 60_000 });
    await waitText(viewer.locator('[data-testid="legend"]'), /left lung/);
    await wb.screenshot('workflow-explorer-parse');

    // History lists it.
    await wb.runCommand('Focus on History View');
    await waitText(page.locator('.pane', { hasText: 'History' }), /15_X-Ray_chest\.png/);
    await waitText(page.locator('.pane', { hasText: 'Endpoints' }), /demo.*active/);
    // Targets: choosing one adds it to the active viewer's prompts.
    await wb.runCommand('Focus on Targets View');
    await treeRow(wb, 'X-Ray').click();
    await page.locator('.monaco-list-row[aria-level="2"]', { hasText: 'chest' }).first().click();
    await page.locator('.monaco-list-row[aria-level="3"]', { hasText: 'left lung' }).first().click();
    await waitText(wb.viewer().locator('[data-testid="prompt-preview"]'), /left lung/);
    await wb.screenshot('workflow-side-panel');

    // After a reload of the window the History entry and the open viewer come back, without a new run.
    await wb.reloadWindow();
    await wb.viewer().locator('[data-testid="result-banner"]').waitFor({ timeout: 60_000 });
    await waitText(wb.viewer().locator('[data-testid="legend"]'), /left lung/);
    await wb.runCommand('Focus on History View');
    await waitText(page.locator('.pane', { hasText: 'History' }), /15_X-Ray_chest\.png/);
    await wb.screenshot('workflow-after-reload');

    // Delete from History asks first, then the entry is gone (exports, if any, are kept).
    const historyRow = page
      .locator('.pane', { hasText: 'History' })
      .locator('.monaco-list-row', { hasText: '15_X-Ray_chest.png' });
    await historyRow.hover();
    await historyRow.locator('.action-label.codicon-trash').click();
    const dialog = page.locator('.monaco-dialog-box');
    await waitText(dialog, /Delete this result/);
    await dialog.locator('.monaco-button', { hasText: 'Delete' }).click();
    await waitText(page.locator('.pane', { hasText: 'History' }), /No parses yet/);
  });

  it('parses a folder from the explorer with a summary, and a second run resumes without redoing images', async () => {
    wb = await Workbench.launch('workflow-folder');
    const page = wb.page;
    const parseFolder = async () => {
      await wb.explorerRow('demo').click({ button: 'right' });
      await page
        .locator('.monaco-menu .action-label', { hasText: 'Parse Folder with MedImageParse' })
        .hover();
      await page.keyboard.press('Enter');
      const input = page.locator('.quick-input-widget input.input');
      await input.waitFor();
      await wb.pickInQuickPick('liver');
    };
    await parseFolder();
    const toast = page.locator('.notification-toast', { hasText: 'Parse Folder:' });
    await waitText(toast, /6 parsed, 0 already done, 0 failed/, 120_000);
    const summary = fs
      .readFileSync(path.join(wb.workspace, 'demo', 'medimageparse-summary.csv'), 'utf8')
      .trim()
      .split('\n');
    assert.equal(summary.length, 1 + 6, 'one row per image for one target');
    assert.ok(summary.some((l) => l.startsWith('06_CT_abdomen.png,parsed,liver,')));
    assert.ok(
      fs.existsSync(path.join(wb.workspace, 'demo', '06_CT_abdomen.png.medimageparse', 'liver.png')),
      'exports next to each image',
    );
    await wb.screenshot('workflow-folder-done');
    await page
      .locator('.notification-toast .codicon-notifications-clear, .notification-toast .codicon-close')
      .first()
      .click()
      .catch(() => undefined);
    await parseFolder();
    await waitText(
      page.locator('.notification-toast', { hasText: 'Parse Folder:' }),
      /0 parsed, 6 already done, 0 failed/,
      120_000,
    );
  });

  it('recognizes all objects from the explorer with the modality suggested from the file name', async () => {
    wb = await Workbench.launch('workflow-recognize');
    const page = wb.page;
    await wb.expandFolder('demo');
    await wb.explorerRow('06_CT_abdomen.png').click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: 'Recognize All Objects' }).hover();
    await page.keyboard.press('Enter');
    await waitText(page.locator('.quick-input-list .monaco-list-row').first(), /CT-Abdomen.*suggested/);
    await page.keyboard.press('Enter');
    await waitText(wb.viewer().locator('[data-testid="legend"]'), /liver/, 90_000);
    await waitText(
      wb.viewer().locator('[data-testid="result-summary"], [data-testid="result-banner"]'),
      /Recognition|reference annotations/i,
    );
  });

  it('keeps viewing but blocks sending in Restricted Mode, and says why', async () => {
    wb = await Workbench.launch('workflow-restricted', {
      settings: {
        'security.workspace.trust.enabled': true,
        'security.workspace.trust.startupPrompt': 'never',
      },
    });
    await wb.runCommand('MedImageParse: Open Sample Images');
    await wb.waitForImage();
    const viewer = wb.viewer();
    await viewer.locator('[data-testid="picker-item-liver"]').click();
    await waitText(viewer.locator('[data-testid="run-disabled-reason"]'), /Restricted Mode/);
    const disabled = await viewer
      .locator('[data-testid="run-button"]')
      .evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled);
    assert.equal(disabled, true, 'Run is disabled in Restricted Mode');
    await wb.screenshot('workflow-restricted');
  });
});
