import * as assert from 'node:assert/strict';
import { closeAfterEach, Workbench } from './workbench';

/**
 * The extension shows itself where it means something: a window that has not used it shows no
 * status bar item and no activity-bar container; opening a viewer brings both; closing the last
 * viewer takes the status bar item away again but leaves the views (the user may be in History).
 */
describe('Status bar item and activity-bar views in the real workbench', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  const statusItem = () => wb.page.locator('.statusbar-item', { hasText: 'demo' });
  const activityItem = () =>
    wb.page.locator('.activitybar .action-item .action-label[aria-label^="MedImageParse"]');

  it('appear once a viewer opens, not in a window that never used the extension', async () => {
    wb = await Workbench.launch('presence');
    // Long enough for an extension that activated on startup to have shown its item.
    await wb.page.waitForTimeout(5_000);
    assert.equal(await statusItem().count(), 0, 'no status bar item before the extension is used');
    assert.equal(await activityItem().count(), 0, 'no activity-bar container before the extension is used');
    await wb.screenshot('presence-unused');

    await wb.runCommand('MedImageParse: Open Sample Images');
    await wb.waitForImage();
    await statusItem().first().waitFor({ timeout: 30_000 });
    await activityItem().first().waitFor({ timeout: 30_000 });
    await wb.screenshot('presence-viewer-open');

    await wb.runCommand('View: Close All Editors');
    await statusItem().first().waitFor({ state: 'detached', timeout: 30_000 });
    assert.equal(await activityItem().count(), 1, 'the views stay once shown');
  });

  it('show the views where the user configured an endpoint of their own', async () => {
    wb = await Workbench.launch('presence-endpoint', {
      settings: {
        'medimageparse.endpoints': [
          { name: 'mine', url: 'http://127.0.0.1:9/score', protocol: 'azureml', auth: 'none' },
        ],
      },
    });
    await activityItem().first().waitFor({ timeout: 30_000 });
  });
});
