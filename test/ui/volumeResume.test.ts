import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { PHANTOM_DIMS, phantomLabels } from '../../src/demo/phantom';
import { startPhantomSliceServer, type PhantomSliceServer } from '../support/phantomSliceServer';
import {
  openPhantomSeries,
  sliceShown,
  state,
  viewerShowing,
  type VolumeState,
  phantomEndpointSettings,
  sendIfAsked,
} from './volumeHelpers';
import { closeAfterEach, waitText, Workbench } from './workbench';

const [NI, NJ, NK] = PHANTOM_DIMS;
const ALL = Array.from({ length: NK }, (_, k) => k);
const LIVER = 1;

/** Voxels of the phantom's liver where `where` holds (grid i, j, k of the NIfTI). */
function liverVoxels(where: (i: number, j: number, k: number) => boolean = () => true): number {
  const labels = phantomLabels();
  let n = 0;
  for (let k = 0; k < NK; k++)
    for (let j = 0; j < NJ; j++)
      for (let i = 0; i < NI; i++) if (labels[i + NI * (j + NJ * k)] === LIVER && where(i, j, k)) n++;
  return n;
}

type FullState = VolumeState & { volume?: VolumeState['volume'] & { requested: number; resumed: number } };

async function waitState(frame: Frame, ok: (s: FullState) => boolean, what: string, ms = 30_000) {
  const end = Date.now() + ms;
  let s = (await state(frame)) as FullState;
  while (!ok(s) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 150));
    s = (await state(frame).catch(() => s)) as FullState;
  }
  assert.ok(
    ok(s),
    `${what}; state: ${JSON.stringify({ image: s.image, volume: s.volume, result: s.result }).slice(0, 900)}`,
  );
  return s;
}

/** Slices kept on disk for resuming (the extension's storage in the VS Code server's data folder). */
function keptSlices(dataDir: string): number[] {
  const found: number[] = [];
  const walk = (dir: string, inRuns: boolean): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full, inRuns || entry.name === 'volume-runs');
      else if (inRuns) {
        const m = /^slice-(\d+)\.json\.gz$/.exec(entry.name);
        if (m) found.push(Number(m[1]));
      }
    }
  };
  walk(dataDir, false);
  return found.sort((a, b) => a - b);
}

/** How far the viewer's page is scrolled (only its side panel should ever scroll). */
function pageScroll(frame: Frame): Promise<{ page: number; app: number; toolbarTop: number }> {
  return frame.evaluate(() => ({
    page: document.scrollingElement?.scrollTop ?? 0,
    app: document.getElementById('app')?.scrollTop ?? 0,
    toolbarTop: Math.min(
      0,
      Math.round(document.querySelector('[data-testid="plane-axial"]')!.getBoundingClientRect().top),
    ),
  }));
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);

describe('Whole-volume parsing from the viewer: cancel, resume, History and Reload Window', () => {
  let wb: Workbench;
  let server: PhantomSliceServer;
  closeAfterEach(() => wb);
  before(async () => {
    server = await startPhantomSliceServer();
  });
  after(() => server.close());

  it('cancels a slice-by-slice run partway, keeps the finished slices, resumes asking only for the rest, and keeps the result in History and across Reload Window', async () => {
    wb = await Workbench.launch('volumes-resume', {
      settings: phantomEndpointSettings(server.url),
    });
    let series = (await openPhantomSeries(wb))!;
    await series.locator('[data-testid="picker-item-liver"]').click();
    const runButton = series.locator('[data-testid="volume-run-button"]');
    const status = series.locator('[data-testid="run-status"]');

    // Ten slices are answered, then the endpoint keeps the next requests waiting: Cancel then.
    server.holdAfter(10);
    await runButton.click();
    await sendIfAsked(wb);
    await waitText(status, /^10 \/ 48 slices/, 90_000);
    const end = Date.now() + 30_000;
    while (server.waiting.length === 0 && Date.now() < end) await wb.page.waitForTimeout(100);
    assert.ok(server.waiting.length > 0, 'a request is on its way when the user cancels');
    await wb.screenshot('volumes-resume-running');
    await series.locator('[data-testid="cancel-button"]').click();
    await waitText(status, /Cancelled: nothing more is sent\. Finished slices are kept/);
    const firstRun = sorted(server.answered);
    assert.equal(firstRun.length, 10);
    assert.deepEqual(keptSlices(wb.server.dataDir), firstRun, 'the finished slices are kept on disk');
    assert.equal((await state(series)).volume, undefined, 'no volume result from a cancelled run');

    // Run again: only the slices not kept are asked for, each once, and the result is whole.
    server.release();
    server.reset();
    await runButton.click();
    await sendIfAsked(wb);
    let s = await waitState(series, (x) => !!x.volume, 'the resumed run finishes', 180_000);
    assert.deepEqual(
      sorted(server.received),
      ALL.filter((k) => !firstRun.includes(k)),
      'the second run asked for exactly the slices the first did not finish',
    );
    assert.equal(s.volume!.resumed, 10);
    assert.equal(s.volume!.requested, NK - 10);
    const liver = s.volume!.targets.find((t) => t.target === 'liver')!;
    assert.equal(liver.voxels, liverVoxels(), 'the whole liver, voxel for voxel');
    assert.deepEqual(keptSlices(wb.server.dataDir), [], 'a finished run leaves nothing to resume');
    await waitText(status, /Done: the volume/);
    const volumeId = s.volume!.id;
    await wb.screenshot('volumes-resume-done');

    // History lists the volume result with what was run.
    await wb.runCommand('Focus on History View');
    const history = wb.page.locator('.pane', { hasText: 'History' });
    await waitText(history, /liver · volume, slices 1–48 · liver \d+\.\d mL/, 30_000);

    // A Run on the slice shown keeps the volume result: this slice shows the new result, the others
    // still their share of the volume, and the volume figures stay.
    const k0 = s.image!.slice!.index;
    await series.locator('[data-testid="run-button"]').click();
    s = await waitState(
      series,
      (x) => !!x.result && !x.result.id.startsWith('vol-'),
      'the slice result is shown',
    );
    const sliceResultId = s.result!.id;
    assert.equal(s.volume?.id, volumeId, 'the volume result is still there');
    await waitText(series.locator('[data-testid="volume-summary"]'), /liver: \d+\.\d mL/);
    await series.locator('[data-testid="canvas"]').focus();
    await wb.page.keyboard.press('PageUp');
    await sliceShown(series, k0 - 1);
    await waitState(
      series,
      (x) =>
        x.result?.id.startsWith(`${volumeId}:`) === true &&
        x.result.targets[0]?.areaPixels === liverVoxels((_i, _j, k) => k === k0 - 1),
      'the next slice shows its share of the volume result',
    );
    await wb.page.keyboard.press('PageDown');
    await waitState(series, (x) => x.result?.id === sliceResultId, 'back on the slice: its own result again');

    // Reload Window: the viewer comes back with both results, the volume's on every plane.
    // The restored viewer starts the extension: its status bar item names the endpoint.
    await wb.reloadWindow('phantom-loopback');
    series = await viewerShowing(wb, /\.dcm$/i);
    s = await waitState(
      series,
      (x) => x.volume?.id === volumeId,
      'the volume result is back after the reload',
      60_000,
    );
    assert.equal(s.volume!.targets[0].voxels, liverVoxels());
    await waitState(series, (x) => x.result?.id === sliceResultId, 'the newer slice result on its slice');
    await series.locator('[data-testid="canvas"]').focus();
    await wb.page.keyboard.press('PageUp');
    await waitState(
      series,
      (x) =>
        x.image?.slice?.index === k0 - 1 &&
        x.result?.targets[0]?.areaPixels === liverVoxels((_i, _j, k) => k === k0 - 1),
      'a slice shows its share of the restored volume result',
    );
    await wb.page.keyboard.press('c');
    await waitState(
      series,
      (x) =>
        x.image?.plane?.name === 'coronal' &&
        x.result?.targets[0]?.areaPixels === liverVoxels((i) => i === NI / 2),
      'the coronal reformat shows its share of the restored volume result',
    );
    await wb.screenshot('volumes-resume-after-reload-coronal');

    // Closed, then reopened from History: the volume result comes back without a request.
    server.reset();
    await wb.runCommand('View: Close All Editors');
    await wb.runCommand('Focus on History View');
    await history.locator('.monaco-list-row', { hasText: 'volume, slices 1–48' }).first().click();
    series = await viewerShowing(wb, /\.dcm$/i);
    await waitState(series, (x) => x.volume?.id === volumeId, 'History reopens the volume result', 60_000);
    await waitState(
      series,
      (x) =>
        x.result?.targets[0]?.areaPixels === liverVoxels((_i, _j, k) => k === (x.image?.slice?.index ?? -1)),
      'the reopened volume result on the slice shown',
    );
    assert.deepEqual(server.received, [], 'reopening sends nothing');
    // The viewer opens whole: its toolbar at the top, not scrolled off by the results coming into view.
    assert.deepEqual(await pageScroll(series), { page: 0, app: 0, toolbarTop: 0 });
    await wb.screenshot('volumes-resume-history-reopen');
  });
});
