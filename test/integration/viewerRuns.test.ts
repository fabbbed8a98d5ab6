import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ViewerController } from '../../src/editors/viewerController';
import type { HostMessage } from '../../src/shared/protocol';
import { activateExtension, closeAllEditors, waitFor, workspaceFile } from './helpers';

/**
 * One run at a time on a volume, whoever starts it: the viewer's panel, History's Run Again
 * (`runVolume` from outside), or another viewer of the same file. The demo endpoint answers.
 */
describe('Viewer runs: one at a time, shown in the viewer whoever started them', () => {
  afterEach(closeAllEditors);

  const request = { prompts: ['liver'], mode: 'slices' as const, modality: 'CT', site: 'abdomen' };
  /** The webview's side of the conversation (its messages are validated as any webview's). */
  const fromWebview = (viewer: ViewerController, message: unknown) =>
    (viewer as unknown as { onMessage(raw: unknown): Promise<void> }).onMessage(message);

  async function phantomViewer(): Promise<{ viewer: ViewerController; posted: HostMessage[] }> {
    const api = await activateExtension();
    const uri = workspaceFile('phantom', 'synthetic_phantom_ct.nii.gz');
    await vscode.commands.executeCommand('medimageparse.openViewer', uri, [uri]);
    const viewer = await waitFor('the phantom viewer', () =>
      api.viewers.all().find((v) => v.uri.fsPath === uri.fsPath && v.webviewPanel.viewType.endsWith('Panel')),
    );
    await viewer.whenReady();
    const posted: HostMessage[] = [];
    viewer.onDidPost((m) => posted.push(m));
    return { viewer, posted };
  }

  it('shows a run started outside the webview as running, refuses a second one from anywhere, and the webview can cancel it', async () => {
    const { viewer, posted } = await phantomViewer();
    const outside = new AbortController();
    const first = viewer.runVolume({ ...request, range: [10, 40] }, { signal: outside.signal });
    const started = posted.find((m) => m.type === 'runStarted');
    assert.ok(started && started.kind === 'volume', 'the webview is told a volume run started');
    assert.ok(viewer.running);

    // A second start from outside (History's Run Again again): refused, with the reason.
    await assert.rejects(
      viewer.runVolume(request, {}),
      /A run is already in progress in the viewer of synthetic_phantom_ct\.nii\.gz: wait for it to finish, or cancel it there\./,
    );
    // … and from the webview (its Run on volume, sent before it heard of the run): refused too,
    // and told again about the run in progress.
    const before = posted.length;
    await fromWebview(viewer, { type: 'runVolume', runId: 'webview-1', ...request, range: [0, 2] });
    const answer = posted.slice(before);
    const refused = answer.find((m) => m.type === 'runError' && m.runId === 'webview-1');
    assert.ok(
      refused && refused.type === 'runError',
      `the webview's run is refused: ${JSON.stringify(answer)}`,
    );
    assert.equal(refused.cancelled, true, 'a refusal is a note, not an error box');
    assert.match(refused.error.message, /another run is in progress/);
    assert.ok(
      answer.slice(answer.indexOf(refused)).some((m) => m.type === 'runStarted' && m.runId === started.runId),
      'and told again about the run in progress',
    );

    // The webview's Cancel stops the run started outside: it ends as a cancel, with what is kept.
    await fromWebview(viewer, { type: 'cancel', runId: started.runId });
    await assert.rejects(first, /Cancelled: nothing more is sent\. Finished slices are kept/);
    const ended = posted.find((m) => m.type === 'runError' && m.runId === started.runId);
    assert.ok(ended && ended.type === 'runError' && ended.cancelled, 'the viewer shows the cancel as a note');
    assert.equal(viewer.running, false);

    // Free again: the panel's own run goes through, and its result is announced with its id.
    await fromWebview(viewer, { type: 'runVolume', runId: 'webview-2', ...request, range: [20, 21] });
    await waitFor(
      'the result of the webview run',
      () => posted.some((m) => m.type === 'volumeResult' && m.runId === 'webview-2'),
      60_000,
    );
  });

  it('refuses a second run on the same volume from another viewer of the file', async () => {
    const { viewer } = await phantomViewer();
    const api = await activateExtension();
    const uri = viewer.uri;
    await vscode.commands.executeCommand('vscode.openWith', uri, 'medimageparse.viewer', {
      viewColumn: vscode.ViewColumn.Beside,
    });
    const editor = await waitFor('the custom editor of the phantom', () =>
      api.viewers.all().find((v) => v.uri.fsPath === uri.fsPath && v !== viewer),
    );
    await editor.whenReady();
    const outside = new AbortController();
    let sending!: () => void;
    const inRunner = new Promise<void>((resolve) => (sending = resolve));
    const first = viewer.runVolume(request, {
      signal: outside.signal,
      // "Parsing 48 slices…": the run is in the volume runner, sending.
      onProgress: (message) => /slices/.test(message) && sending(),
    });
    await inRunner;
    await assert.rejects(
      editor.runVolume(request, {}),
      /synthetic_phantom_ct\.nii\.gz is already being parsed in another viewer: wait for that run to finish, or cancel it there\./,
    );
    assert.equal(editor.running, false, 'the refused viewer is free again');
    outside.abort();
    await assert.rejects(first, /Cancelled: nothing more is sent/);
  });
});
