import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { closeAfterEach, waitText, Workbench } from './workbench';

describe('Parse Folder on a Batch Endpoint in the real workbench', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('prepares a folder from the explorer menu and shows the az ml batch-endpoint invoke command', async () => {
    wb = await Workbench.launch('batch-endpoint');
    const page = wb.page;
    const folder = page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'demo' }).first();
    await folder.click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: 'Parse Folder on a Batch Endpoint' }).hover();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget input.input').waitFor();
    await wb.pickInQuickPick('liver');
    // The demo profile names no batch endpoint: the name is asked for.
    await waitText(page.locator('.quick-input-widget'), /Name of the Azure ML batch endpoint/);
    await page.locator('.quick-input-widget input.input').fill('mip-batch-demo');
    await page.keyboard.press('Enter');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: 'Prepared' });
    await toast.waitFor({ timeout: 120_000 });
    const out = path.join(wb.workspace, 'demo-batch-input');
    await waitText(toast, /az ml batch-endpoint invoke --name mip-batch-demo --input/);
    await wb.screenshot('batch-endpoint-prepared');
    assert.ok(fs.existsSync(path.join(out, 'manifest.json')));
    assert.ok(fs.existsSync(path.join(out, 'batch_input_001.csv')));
  });
});
