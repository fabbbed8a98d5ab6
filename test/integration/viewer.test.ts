import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, waitFor, workspaceFile } from './helpers';

describe('Viewer', () => {
  afterEach(closeAllEditors);

  it('opens a sample DICOM in the custom editor and sends it the image', async () => {
    const api = await activateExtension();
    const uri = workspaceFile('CT_lung_nodule.dcm');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'medimageparse.viewer');
    const viewer = await waitFor('the custom editor for the DICOM', () => api.viewers.forFile(uri.fsPath));
    assert.equal(viewer.webviewPanel.viewType, 'medimageparse.viewer');
    await viewer.whenReady();
    assert.ok(viewer.posted.includes('init'), 'the webview said ready and got init');
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
