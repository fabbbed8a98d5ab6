import * as assert from 'node:assert/strict';
import type { Frame, Locator } from 'playwright-core';
import { startPhantomSliceServer, type PhantomSliceServer } from '../support/phantomSliceServer';
import { openPhantomSeries, sliceShown, state, phantomEndpointSettings, sendIfAsked } from './volumeHelpers';
import { closeAfterEach, waitText, Workbench } from './workbench';

/** Whether a toolkit button of the viewer is off. */
const disabled = (frame: Frame, testId: string) =>
  frame
    .locator(`[data-testid="${testId}"]`)
    .evaluate((e) => (e as HTMLElement & { disabled: boolean }).disabled);

async function waitCount(rows: Locator, n: number, what: string): Promise<void> {
  const end = Date.now() + 30_000;
  while ((await rows.count()) !== n && Date.now() < end) await new Promise((r) => setTimeout(r, 150));
  assert.equal(await rows.count(), n, what);
}

describe('Run Again of a single-slice result from the History view', () => {
  let wb: Workbench;
  let server: PhantomSliceServer;
  closeAfterEach(() => wb);
  before(async () => {
    server = await startPhantomSliceServer();
  });
  after(() => server.close());

  it("runs in the series' viewer on the slice the result was made on, shown running with its Cancel and Run buttons off, refuses a second Run Again, then shows the new result", async () => {
    wb = await Workbench.launch('image-rerun', {
      settings: phantomEndpointSettings(server.url),
    });
    const series = (await openPhantomSeries(wb))!;
    await series.locator('[data-testid="picker-item-liver"]').click();
    // A slice with liver on it, parsed on its own with the viewer's Run.
    const k0 = 16;
    await series.locator('[data-testid="canvas"]').focus();
    for (let k = (await state(series)).image!.slice!.index; k > k0; k--)
      await wb.page.keyboard.press('PageUp');
    await sliceShown(series, k0);
    await series.locator('[data-testid="run-button"]').click();
    await sendIfAsked(wb);
    await waitText(series.locator('[data-testid="run-status"]'), /^Done: 1 target\./, 60_000);
    assert.deepEqual(
      server.requests.map((r) => [r.slice, r.prompts]),
      [[k0, ['liver']]],
      'the first run sent the one slice',
    );
    const first = server.requests[0];
    const firstId = (await state(series)).result!.id;

    // Another slice on screen meanwhile: Run Again goes back to the result's.
    for (let k = k0; k > k0 - 4; k--) await wb.page.keyboard.press('PageUp');
    await sliceShown(series, k0 - 4);

    await wb.runCommand('Focus on History View');
    const history = wb.page.locator('.pane', { hasText: 'History' });
    const rows = history.locator('.monaco-list-row', { hasText: 'liver ·' });
    await waitCount(rows, 1, 'History lists the slice result');

    // Run Again, held at the endpoint so that the run is seen in progress.
    server.reset();
    server.holdAfter(0);
    const again = rows.first().locator('.action-label[aria-label="Run Again"]');
    await rows.first().hover();
    await again.waitFor({ timeout: 10_000 });
    await again.click();
    const toast = wb.page.locator('.notification-toast', { hasText: 'running again on' });
    await toast.waitFor({ timeout: 30_000 });
    const end = Date.now() + 30_000;
    while (server.waiting.length === 0 && Date.now() < end) await wb.page.waitForTimeout(100);
    assert.deepEqual(server.waiting, [k0], "the request for the result's slice is at the endpoint");
    // The viewer shows it as its own run: on that slice, with its Cancel, and its Run buttons off.
    await sliceShown(series, k0);
    assert.ok(await series.locator('[data-testid="cancel-button"]').isVisible(), "the viewer's Cancel");
    for (const button of ['run-button', 'recognize-button'])
      assert.equal(await disabled(series, button), true, `${button} is off while Run Again runs`);
    await wb.screenshot('image-rerun-progress');

    // A second Run Again meanwhile starts nothing: a note says why.
    await rows.first().hover();
    await again.click();
    await waitText(
      wb.page.locator('.notification-toast .notification-list-item-message'),
      /A run is already in progress in the viewer of synthetic_phantom_ct_series: wait for it to finish, or cancel it there\./,
    );
    await wb.page.waitForTimeout(1_000);
    assert.deepEqual(server.received, [k0], 'the second Run Again sent nothing');
    await wb.screenshot('image-rerun-second-refused');

    // Answered: the viewer shows the new result, made of the same model input, and History has both.
    server.release();
    await waitText(series.locator('[data-testid="run-status"]'), /^Done: 1 target\./, 60_000);
    const s = await state(series);
    assert.notEqual(s.result?.id, firstId, 'the new result is on screen');
    assert.equal(s.image?.slice?.index, k0);
    assert.deepEqual(
      server.requests.map((r) => [r.slice, r.prompts, r.imageSha256]),
      [[k0, ['liver'], first.imageSha256]],
      'Run Again sent the same slice, prompts and image bytes',
    );
    assert.equal(await disabled(series, 'run-button'), false, 'Run is on again');
    await waitCount(rows, 2, 'History holds both runs');
    await wb.screenshot('image-rerun-done');
  });
});
