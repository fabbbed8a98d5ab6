import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as dicomParser from 'dicom-parser';
import * as vscode from 'vscode';
import type { HostMessage } from '../../src/shared/protocol';
import { activateExtension, closeAllEditors, waitFor, workspaceFile } from './helpers';

describe('Viewer', () => {
  afterEach(closeAllEditors);

  it('opens a sample DICOM in the custom editor and sends it the image', async () => {
    const api = await activateExtension();
    const uri = workspaceFile('CT_lung_nodule.dcm');
    // Listen before opening: the init message goes out once the webview says it is ready.
    const inits: Extract<HostMessage, { type: 'init' }>[] = [];
    const listening = api.viewers.onDidOpenViewer((viewer) => {
      viewer.onDidPost((message) => {
        if (message.type === 'init') inits.push(message);
      });
    });
    try {
      await vscode.commands.executeCommand('vscode.openWith', uri, 'medimageparse.viewer');
      const viewer = await waitFor('the custom editor for the DICOM', () => api.viewers.forFile(uri.fsPath));
      assert.equal(viewer.webviewPanel.viewType, 'medimageparse.viewer');
      await viewer.whenReady();
    } finally {
      listening.dispose();
    }
    assert.equal(inits.length, 1, 'the webview said ready and got one init');
    const image = inits[0].image;
    assert.equal(image.fileName, 'CT_lung_nodule.dcm');
    assert.deepEqual([image.format, image.width, image.height, image.channels], ['dicom', 512, 512, 1]);

    // Every value is the file's stored value × RescaleSlope + RescaleIntercept (HU), read here
    // straight from the file with dicom-parser, not through the extension's decoder.
    const expected = hounsfieldUnits(fs.readFileSync(uri.fsPath));
    assert.equal(image.pixels.length, expected.length);
    let differ = 0;
    for (let i = 0; i < expected.length; i++) if (image.pixels[i] !== expected[i]) differ++;
    assert.equal(differ, 0, `${differ} of ${expected.length} pixel values differ from the file`);
    // pydicom 2.3 on the same file: HU at (256, 256), the extremes and the sum of all pixels.
    let sum = 0;
    for (const v of image.pixels) sum += v;
    assert.deepEqual(
      [image.pixels[256 * 512 + 256], image.range.min, image.range.max, sum],
      [37, -1024, 1740, -146938721],
    );
  });

  it('opens the panel from the explorer command and answers a round trip', async () => {
    const api = await activateExtension();
    const uri = workspaceFile('covid_1585.png');
    await vscode.commands.executeCommand('medimageparse.openViewer', uri, [uri]);
    const viewer = await waitFor('the viewer panel', () => api.viewers.forFile(uri.fsPath));
    assert.equal(viewer.webviewPanel.viewType, 'medimageparse.viewerPanel');
    await viewer.whenReady();
    // host → webview (requestScreenshot) → host (screenshot): a PNG of what the canvas shows.
    const png = await viewer.requestScreenshot(15_000);
    assert.ok(png, 'the webview answered with a screenshot');
    assert.deepEqual(
      [...png.subarray(0, 8)],
      [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a],
      'the answer is a PNG',
    );
  });
});

/** HU of an uncompressed single-frame grey DICOM, read with dicom-parser (not our decoder). */
function hounsfieldUnits(file: Buffer): Float64Array {
  const ds = dicomParser.parseDicom(new Uint8Array(file.buffer, file.byteOffset, file.byteLength));
  const rows = ds.uint16('x00280010')!;
  const columns = ds.uint16('x00280011')!;
  assert.equal(ds.uint16('x00280100'), 16, 'BitsAllocated');
  const signed = ds.uint16('x00280103') === 1;
  const slope = Number(ds.string('x00281053') ?? 1);
  const intercept = Number(ds.string('x00281052') ?? 0);
  const element = ds.elements.x7fe00010;
  const view = new DataView(file.buffer, file.byteOffset + element.dataOffset, element.length);
  const out = new Float64Array(rows * columns);
  for (let i = 0; i < out.length; i++) {
    const stored = signed ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true);
    out[i] = stored * slope + intercept;
  }
  return out;
}
