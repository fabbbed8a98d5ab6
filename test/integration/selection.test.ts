import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { Commands } from '../../src/vscode/ids';
import type { ParseResult } from '../../src/shared/protocol';
import { activateExtension, closeAllEditors, workspaceFile } from './helpers';

/**
 * Several images picked in the explorer and recognized in one go, as a user does from the
 * context menu: with "each image's own modality" the CT is recognized with the CT list and the
 * chest X-ray with the X-ray list (not the first file's), and each viewer shows its own image's
 * result.
 */
describe('Explorer selection of several images', function () {
  this.timeout(120_000);
  afterEach(closeAllEditors);

  it('recognizes each image with its own modality and shows each result on its own image', async () => {
    const api = await activateExtension();
    await api.endpoints.setActive('demo');
    const ct = workspaceFile('demo', '06_CT_abdomen.png');
    const xray = workspaceFile('demo', '15_X-Ray_chest.png');
    const running = vscode.commands.executeCommand(Commands.recognize, ct, [ct, xray]) as Thenable<
      ParseResult[] | undefined
    >;
    // The modality quick pick opens with "Each image's own modality" first: accept it.
    let settled = false;
    void Promise.resolve(running).finally(() => (settled = true));
    for (let i = 0; i < 40 && !settled; i++) {
      await new Promise((r) => setTimeout(r, 500));
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      if (api.viewers.forFile(ct.fsPath)?.currentResult) break;
    }
    const results = await running;
    assert.ok(results, 'the command ran');
    assert.deepEqual(
      results.map((r) => r.modalityKey),
      ['CT-Abdomen', 'X-Ray-Chest'],
    );
    // Each viewer, brought to the front (a hidden webview starts when shown), shows its own result.
    const shown = async (uri: vscode.Uri) => {
      const viewer = api.viewers.open(uri);
      await viewer.whenReady();
      assert.equal(api.viewers.forFile(uri.fsPath), viewer, 'one viewer per image');
      return viewer.currentResult!;
    };
    const ctViewer = await shown(ct);
    const xrayViewer = await shown(xray);
    assert.equal(ctViewer.modalityKey, 'CT-Abdomen');
    assert.equal(xrayViewer.modalityKey, 'X-Ray-Chest');
  });
});
