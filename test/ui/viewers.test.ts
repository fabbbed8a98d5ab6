import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { startFaultServer, type FaultServer } from '../support/faultServer';
import { closeAfterEach, waitText, Workbench } from './workbench';

/** What `npm start` opens: a CT (DICOM) behind the demo abdomen CT, both CT, so both share remembered prompts. */
const STARTUP = { 'medimageparse.openOnStartup': ['CT_lung_nodule.dcm', 'demo/06_CT_abdomen.png'] };
const LUNG = 'CT_lung_nodule.dcm';
const ABDOMEN = '06_CT_abdomen.png';

interface ViewerSnapshot {
  image?: { fileName: string };
  picker?: { selection: string[] };
  result?: { id: string; targets: { target: string }[] };
}

/** The frame of the viewer that shows `fileName`, once it has drawn its image. */
async function viewerOf(wb: Workbench, fileName: string, timeoutMs = 45_000): Promise<Frame> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const frame of wb.page.frames()) {
      const name = await frame
        .evaluate(() => {
          const hook = (window as unknown as { __medimageparseViewer?: { state(): ViewerSnapshot } })
            .__medimageparseViewer;
          return hook?.state().image?.fileName;
        })
        .catch(() => undefined);
      if (name === fileName) return frame;
    }
    await wb.page.waitForTimeout(150);
  }
  throw new Error(`no viewer shows ${fileName}`);
}

async function snapshot(frame: Frame): Promise<ViewerSnapshot> {
  return frame.evaluate(() =>
    (
      window as unknown as { __medimageparseViewer: { state(): ViewerSnapshot } }
    ).__medimageparseViewer.state(),
  );
}

/**
 * Brings the viewer of `fileName` to the front and returns its frame. Clicks the tab again while
 * waiting: a startup image that opens a moment later takes the front and unloads a hidden viewer.
 */
async function show(wb: Workbench, fileName: string): Promise<Frame> {
  for (let attempt = 1; ; attempt++) {
    await wb.showTab(fileName);
    try {
      return await viewerOf(wb, fileName, attempt < 4 ? 10_000 : 45_000);
    } catch (error) {
      if (attempt >= 4) throw error;
    }
  }
}

/** The viewer tabs, once the window has settled (startup images open right after activation). */
async function viewerTabs(wb: Workbench): Promise<string[]> {
  await wb.page.waitForTimeout(4000);
  return (await wb.tabTitles()).filter((t) => t.startsWith('MedImageParse:')).sort();
}

const EXPECTED_TABS = [`MedImageParse: ${LUNG}`, `MedImageParse: ${ABDOMEN}`].sort();

describe('Several viewers in the real workbench (demo endpoint)', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('keeps each viewer’s prompts its own, also across a Reload Window', async () => {
    wb = await Workbench.launch('viewers-independent', { workspaceSettings: STARTUP });
    // The lung viewer is seen first, with nothing picked.
    let lung = await show(wb, LUNG);
    assert.deepEqual((await snapshot(lung)).picker?.selection, []);
    await wb.page.waitForTimeout(500);

    // The abdomen viewer picks liver and spleen and runs them.
    await show(wb, ABDOMEN);
    const a = wb.viewer();
    await a.locator('[data-testid="picker-item-liver"]').click();
    await a.locator('[data-testid="picker-item-spleen"]').click();
    await waitText(a.locator('[data-testid="prompt-preview"]'), /liver & spleen/);
    await a.locator('[data-testid="run-button"]').click();
    await waitText(a.locator('[data-testid="legend"]'), /spleen/, 60_000);

    // The lung viewer still has nothing picked: what ran elsewhere is not its selection.
    lung = await show(wb, LUNG);
    assert.deepEqual((await snapshot(lung)).picker?.selection, [], 'no prompts leak into the lung viewer');
    const l = wb.viewer();
    await waitText(l.locator('[data-testid="prompt-preview"]'), '(nothing selected)');
    await l.locator('[data-testid="free-text-input"] input').fill('lung nodule');
    await l.locator('[data-testid="free-text-add"]').click();
    await waitText(l.locator('[data-testid="prompt-preview"]'), /^lung nodule$/);
    await wb.page.waitForTimeout(500);

    let abdomen = await show(wb, ABDOMEN);
    assert.deepEqual((await snapshot(abdomen)).picker?.selection, ['liver', 'spleen']);

    await wb.reloadWindow();
    abdomen = await show(wb, ABDOMEN);
    assert.deepEqual((await snapshot(abdomen)).picker?.selection, ['liver', 'spleen']);
    lung = await show(wb, LUNG);
    assert.deepEqual((await snapshot(lung)).picker?.selection, ['lung nodule']);
    await wb.screenshot('viewers-independent-after-reload');
    assert.deepEqual(await viewerTabs(wb), EXPECTED_TABS);
  });

  it('opens the startup images once after a Reload Window, each restored viewer showing its last result', async () => {
    wb = await Workbench.launch('viewers-reload', { workspaceSettings: STARTUP });
    assert.deepEqual(await viewerTabs(wb), EXPECTED_TABS, 'the startup images open once');
    const frame = await show(wb, ABDOMEN);
    // The viewer's CSP allows no inline styles, and drawing a result breaks none of it.
    const csp = await frame.evaluate(
      () =>
        document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
    );
    assert.match(csp, /style-src [^;]+/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    await frame.evaluate(() => {
      const w = window as unknown as { __cspViolations: string[] };
      w.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) =>
        w.__cspViolations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
      );
    });
    const a = wb.viewer();
    await a.locator('[data-testid="picker-item-liver"]').click();
    await waitText(a.locator('[data-testid="prompt-preview"]'), /^liver$/);
    await a.locator('[data-testid="run-button"]').click();
    await waitText(a.locator('[data-testid="legend"]'), /liver/, 60_000);
    const ran = (await snapshot(await viewerOf(wb, ABDOMEN))).result?.id;
    assert.ok(ran, 'the run left a result');
    assert.deepEqual(
      await frame.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations),
      [],
    );
    const swatch = await frame.evaluate(
      () => getComputedStyle(document.querySelector('[data-testid^="legend-row-"] .swatch')!).backgroundColor,
    );
    assert.notEqual(swatch, 'rgba(0, 0, 0, 0)', 'the legend swatch has its colour');
    // The other viewer in front when the window reloads, so the abdomen one comes back hidden.
    await show(wb, LUNG);
    await wb.page.waitForTimeout(500);

    await wb.reloadWindow();
    assert.deepEqual(await viewerTabs(wb), EXPECTED_TABS, 'no duplicate tabs after Reload Window');
    const abdomen = await show(wb, ABDOMEN);
    await waitText(wb.viewer().locator('[data-testid="legend"]'), /liver/, 30_000);
    assert.equal((await snapshot(abdomen)).result?.id, ran, 'the restored viewer shows its last result');
    await wb.screenshot('viewers-reload-restored-result');

    // A second reload with the abdomen viewer in front: still once, still its result.
    await wb.reloadWindow();
    assert.deepEqual(await viewerTabs(wb), EXPECTED_TABS, 'no duplicate tabs after a second reload');
    await waitText(wb.viewer().locator('[data-testid="legend"]'), /liver/, 30_000);
    assert.equal((await snapshot(await viewerOf(wb, ABDOMEN))).result?.id, ran);
  });

  describe('with a slow loopback endpoint', () => {
    let server: FaultServer;
    before(async () => {
      server = await startFaultServer();
    });
    after(() => server.close());

    /** Waits until History lists `n` results of the abdomen image (the host has them). */
    async function historyHas(n: number): Promise<void> {
      await wb.runCommand('Focus on History View');
      const rows = wb.page
        .locator('.pane', { hasText: 'History' })
        .locator('.monaco-list-row', { hasText: ABDOMEN });
      const end = Date.now() + 60_000;
      while ((await rows.count()) < n) {
        assert.ok(Date.now() < end, `History never listed ${n} results`);
        await wb.page.waitForTimeout(250);
      }
    }

    it('shows a result that arrived while its viewer was hidden, when shown again and after a reload', async () => {
      wb = await Workbench.launch('viewers-hidden-run', {
        settings: {
          'medimageparse.endpoints': [
            { name: 'loopback', url: `${server.url}/score`, protocol: 'azureml', auth: 'none' },
          ],
          'medimageparse.activeEndpoint': 'loopback',
        },
        workspaceSettings: STARTUP,
        statusText: 'loopback',
      });
      await show(wb, ABDOMEN);
      const a = wb.viewer();
      await a.locator('[data-testid="picker-item-liver"]').click();
      await waitText(a.locator('[data-testid="prompt-preview"]'), /^liver$/);
      server.enqueue({ type: 'slow', delayMs: 4000 });
      await a.locator('[data-testid="run-button"]').click();
      // The first request to this endpoint asks before sending.
      const dialog = wb.page.locator('.monaco-dialog-box');
      await dialog.waitFor({ timeout: 30_000 });
      await dialog.locator('.monaco-button', { hasText: 'Send' }).click();
      // The user looks at the other image while the endpoint works.
      await show(wb, LUNG);
      await historyHas(1);
      let abdomen = await show(wb, ABDOMEN);
      await waitText(wb.viewer().locator('[data-testid="legend"]'), /liver/, 30_000);
      const first = (await snapshot(abdomen)).result?.id;
      assert.ok(first, 'the run that finished while hidden is shown');

      // A second run finishes while hidden, and the window reloads before the viewer is shown.
      await wb.viewer().locator('[data-testid="picker-item-spleen"]').click();
      await waitText(wb.viewer().locator('[data-testid="prompt-preview"]'), /^liver & spleen$/);
      server.enqueue({ type: 'slow', delayMs: 4000 });
      await wb.viewer().locator('[data-testid="run-button"]').click();
      await show(wb, LUNG);
      await historyHas(2);
      await wb.reloadWindow('loopback');
      abdomen = await show(wb, ABDOMEN);
      await waitText(wb.viewer().locator('[data-testid="legend"]'), /spleen/, 30_000);
      const second = (await snapshot(abdomen)).result;
      assert.notEqual(second?.id, first);
      assert.deepEqual(second?.targets.map((t) => t.target).sort(), ['liver', 'spleen']);
      await wb.screenshot('viewers-hidden-run-after-reload');
    });
  });
});
