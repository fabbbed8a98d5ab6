import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { maskBase64, startFaultServer, type FaultServer } from '../support/faultServer';
import { closeAfterEach, waitText, Workbench } from './workbench';

/** Probes that would run script if any of them reached innerHTML. */
const FILE_PROBE = '<img src=x onerror=window.__pwned=1>.png';
const PROMPT_PROBE = '<script>window.__pwned=2</script>';
const LABEL_PROBE = '<img src=y onerror=window.__pwned=3>';

/** An endpoint answer whose text_features carry the probe. */
function answerWithProbeLabels(prompts: number): string {
  const image_features = JSON.stringify({
    data: maskBase64(prompts, 1024, 1024),
    shape: [prompts, 1024, 1024],
    dtype: 'uint8',
  });
  return JSON.stringify([
    { image_features, text_features: [LABEL_PROBE, ...Array(prompts - 1).fill('<b>label</b>')] },
  ]);
}

describe('Safety and endpoints in the real workbench', () => {
  let wb: Workbench;
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer();
  });
  after(() => server.close());
  closeAfterEach(() => wb);

  it('asks once per endpoint before sending, and keeps script probes in file names, prompts and labels inert', async () => {
    wb = await Workbench.launch('safety', {
      settings: {
        'medimageparse.endpoints': [
          { name: 'loopback', url: `${server.url}/score`, protocol: 'azureml', auth: 'none' },
        ],
        'medimageparse.activeEndpoint': 'loopback',
      },
    });
    const page = wb.page;
    let dialogs = 0;
    page.on('dialog', (d) => {
      dialogs++;
      void d.dismiss();
    });
    fs.copyFileSync(
      path.join(wb.workspace, 'demo', '06_CT_abdomen.png'),
      path.join(wb.workspace, FILE_PROBE),
    );
    // No file is active: the command asks for one through VS Code's own file dialog.
    await wb.runCommand('MedImageParse: Open in MedImageParse Viewer');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: 'onerror=window.__pwned=1' });
    await row.waitFor({ timeout: 30_000 });
    await row.click();
    // Choosing the row fills the path; Enter accepts it (if the click has not already).
    if (await page.locator('.quick-input-widget').isVisible()) await page.keyboard.press('Enter');
    await wb.waitForImage();
    const viewer = wb.viewer();
    await waitText(viewer.locator('[data-testid="file-name"]'), FILE_PROBE);

    await viewer.locator('[data-testid="picker-item-liver"]').click();
    await viewer
      .locator('[data-testid="free-text-input"]')
      .locator('input')
      .fill(PROMPT_PROBE)
      .catch(async () => {
        await viewer.locator('[data-testid="free-text-input"]').fill(PROMPT_PROBE);
      });
    await viewer.locator('[data-testid="free-text-add"]').click();
    await waitText(viewer.locator('[data-testid="prompt-preview"]'), PROMPT_PROBE);
    await waitText(viewer.locator('[data-testid="off-list-note"]'), /recommended/i);

    server.enqueue({ type: 'body', body: answerWithProbeLabels(2), contentType: 'application/json' });
    const before = server.requests.length;
    await viewer.locator('[data-testid="run-button"]').click();
    // The first request to a real endpoint from this workspace: what leaves the machine, confirmed once.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    await waitText(dialog, /1024×1024 PNG of pixel values/);
    await waitText(dialog, /research use only/i);
    // A PNG has no DICOM tags: the dialog says names or dates in its pixels would be sent too.
    await waitText(dialog, /no DICOM tags, so nothing marks text burned into it/);
    await wb.screenshot('safety-confirmation');
    await dialog.locator('.monaco-button', { hasText: 'Send' }).click();
    await waitText(viewer.locator('[data-testid="legend"]'), LABEL_PROBE, 60_000);
    assert.equal(server.requests.length, before + 1);
    assert.deepEqual(server.requests[before].rows[0].prompts.sort(), ['liver', PROMPT_PROBE].sort());
    await wb.screenshot('safety-probes-inert');

    const frame = await wb.viewerFrame();
    const pwned = await frame.evaluate(() => (window as unknown as { __pwned?: number }).__pwned);
    assert.equal(pwned, undefined, 'no probe ran in the webview');
    assert.equal(
      await frame.evaluate(
        () =>
          [...document.querySelectorAll('img[src="x"], img[src="y"], script')].filter(
            (e) => e.tagName !== 'SCRIPT' || (e.textContent ?? '').includes('__pwned'),
          ).length,
      ),
      0,
      'no probe became an element',
    );
    assert.equal(
      await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned),
      undefined,
      'no probe ran in the workbench',
    );
    assert.equal(dialogs, 0, 'no alert or prompt was opened');

    // Confirmed once per endpoint: the second run goes straight out.
    server.enqueue({ type: 'body', body: answerWithProbeLabels(2), contentType: 'application/json' });
    await viewer.locator('[data-testid="run-button"]').click();
    const end = Date.now() + 30_000;
    while (server.requests.length < before + 2 && Date.now() < end) await page.waitForTimeout(100);
    assert.equal(server.requests.length, before + 2, 'the second run was sent without asking again');
    assert.equal(await dialog.isVisible(), false);
    await waitText(viewer.locator('[data-testid="run-status"]'), /Done/);

    // A slow endpoint: Cancel stops the run at once, and the viewer is ready for the next one.
    server.enqueue({ type: 'slow', delayMs: 60_000 });
    await viewer.locator('[data-testid="run-button"]').click();
    await viewer.locator('[data-testid="cancel-button"]').waitFor();
    await page.waitForTimeout(500);
    const cancelledAt = Date.now();
    await viewer.locator('[data-testid="cancel-button"]').click();
    await waitText(viewer.locator('[data-testid="run-status"]'), /Cancelled/, 10_000);
    assert.equal(
      await viewer.locator('[data-testid="error-area"]').isVisible(),
      false,
      'a cancel is not shown as a failure',
    );
    assert.ok(
      Date.now() - cancelledAt < 10_000,
      'the cancel took effect within seconds, not after the timeout',
    );
    const runDisabled = await viewer
      .locator('[data-testid="run-button"]')
      .evaluate((b) => (b as HTMLElement & { disabled: boolean }).disabled);
    assert.equal(runDisabled, false, 'Run is available again after a cancel');
    await wb.screenshot('safety-cancelled');
  });

  it('adds an endpoint with a key through the wizard, never shows the key, selects it and tests it; says plainly that the browser workbench forgets it on reload', async () => {
    wb = await Workbench.launch('add-endpoint');
    const page = wb.page;
    const key = 'wizard-key-0123456789abcdef';
    const input = page.locator('.quick-input-widget input.input');
    const answer = async (text: string) => {
      await input.waitFor();
      await input.fill(text);
      await page.keyboard.press('Enter');
    };
    const choose = async (label: string) => {
      await page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first().waitFor();
      await input.fill(label);
      await page.keyboard.press('Enter');
    };
    await wb.runCommand('MedImageParse: Add Endpoint…');
    await answer('loopback-wizard');
    await choose('Azure Machine Learning online endpoint');
    // http to anything but this machine is refused while typing.
    await input.fill('http://example.org/score');
    await waitText(page.locator('.quick-input-message'), /refusing plain http/);
    await answer(`${server.url}/score`);
    // Each answer waits for its own step: Enter pressed before a step appears would go to the last one.
    const title = page.locator('.quick-input-title, .quick-input-header');
    await waitText(title, /Step 4\/6/);
    await answer(''); // no deployment
    await waitText(title, /Step 5\/6/);
    await choose('Endpoint key');
    // Step 6, the last: the key, in a step whose title says so.
    await waitText(
      page.locator('.quick-input-title, .quick-input-header'),
      /Step 6\/6: key for 'loopback-wizard'/,
    );
    assert.equal(await input.getAttribute('type'), 'password', 'the key is typed into a password field');
    // A browser workbench may not keep the key: said at the key step, before it is typed.
    await waitText(
      page.locator('.quick-input-widget .quick-input-message, .quick-input-widget .quick-input-description'),
      /browser workbench the key may be kept only until Reload Window/,
    );
    await answer(key);
    const toast = page.locator('.notification-toast', {
      hasText: "Endpoint 'loopback-wizard' added and selected.",
    });
    await toast.waitFor({ timeout: 20_000 });
    await page.locator('.statusbar-item', { hasText: 'loopback-wizard' }).first().waitFor();
    server.requests.length = 0;
    await toast.locator('.monaco-button', { hasText: 'Test Now' }).click();
    await page
      .locator('.notification-toast', { hasText: /Endpoint 'loopback-wizard' answered in \d+ ms/ })
      .waitFor({ timeout: 30_000 });
    assert.ok(
      server.requests[0]?.headers.authorization === `Bearer ${key}`,
      'the test request carried the key',
    );
    await wb.screenshot('add-endpoint-tested');
    const settings = fs.readFileSync(wb.server.settingsFile, 'utf8');
    assert.ok(settings.includes('loopback-wizard'), 'the endpoint is in the user settings');
    assert.ok(!settings.includes(key), 'the key is not');
    assert.equal(await page.getByText(key).count(), 0, 'the key is shown nowhere in the workbench');

    // The browser workbench (code-server) keeps secrets in memory only: after Reload Window the
    // key is gone. The user was told at key entry, and is told plainly again when setting it.
    // The endpoint lives in user settings only, so the reloaded window starts the extension on
    // the next command rather than at startup.
    await wb.reloadWindow(null);
    server.requests.length = 0;
    await wb.runCommand('MedImageParse: Test Endpoint');
    const noKey = page.locator('.notification-toast', {
      hasText: "Endpoint 'loopback-wizard' has no key yet",
    });
    await noKey.waitFor({ timeout: 30_000 });
    assert.equal(server.requests.length, 0, 'nothing is sent without the key');
    await noKey.locator('.monaco-button', { hasText: 'Set Key' }).click();
    await waitText(
      page.locator('.quick-input-widget .quick-input-message, .quick-input-widget .quick-input-description'),
      /This workbench does not keep keys: after Reload Window/,
    );
    await wb.screenshot('add-endpoint-key-not-kept');
    await answer(key);
    await page.locator('.notification-toast', { hasText: "Key for 'loopback-wizard' saved" }).waitFor();
    await wb.runCommand('MedImageParse: Test Endpoint');
    await page
      .locator('.notification-toast', { hasText: /Endpoint 'loopback-wizard' answered in \d+ ms/ })
      .waitFor({ timeout: 30_000 });
    assert.equal(server.requests.at(-1)?.headers.authorization, `Bearer ${key}`);
  });
});
