import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { closeAfterEach, exactly, waitText, Workbench } from './workbench';
import { openFromExplorer, sliceShown, state, viewerShowing } from './volumeHelpers';

/**
 * The viewer's keyboard shortcuts are contributed keybindings: VS Code receives the keys pressed
 * in the webview and runs the commands, so they show in Keyboard Shortcuts and can be remapped.
 * Driven in the real workbench on the phantom NIfTI volume.
 */

const VOLUME = 'synthetic_phantom_ct.nii.gz';

const slice = async (frame: Frame) => (await state(frame)).image?.slice?.index;

/** Waits a moment and checks the slice did not move (a key that must do nothing). */
async function sliceStays(wb: Workbench, frame: Frame, index: number): Promise<void> {
  await wb.page.waitForTimeout(1500);
  assert.equal(await slice(frame), index);
}

async function openVolume(wb: Workbench): Promise<Frame> {
  const frame = await openFromExplorer(wb, `phantom/${VOLUME}`);
  await sliceShown(frame, 24);
  return frame;
}

describe('Viewer keyboard shortcuts are contributed keybindings', () => {
  let wb: Workbench | undefined;
  closeAfterEach(() => wb);

  it('steps slices, runs and exports with the keyboard, only where they apply, and can be remapped', async () => {
    wb = await Workbench.launch('shortcuts');
    const viewer = await openVolume(wb);
    const canvas = viewer.locator('[data-testid="canvas"]');

    // Slice keys on the image: exactly one step per key (no second handler in the webview).
    await canvas.focus();
    await wb.page.keyboard.press('PageDown');
    await sliceShown(viewer, 25);
    await sliceStays(wb, viewer, 25);
    await wb.page.keyboard.press('PageUp');
    await wb.page.keyboard.press('PageUp');
    await sliceShown(viewer, 23);
    await wb.page.keyboard.press('End');
    await sliceShown(viewer, 47);
    await wb.page.keyboard.press('Home');
    await sliceShown(viewer, 0);

    // While typing in a field they are the field's keys: the slice stays.
    const search = viewer.locator('[data-testid="prompt-search"] input');
    await search.click();
    await search.fill('liv');
    await wb.page.keyboard.press('End');
    await wb.page.keyboard.press('PageDown');
    await sliceStays(wb, viewer, 0);

    // The same commands from the palette (where the keybindings are listed).
    await wb.runCommand('MedImageParse: Last Slice');
    await sliceShown(viewer, 47);
    await wb.runCommand('MedImageParse: Previous Slice');
    await sliceShown(viewer, 46);

    // Run (Ctrl+Enter) with a target picked, then Export (Ctrl+Alt+E).
    await search.fill('');
    await viewer.locator('[data-testid="picker-item-liver"]').click();
    await canvas.focus();
    await wb.page.keyboard.press('End');
    await sliceShown(viewer, 47);
    await wb.page.keyboard.press('Home');
    await sliceShown(viewer, 0);
    for (let i = 0; i < 24; i++) await wb.page.keyboard.press('PageDown');
    await sliceShown(viewer, 24);
    await wb.page.keyboard.press('Control+Enter');
    await waitText(viewer.locator('[data-testid="legend"]'), /liver/, 60_000);
    await wb.page.keyboard.press('Control+Alt+E');
    const phantomDir = path.join(wb.workspace, 'phantom');
    const end = Date.now() + 60_000;
    let exported: string | undefined;
    while (!exported && Date.now() < end) {
      exported = fs.readdirSync(phantomDir).find((f) => f.startsWith(`${VOLUME}.medimageparse`));
      if (!exported) await wb.page.waitForTimeout(200);
    }
    assert.ok(exported, `an export beside the volume: ${fs.readdirSync(phantomDir).join(', ')}`);
    await wb.screenshot('shortcuts-run-export');

    // Remapped by the user (keybindings.json): Alt+N steps, PageDown no longer does.
    const keybindings = path.join(wb.server.dataDir, 'data', 'User', 'keybindings.json');
    fs.writeFileSync(
      keybindings,
      JSON.stringify([
        { key: 'alt+n', command: 'medimageparse.viewer.nextSlice' },
        { key: 'pagedown', command: '-medimageparse.viewer.nextSlice' },
      ]),
    );
    // The workbench reads keybindings.json when it starts: Reload Window, as a user might.
    await wb.reloadWindow();
    const again = await viewerShowing(wb, exactly(VOLUME));
    const start = (await slice(again))!;
    await again.locator('[data-testid="canvas"]').focus();
    await wb.page.keyboard.press('Alt+N');
    await sliceShown(again, start + 1);
    await wb.page.keyboard.press('PageDown');
    await sliceStays(wb, again, start + 1);
  });
});
