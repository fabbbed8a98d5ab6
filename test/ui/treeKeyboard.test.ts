import * as assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Frame, Locator } from 'playwright-core';
import { startPhantomSliceServer, type PhantomSliceServer } from '../support/phantomSliceServer';
import { openPhantomSeries, viewerShowing, phantomEndpointSettings, sendIfAsked } from './volumeHelpers';
import { closeAfterEach, noteShown, waitText, Workbench } from './workbench';

/**
 * The Targets view's Recognize All, reached by keyboard (the item's context menu), runs in the
 * active viewer as the viewer's own Recognize all does: shown running there, with its Cancel,
 * one run at a time; a Cancel, from the viewer or from the notification, is a note.
 */
describe('Tree item actions by keyboard, and a command run shown in the viewer', () => {
  let wb: Workbench;
  let server: PhantomSliceServer;
  closeAfterEach(() => wb);
  before(async () => {
    server = await startPhantomSliceServer();
  });
  after(() => server.close());

  it("recognizes all from the Targets view's context menu (Shift+F10), shown in the viewer with its Cancel, and a Cancel is a note", async () => {
    wb = await Workbench.launch('tree-keyboard', {
      settings: phantomEndpointSettings(server.url),
    });
    let series = (await openPhantomSeries(wb))!;
    await waitText(series.locator('[data-testid="recognize-button"]'), /Recognize all \(CT-Abdomen\)/);
    server.holdAfter(0);

    // By keyboard: the Targets tree, CT, its abdomen, then the item's context menu.
    await wb.runCommand('Focus on Targets View');
    const targets = wb.page.locator('.pane', { hasText: 'Targets' });
    const focused = targets.locator('.monaco-list-row.focused').first();
    await targets.locator('.monaco-list:focus-within').waitFor({ timeout: 15_000 });
    for (let attempt = 1; !(await focused.isVisible()); attempt++) {
      assert.ok(attempt <= 5, 'the arrow key focuses a Targets row');
      await wb.page.keyboard.press('ArrowDown');
      await focused.waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    await waitText(focused, /^\s*CT\s*$/);
    await wb.page.keyboard.press('ArrowRight'); // expands CT; its sites come a moment later
    await targets.locator('.monaco-list-row[aria-level="2"]', { hasText: 'CT-Abdomen' }).waitFor();
    await wb.page.keyboard.press('ArrowDown');
    await waitText(focused, /abdomen.*CT-Abdomen/);
    await wb.page.keyboard.press('Shift+F10');
    const item = wb.page
      .locator('.monaco-menu .action-label', { hasText: 'Recognize All for This Modality' })
      .first();
    await item.waitFor({ timeout: 10_000 });
    await wb.screenshot('tree-keyboard-targets-menu');
    await pressMenuItem(wb, item);
    await sendIfAsked(wb);

    // The viewer shows it running, as its own Recognize all: status, progress, Cancel, buttons off.
    const toast = wb.page.locator('.notification-toast', { hasText: 'recognize all (CT-Abdomen)' });
    await toast.waitFor({ timeout: 30_000 });
    await waitUntil(() => server.waiting.length > 0, 'the recognition request reaches the endpoint');
    await viewerRunning(series);
    await wb.screenshot('tree-keyboard-recognize-running');

    // Another tab in front, then the viewer again: its webview is made again (not kept while
    // hidden), and shows the run still going, with its Cancel.
    await wb.runCommand('File: New Untitled Text File');
    await wb.page.locator('.tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 15_000 });
    await wb.page.locator('.tab', { hasText: 'synthetic_phantom_ct_series' }).click();
    series = await viewerShowing(wb, /\.dcm$/i);
    await viewerRunning(series);

    // The viewer's Cancel stops it: the notification goes, a note says so, no error.
    await series.locator('[data-testid="cancel-button"]').click();
    await toast.waitFor({ state: 'detached', timeout: 30_000 });
    await viewerCancelled(series);
    await noteShown(wb, /Cancelled: nothing more is sent\./);
    await wb.screenshot('tree-keyboard-recognize-cancelled-in-viewer');

    // Again, by mouse (the row's inline action), cancelled from its notification: a note too.
    await wb.runCommand('Notifications: Clear All Notifications');
    server.release();
    server.reset();
    server.holdAfter(0);
    const abdomen = targets.locator('.monaco-list-row', { hasText: 'CT-Abdomen' }).first();
    await abdomen.hover();
    await abdomen.locator('.action-label[aria-label="Recognize All for This Modality"]').click();
    await toast.waitFor({ timeout: 30_000 });
    await waitUntil(() => server.waiting.length > 0, 'the second recognition reaches the endpoint');
    await viewerRunning(series);
    await toast.hover();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await viewerCancelled(series);
    await noteShown(wb, /Cancelled: nothing more is sent\./);
    await wb.screenshot('tree-keyboard-recognize-cancelled');
    server.release();
  });

  it("tests an endpoint from the Endpoints view's context menu (Shift+F10), and its Cancel is a note that leaves the endpoint's status alone", async () => {
    // An endpoint that never answers: the test waits until the user cancels.
    const waiting: ServerResponse[] = [];
    const silent = createServer((_req, res) => waiting.push(res));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/score`;
    try {
      wb = await Workbench.launch('tree-keyboard-endpoint', {
        settings: {
          'medimageparse.endpoints': [{ name: 'silent-loopback', url, protocol: 'azureml', auth: 'none' }],
        },
      });
      const endpoints = wb.page.locator('.pane', { hasText: 'Endpoints' });
      // Right after launch the view may not take the focus yet: asked again.
      for (let attempt = 1; ; attempt++) {
        await wb.runCommand('Focus on Endpoints View');
        const inTree = await endpoints
          .locator('.monaco-list:focus-within')
          .waitFor({ timeout: 5_000 })
          .then(() => true)
          .catch(() => false);
        if (inTree) break;
        assert.ok(attempt < 4, 'the Endpoints view takes the focus');
      }
      const focused = endpoints.locator('.monaco-list-row.focused').first();
      for (
        let n = 0;
        n < 6 && !/silent-loopback/.test((await focused.textContent().catch(() => '')) ?? '');
        n++
      ) {
        await wb.page.keyboard.press('ArrowDown');
        await wb.page.waitForTimeout(200);
      }
      await waitText(focused, /silent-loopback/);
      await wb.page.keyboard.press('Shift+F10');
      const menu = wb.page.locator('.monaco-menu');
      await waitText(menu.locator('.action-label'), /Select Active Endpoint…/);
      await wb.screenshot('tree-keyboard-endpoint-menu');
      await pressMenuItem(wb, menu.locator('.action-label', { hasText: 'Test Endpoint' }).first());
      const toast = wb.page.locator('.notification-toast', { hasText: "Testing endpoint 'silent-loopback'" });
      await toast.waitFor({ timeout: 30_000 });
      await waitUntil(() => waiting.length > 0, 'the test request reaches the endpoint');
      await toast.hover();
      await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
      await noteShown(wb, /Cancelled: nothing more is sent\./);
      // The endpoint is not marked as failing: the user stopped the test, the endpoint did not fail.
      await wb.page.waitForTimeout(500);
      assert.doesNotMatch(
        (await endpoints.locator('.monaco-list-row', { hasText: 'silent-loopback' }).textContent()) ?? '',
        /fail|error|cancel/i,
      );
      await wb.screenshot('tree-keyboard-endpoint-cancelled');
    } finally {
      for (const res of waiting) res.destroy();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });
});

async function viewerRunning(series: Frame): Promise<void> {
  // "Asking 'phantom-loopback' for 19 targets…": the host's progress, in the viewer too.
  await waitText(series.locator('[data-testid="run-status"]'), /Asking 'phantom-loopback' for \d+ targets/);
  assert.ok(await series.locator('[data-testid="run-progress"]').isVisible(), "the viewer's progress bar");
  assert.ok(await series.locator('[data-testid="cancel-button"]').isVisible(), "the viewer's Cancel");
  for (const button of ['run-button', 'recognize-button', 'volume-run-button'])
    assert.equal(await disabled(series, button), true, `${button} is off while it runs`);
}

async function viewerCancelled(series: Frame): Promise<void> {
  await waitText(series.locator('[data-testid="run-status"]'), /^Cancelled: nothing more is sent\.$/);
  assert.equal(await series.locator('[data-testid="error-area"]').isVisible(), false, 'no error box');
  assert.equal(await disabled(series, 'recognize-button'), false, 'Recognize all is on again');
}

const disabled = (frame: Frame, testId: string) =>
  frame
    .locator(`[data-testid="${testId}"]`)
    .evaluate((e) => (e as HTMLElement & { disabled: boolean }).disabled);

async function waitUntil(ok: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
  assert.ok(ok(), what);
}

/** Chooses a context menu item with the keyboard: arrows down to it, then Enter. */
async function pressMenuItem(wb: Workbench, item: Locator): Promise<void> {
  const focused = () =>
    item.evaluate((e) => !!e.closest('.action-item')?.classList.contains('focused')).catch(() => false);
  for (let n = 0; n < 12 && !(await focused()); n++) await wb.page.keyboard.press('ArrowDown');
  assert.ok(await focused(), 'the arrow keys reach the menu item');
  await wb.page.keyboard.press('Enter');
}
