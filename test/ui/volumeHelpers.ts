import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import { exactly, type Workbench } from './workbench';

/**
 * Helpers of the viewer and volume UI tests: opening a file from the explorer, finding a viewer by
 * what it shows, its state, the phantom's series.
 */

export const SERIES_FOLDER = 'synthetic_phantom_ct_series';

export interface VolumeState {
  image?: {
    fileName: string;
    width: number;
    height: number;
    slice?: { index: number; count: number };
    frame?: { index: number; count: number };
    warnings?: string[];
    plane?: { name: string; acquired: boolean; planes: string[] };
    cellAspect?: [number, number];
  };
  /** The whole-volume result's figures, when one is on screen. */
  volume?: {
    id: string;
    hideLikelyAbsent: boolean;
    targets: {
      target: string;
      voxels: number;
      volumeMl: number;
      slices: [number, number] | null;
      components: number;
    }[];
  };
  result?: { id: string; targets: { target: string; areaPixels: number; status: string }[] };
  overlayShown?: boolean;
  display?: { transpose: boolean; flipX: boolean; flipY: boolean };
  /** Zoom and pan: stage CSS pixel = display pixel · scale + (tx, ty). */
  view: { scale: number; tx: number; ty: number };
}

/** The frame of the viewer whose image is named like `fileName`, or undefined when none shows it in time. */
async function findViewer(wb: Workbench, fileName: RegExp, timeoutMs: number): Promise<Frame | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const frame of wb.page.frames()) {
      const name = await frame
        .evaluate(
          () =>
            (
              window as unknown as { __medimageparseViewer?: { state(): VolumeState } }
            ).__medimageparseViewer?.state().image?.fileName,
        )
        .catch(() => undefined);
      if (name && fileName.test(name)) return frame;
    }
    await wb.page.waitForTimeout(150);
  }
  return undefined;
}

/**
 * The frame of the viewer whose image is named like `fileName` (a regexp for a series' slice files).
 * When none shows it in time, the error says what the workbench showed instead (the editor tabs,
 * each viewer's file and error text) and a screenshot is kept, so a failure in CI can be read.
 */
export async function viewerShowing(wb: Workbench, fileName: RegExp, timeoutMs = 45_000): Promise<Frame> {
  const frame = await findViewer(wb, fileName, timeoutMs);
  if (frame) return frame;
  throw new Error(`no viewer shows ${fileName}: ${await whatIsShown(wb)}`);
}

/** The editor tabs and what each viewer shows (its file or its error), and a screenshot's path. */
async function whatIsShown(wb: Workbench): Promise<string> {
  const viewers: string[] = [];
  for (const frame of wb.page.frames()) {
    const shown = await frame
      .evaluate(() => {
        const hook = (window as unknown as { __medimageparseViewer?: { state(): VolumeState } })
          .__medimageparseViewer;
        if (!hook) return undefined;
        const error = document.querySelector('[data-testid="error-message"]')?.textContent?.trim();
        return `${hook.state().image?.fileName ?? '(no image yet)'}${error ? ` [error: ${error}]` : ''}`;
      })
      .catch(() => undefined);
    if (shown) viewers.push(shown);
  }
  const screenshot = await wb.screenshot(`no-viewer-${Date.now()}`).catch(() => '(no screenshot)');
  return (
    `tabs ${JSON.stringify(await wb.tabTitles().catch(() => []))}, ` +
    `viewers ${JSON.stringify(viewers)}, screenshot ${screenshot}`
  );
}

/**
 * Opens a file of the workspace in its viewer from the explorer as a user does: expands the
 * folders of `relativePath` ("phantom/x.nii.gz"), double-clicks the file. A click that lands while
 * the explorer re-renders is lost, so the open is tried again while no viewer shows the file
 * (again on a file already open only brings its viewer forward).
 */
export async function openFromExplorer(wb: Workbench, relativePath: string): Promise<Frame> {
  const folders = relativePath.split('/');
  const fileName = folders.pop()!;
  const open = async () => {
    for (const folder of folders) await wb.expandFolder(folder);
    await wb.explorerRow(fileName).dblclick();
  };
  // Two quiet tries, then one that says what was shown instead if it fails too.
  for (let attempt = 1; attempt < 3; attempt++) {
    await open();
    const frame = await findViewer(wb, exactly(fileName), 20_000);
    if (frame) return frame;
  }
  await open();
  return viewerShowing(wb, exactly(fileName));
}

export const state = (frame: Frame) =>
  frame.evaluate(() =>
    (window as unknown as { __medimageparseViewer: { state(): VolumeState } }).__medimageparseViewer.state(),
  );

export async function sliceShown(frame: Frame, index: number): Promise<void> {
  const end = Date.now() + 20_000;
  while (Date.now() < end) {
    if ((await state(frame)).image?.slice?.index === index) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail(`slice ${index} was never shown; showing ${JSON.stringify((await state(frame)).image?.slice)}`);
}

export async function letters(frame: Frame): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const edge of ['top', 'bottom', 'left', 'right']) {
    const el = frame.locator(`[data-testid="orientation-${edge}"]`);
    assert.ok(await el.isVisible(), `the ${edge} letter is shown`);
    out[edge] = ((await el.textContent()) ?? '').trim();
  }
  return out;
}

/** Opens the phantom's series from the explorer's context menu, as a user does. */
export async function openPhantomSeries(wb: Workbench, folder = SERIES_FOLDER): Promise<Frame | undefined> {
  await wb.expandFolder('phantom');
  const folderRow = wb.explorerRow(folder);
  await folderRow.waitFor();
  await folderRow.click({ button: 'right' });
  const item = wb.page
    .locator('.monaco-menu .action-label', { hasText: 'Open DICOM Series in Viewer' })
    .first();
  await item.click();
  // A click that lands while the menu is still animating in is lost: the highlighted item takes Enter.
  await wb.page.waitForTimeout(500);
  if (await item.isVisible().catch(() => false)) await wb.page.keyboard.press('Enter');
  return folder === SERIES_FOLDER ? viewerShowing(wb, /\.dcm$/i) : undefined;
}

/** Settings that make the phantom's loopback endpoint (test/support/phantomSliceServer.ts) the active one. */
export function phantomEndpointSettings(url: string): Record<string, unknown> {
  return {
    'medimageparse.endpoints': [{ name: 'phantom-loopback', url, protocol: 'azureml', auth: 'none' }],
    'medimageparse.activeEndpoint': 'phantom-loopback',
  };
}

/** The first request to a real endpoint asks before sending: Send. */
export async function sendIfAsked(wb: Workbench): Promise<void> {
  const dialog = wb.page.locator('.monaco-dialog-box');
  await dialog.waitFor({ timeout: 8_000 }).catch(() => undefined);
  if (await dialog.isVisible().catch(() => false))
    await dialog.locator('.monaco-button', { hasText: 'Send' }).click();
}
