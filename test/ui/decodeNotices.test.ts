import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Frame } from 'playwright-core';
import { closeAfterEach, REPO_ROOT, waitText, Workbench } from './workbench';

const PYDICOM = path.join(REPO_ROOT, 'test', 'fixtures', 'pydicom');

/** The frame of the viewer that shows `fileName`, once it has drawn its image. */
async function viewerOf(wb: Workbench, fileName: string): Promise<Frame> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    await wb.showTab(fileName).catch(() => undefined);
    for (const frame of wb.page.frames()) {
      const name = await frame
        .evaluate(
          () =>
            (
              window as unknown as {
                __medimageparseViewer?: { state(): { image?: { fileName: string } } };
              }
            ).__medimageparseViewer?.state().image?.fileName,
        )
        .catch(() => undefined);
      if (name === fileName) return frame;
    }
    await wb.page.waitForTimeout(300);
  }
  throw new Error(`no viewer shows ${fileName}`);
}

describe('Viewer: what a decoded file says about itself (issue 13)', () => {
  let wb: Workbench;
  let files: string;
  closeAfterEach(() => wb);
  before(() => {
    // The workspace is a fresh folder in the temp folder; these files sit next to it.
    files = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-decode-ui-'));
    fs.copyFileSync(path.join(PYDICOM, 'SC_rgb_jpeg.dcm'), path.join(files, 'SC_rgb_jpeg.dcm'));
    const dose = fs.readFileSync(path.join(PYDICOM, 'rtdose_1frame.dcm'));
    dose.write('GY      ', dose.indexOf('RELATIVE', 0, 'latin1'), 'latin1');
    fs.writeFileSync(path.join(files, 'rtdose_gy.dcm'), dose);
  });
  after(() => fs.rmSync(files, { recursive: true, force: true }));

  for (const theme of ['Default Dark Modern', 'Default Light Modern']) {
    it(`shows the warning of a file read around a broken rule, and RT Dose in Gy (${theme})`, async () => {
      const beside = (name: string) => path.join('..', path.basename(files), name);
      wb = await Workbench.launch('decode-notices', {
        theme,
        workspaceSettings: {
          'medimageparse.openOnStartup': [beside('rtdose_gy.dcm'), beside('SC_rgb_jpeg.dcm')],
        },
      });
      const jpeg = await viewerOf(wb, 'SC_rgb_jpeg.dcm');
      const warning = await waitText(
        jpeg.locator('[data-testid="volume-warnings"]'),
        /This image: the transfer syntax says explicit VR but the data set is written in implicit VR/,
      );
      assert.ok(!warning.includes('This volume'));
      await wb.screenshot(`decode-implicit-vr-warning-${theme.includes('Light') ? 'light' : 'dark'}`);

      const dose = await viewerOf(wb, 'rtdose_gy.dcm');
      const box = await dose.locator('[data-testid="canvas"]').boundingBox();
      assert.ok(box);
      await wb.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const readout = await waitText(dose.locator('[data-testid="cursor-info"]'), /x \d+, y \d+/);
      assert.match(readout, /\d\.\d+ Gy/, readout);
      await wb.screenshot(`decode-rtdose-gy-${theme.includes('Light') ? 'light' : 'dark'}`);
    });
  }
});
