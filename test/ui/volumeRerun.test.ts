import * as assert from 'node:assert/strict';
import type { Frame, Locator } from 'playwright-core';
import {
  startPhantomSliceServer,
  type PhantomSliceRequest,
  type PhantomSliceServer,
} from '../support/phantomSliceServer';
import { PHANTOM_DIMS, phantomLabels } from '../../src/demo/phantom';
import {
  openPhantomSeries,
  sliceShown,
  state,
  type VolumeState,
  phantomEndpointSettings,
  sendIfAsked,
} from './volumeHelpers';
import { closeAfterEach, noteShown, waitText, Workbench } from './workbench';

/** Slices 12–21 as the viewer counts them (from 1): 11–20 of the model's 0-based slices. */
const FIRST = 12;
const LAST = 21;
const RANGE = Array.from({ length: LAST - FIRST + 1 }, (_, n) => FIRST - 1 + n);
/** Both present on those slices (the phantom's liver is on slices 11–45, its right kidney on 6–26). */
const TARGETS = ['liver', 'right kidney'];
/** Not the window the phantom's site follows (abdomen): a Run Again without it sends other bytes. */
const CT_WINDOW = 'lung';

const [NI, NJ, NK] = PHANTOM_DIMS;

/** Voxels of the phantom's `label` on the slices `k` where `on(k)` holds. */
function voxels(label: number, on: (k: number) => boolean): number {
  const labels = phantomLabels();
  let n = 0;
  for (let k = 0; k < NK; k++)
    if (on(k)) for (let v = NI * NJ * k; v < NI * NJ * (k + 1); v++) if (labels[v] === label) n++;
  return n;
}
const inRange = (k: number) => k >= RANGE[0] && k <= RANGE.at(-1)!;

async function waitState(frame: Frame, ok: (s: VolumeState) => boolean, what: string, ms = 30_000) {
  const end = Date.now() + ms;
  let s = await state(frame);
  while (!ok(s) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    s = await state(frame).catch(() => s);
  }
  assert.ok(ok(s), `${what}; state: ${JSON.stringify({ image: s.image, volume: s.volume }).slice(0, 900)}`);
  return s;
}

/**
 * Picks an option of a toolkit list (vscode-single-select) as a user does: a click opens it, a
 * click on the option's label picks it. Checked by the list's value, retried when a click landed
 * while the list was still opening.
 */
async function pick(frame: Frame, testId: string, value: string, label: RegExp): Promise<void> {
  const select = frame.locator(`[data-testid="${testId}"]`);
  for (let attempt = 1; ; attempt++) {
    await select.click();
    const option = select.locator('li.option', { hasText: label }).first();
    await option.waitFor({ timeout: 5_000 }).catch(() => undefined);
    if (await option.isVisible().catch(() => false)) await option.click();
    const now = await select.evaluate((e) => (e as HTMLElement & { value: string }).value);
    if (now === value) return;
    if (attempt === 4) assert.fail(`could not pick ${label} in ${testId} (its value is '${now}')`);
    await frame.page().keyboard.press('Escape');
  }
}

/** The requests of a run, one per slice, in slice order (the concurrency shuffles their arrival). */
const bySlice = (server: PhantomSliceServer) => [...server.requests].sort((a, b) => a.slice - b.slice);

/** A run sent what the first run sent: the same slices, each with the same prompts and image bytes. */
function sameRequests(server: PhantomSliceServer, first: PhantomSliceRequest[], what: string): void {
  const again = bySlice(server);
  assert.deepEqual(
    again.map((r) => r.slice + 1),
    first.map((r) => r.slice + 1),
    `${what}: the slices asked for (counted from 1)`,
  );
  again.forEach((r, n) => {
    assert.deepEqual(r.prompts, first[n].prompts, `${what}: the prompts of slice ${r.slice + 1}`);
    assert.equal(
      r.imageSha256,
      first[n].imageSha256,
      `${what}: the image sent for slice ${r.slice + 1} (model input: CT window, size)`,
    );
  });
}

type Figures = NonNullable<VolumeState['volume']>['targets'];

describe('Run Again of a volume result from the History view', () => {
  let wb: Workbench;
  let server: PhantomSliceServer;
  closeAfterEach(() => wb);
  before(async () => {
    server = await startPhantomSliceServer();
  });
  after(() => server.close());

  it('runs a slice range with a chosen CT window again from the History item, by mouse and by keyboard, sending the same slices, prompts and image bytes, shown in the viewer as its own run (one at a time, cancellable there), and continues after a cancel', async () => {
    wb = await Workbench.launch('volumes-rerun', {
      settings: phantomEndpointSettings(server.url),
    });
    const series = (await openPhantomSeries(wb))!;
    for (const target of TARGETS)
      await series.locator(`[data-testid="picker-item-${target.replace(' ', '-')}"]`).click();

    // The lung window instead of the abdomen's, and slices 12–21 of 48.
    await pick(series, 'ct-window-select', CT_WINDOW, new RegExp(`^\\s*${CT_WINDOW}\\s*$`));
    await pick(series, 'volume-slices-select', 'range', /Slices from/);
    await series.locator('[data-testid="volume-first"] input').fill(String(FIRST));
    await series.locator('[data-testid="volume-last"] input').fill(String(LAST));
    await series.locator('[data-testid="volume-run-button"]').click();
    await sendIfAsked(wb);
    let s = await waitState(series, (x) => !!x.volume, 'the first run finishes', 180_000);
    await waitText(series.locator('[data-testid="run-status"]'), /Done: the volume/);
    const first = bySlice(server);
    assert.deepEqual(
      first.map((r) => r.slice),
      RANGE,
      'the first run asked for slices 12–21, each once',
    );
    for (const r of first) assert.deepEqual(r.prompts, TARGETS, `slice ${r.slice}: the prompts`);
    const firstId = s.volume!.id;
    const figures: Figures = s.volume!.targets;
    assert.deepEqual(
      figures.map((t) => [t.target, t.voxels]),
      [
        ['liver', voxels(1, inRange)],
        ['right kidney', voxels(3, inRange)],
      ],
      "the phantom's voxels on slices 12–21 only",
    );
    // On a slice of the range, where the masks show.
    const k0 = 16;
    await series.locator('[data-testid="canvas"]').focus();
    for (let k = s.image!.slice!.index; k > k0; k--) await wb.page.keyboard.press('PageUp');
    await sliceShown(series, k0);
    const liverOnK0 = voxels(1, (k) => k === k0);
    await waitState(
      series,
      (x) => x.result?.targets.find((t) => t.target === 'liver')?.areaPixels === liverOnK0,
      `slice ${k0 + 1} shows its liver`,
    );
    await wb.screenshot('volumes-rerun-first-run');

    // History lists it with the range, and its tooltip names the CT window used.
    await wb.runCommand('Focus on History View');
    const history = wb.page.locator('.pane', { hasText: 'History' });
    const rows = history.locator('.monaco-list-row', { hasText: `volume, slices ${FIRST}–${LAST}` });
    await waitText(rows, /liver & right kidney · volume, slices 12–21 · liver \d+\.\d mL/, 30_000);
    assert.equal(await rows.count(), 1);
    await rows.first().hover();
    await waitText(wb.page.locator('.monaco-hover'), `CT window: ${CT_WINDOW}`, 15_000);

    // Run Again, the row's inline action (shown on hover), by mouse.
    server.reset();
    const again = rows.first().locator('.action-label[aria-label="Run Again"]');
    await rows.first().hover();
    await again.waitFor({ timeout: 10_000 });
    await wb.screenshot('volumes-rerun-history-action');
    await again.click();
    await sendIfAsked(wb);
    s = await waitState(
      series,
      (x) => !!x.volume && x.volume.id !== firstId,
      'the viewer shows the result of the run again',
      180_000,
    );
    sameRequests(server, first, 'Run Again');
    assert.deepEqual(s.volume!.targets, figures, 'the same voxels, mL, slices and components');
    await waitState(
      series,
      (x) =>
        x.image?.slice?.index === k0 &&
        x.result?.id.startsWith(`${s.volume!.id}:`) === true &&
        x.result.targets.find((t) => t.target === 'liver')?.areaPixels === liverOnK0,
      `slice ${k0 + 1} shows its share of the new result`,
    );
    await waitCount(rows, 2, 'History holds both runs');
    const ml = figures.find((t) => t.target === 'liver')!.volumeMl.toFixed(1);
    await waitText(series.locator('[data-testid="volume-summary"]'), new RegExp(`liver: ${ml} mL`));
    await wb.screenshot('volumes-rerun-after-mouse');

    // … and by keyboard: the History item's context menu (Shift+F10) offers Run Again too.
    server.reset();
    const secondId = s.volume!.id;
    await wb.runCommand('Focus on History View');
    // The keys go to the History tree once it has the focus (not the viewer, where keys step slices).
    await history.locator('.monaco-list:focus-within').waitFor({ timeout: 15_000 });
    // Down to a row (Home does nothing in a tree with no row focused yet); a key pressed while
    // the palette is still handing the focus over is lost, so it is pressed again.
    const focusedRow = history.locator('.monaco-list-row.focused').first();
    for (let attempt = 1; !(await focusedRow.isVisible()); attempt++) {
      assert.ok(attempt <= 5, 'the arrow key focuses a History row');
      await history.locator('.monaco-list:focus-within').waitFor({ timeout: 15_000 });
      await wb.page.keyboard.press('ArrowDown');
      await focusedRow.waitFor({ timeout: 3_000 }).catch(() => undefined);
    }
    await wb.page.keyboard.press('Shift+F10');
    const menuItem = wb.page.locator('.monaco-menu .action-label', { hasText: 'Run Again' }).first();
    await menuItem.waitFor({ timeout: 10_000 });
    await wb.screenshot('volumes-rerun-history-menu');
    await pressMenuItem(wb, menuItem);
    await sendIfAsked(wb);
    s = await waitState(
      series,
      (x) => !!x.volume && x.volume.id !== secondId && x.volume.id !== firstId,
      'the viewer shows the result of the keyboard run again',
      180_000,
    );
    sameRequests(server, first, 'Run Again from the context menu');
    assert.deepEqual(s.volume!.targets, figures);
    await waitCount(rows, 3, 'History holds the three runs');
    await wb.screenshot('volumes-rerun-after-keyboard');

    // Run Again can be cancelled from its progress notification: a note says so, the
    // result on screen and History stay, and the slices finished are kept for the next Run Again.
    server.reset();
    server.holdAfter(3);
    const thirdId = s.volume!.id;
    await rows.first().hover();
    await again.click();
    const toast = wb.page.locator('.notification-toast', { hasText: 'running the volume again' });
    await toast.waitFor({ timeout: 30_000 });
    const end = Date.now() + 60_000;
    while ((server.answered.length < 3 || server.waiting.length === 0) && Date.now() < end)
      await wb.page.waitForTimeout(100);
    assert.equal(server.answered.length, 3, 'three slices answered before the user cancels');
    // The viewer shows the run History started as its own: its progress, its Cancel, and its
    // Run buttons off (not the last run's "Done", with a Run on volume that starts a second one).
    await waitText(series.locator('[data-testid="run-status"]'), /^3 \/ 10 slices/);
    assert.ok(await series.locator('[data-testid="cancel-button"]').isVisible(), "the viewer's Cancel");
    assert.ok(await series.locator('[data-testid="run-progress"]').isVisible(), "the viewer's progress bar");
    for (const button of ['volume-run-button', 'run-button', 'recognize-button'])
      assert.equal(await disabled(series, button), true, `${button} is off while the volume runs`);
    await wb.screenshot('volumes-rerun-progress');
    // A second Run Again meanwhile starts nothing: a note says why.
    const asked = server.received.length;
    await rows.first().hover();
    await again.click();
    await waitText(
      wb.page.locator('.notification-toast .notification-list-item-message'),
      /A run is already in progress in the viewer of .*: wait for it to finish, or cancel it there\./,
    );
    await wb.page.waitForTimeout(1_000);
    assert.equal(server.received.length, asked, 'the second Run Again sent nothing');
    await wb.screenshot('volumes-rerun-second-refused');
    await toast.hover();
    await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await noteShown(
      wb,
      /Cancelled: nothing more is sent\. Finished slices are kept: run the volume again to continue\./,
    );
    // The viewer says so too, as a note.
    await waitText(series.locator('[data-testid="run-status"]'), /^Cancelled: nothing more is sent\./);
    assert.equal(await series.locator('[data-testid="error-area"]').isVisible(), false, 'no error box');
    assert.equal(await disabled(series, 'volume-run-button'), false, 'Run on volume is on again');
    await wb.screenshot('volumes-rerun-cancelled');
    const kept = [...server.answered].sort((a, b) => a - b);
    assert.equal(kept.length, 3);
    assert.equal((await state(series)).volume?.id, thirdId, 'the result on screen stays');
    await waitCount(rows, 3, 'a cancelled run adds nothing to History');

    // The viewer's own Cancel stops a Run Again History started: its notification goes, with a note.
    await wb.runCommand('Notifications: Clear All Notifications');
    await wb.page
      .locator('.notification-toast')
      .first()
      .waitFor({ state: 'detached', timeout: 10_000 })
      .catch(() => undefined);
    server.release();
    server.reset();
    server.holdAfter(2);
    await rows.first().hover();
    await again.click();
    await toast.waitFor({ timeout: 30_000 });
    const end2 = Date.now() + 60_000;
    while ((server.answered.length < 2 || server.waiting.length === 0) && Date.now() < end2)
      await wb.page.waitForTimeout(100);
    assert.equal(server.answered.length, 2, 'two more slices answered before the user cancels');
    await waitText(series.locator('[data-testid="run-status"]'), /^5 \/ 10 slices/);
    await series.locator('[data-testid="cancel-button"]').click();
    await toast.waitFor({ state: 'detached', timeout: 30_000 });
    await waitText(series.locator('[data-testid="run-status"]'), /^Cancelled: nothing more is sent\./);
    await noteShown(wb, /Cancelled: nothing more is sent\. Finished slices are kept/);
    await wb.screenshot('volumes-rerun-cancelled-in-viewer');
    kept.push(...server.answered);
    kept.sort((a, b) => a - b);
    assert.equal(kept.length, 5);
    await waitCount(rows, 3, 'a cancelled run adds nothing to History');

    // The next Run Again asks only for the slices the cancelled ones did not finish.
    server.release();
    server.reset();
    await rows.first().hover();
    await again.click();
    s = await waitState(
      series,
      (x) => !!x.volume && x.volume.id !== thirdId,
      'the viewer shows the result of the resumed run again',
      180_000,
    );
    const rest = bySlice(server);
    assert.deepEqual(
      rest.map((r) => r.slice),
      RANGE.filter((k) => !kept.includes(k)),
      'only the slices not kept are asked for',
    );
    for (const r of rest)
      assert.deepEqual(
        r,
        first.find((f) => f.slice === r.slice),
        `slice ${r.slice + 1}: same prompts and image`,
      );
    assert.deepEqual(s.volume!.targets, figures, 'the resumed run gives the same figures');
    await waitText(series.locator('[data-testid="volume-summary"]'), /5 kept from an earlier run/);
    await waitText(series.locator('[data-testid="run-status"]'), /^Done: the volume, 2 targets\./);
    await waitCount(rows, 4, 'History holds the four finished runs');
    await wb.screenshot('volumes-rerun-resumed');
  });
});

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

/** Chooses a context menu item with the keyboard: arrows down to it, then Enter. */
async function pressMenuItem(wb: Workbench, item: Locator): Promise<void> {
  const focused = () =>
    item.evaluate((e) => !!e.closest('.action-item')?.classList.contains('focused')).catch(() => false);
  for (let n = 0; n < 12 && !(await focused()); n++) await wb.page.keyboard.press('ArrowDown');
  assert.ok(await focused(), 'the arrow keys reach the menu item');
  await wb.page.keyboard.press('Enter');
}
