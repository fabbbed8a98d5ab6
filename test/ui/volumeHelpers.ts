import * as assert from 'node:assert/strict';
import type { Frame } from 'playwright-core';
import type { Workbench } from './workbench';

/** Helpers of the volume UI tests: finding a viewer by what it shows, its state, the series. */

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

/** The frame of the viewer whose image is named like `fileName` (a regexp for a series' slice files). */
export async function viewerShowing(wb: Workbench, fileName: RegExp): Promise<Frame> {
  const end = Date.now() + 45_000;
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
  throw new Error(`no viewer shows ${fileName}`);
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
  const explorer = wb.page.locator('.explorer-folders-view');
  await explorer
    .locator('.monaco-list-row', { hasText: /^phantom$/ })
    .first()
    .click();
  const folderRow = explorer.locator('.monaco-list-row', { hasText: folder }).first();
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
