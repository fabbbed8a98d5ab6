import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { chooseSeries, seriesSource } from '../../src/editors/sliceSource';
import type { ViewerController } from '../../src/editors/viewerController';
import type { HostMessage } from '../../src/shared/protocol';
import { Commands } from '../../src/vscode/ids';
import { activateExtension, closeAllEditors, waitFor, workspaceFile } from './helpers';

/**
 * One run at a time on a viewer, whoever starts it: the viewer's panel, History's Run Again
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

  /** A single-slice result of the phantom, made outside the viewer (as History keeps one). */
  async function sliceResult(
    request:
      | { kind: 'parse'; prompts: string[]; modality: string; site: string; ctWindow: string }
      | { kind: 'recognition'; modalityKey: string },
    slice: number,
  ) {
    const api = await activateExtension();
    await api.endpoints.setActive('demo');
    const file = workspaceFile('phantom', 'synthetic_phantom_ct.nii.gz').fsPath;
    const first = await api.runner.run({ ...request, file, slice }, { confirmed: true });
    const entry = await api.history.get(first.id);
    assert.ok(entry, 'the first result is in History');
    return { api, first };
  }

  it("runs History's Run Again of a single-slice result in the viewer: on its slice, shown running, then its result", async () => {
    const { api, first } = await sliceResult(
      { kind: 'parse', prompts: ['liver'], modality: 'CT', site: 'abdomen', ctWindow: 'lung' },
      12,
    );
    const { viewer, posted } = await phantomViewer();
    await vscode.commands.executeCommand(Commands.historyRerun, first.id);

    const started = posted.find((m) => m.type === 'runStarted');
    assert.ok(
      started && started.type === 'runStarted' && started.kind === 'parse',
      `the viewer is told a parse started: ${JSON.stringify(posted.map((m) => m.type))}`,
    );
    const moved = posted.findIndex((m) => m.type === 'image' && m.image.slice?.index === 12);
    assert.ok(moved > posted.indexOf(started), 'the viewer goes to the slice the result was made on');
    const done = posted.find((m) => m.type === 'runResult' && m.runId === started.runId);
    assert.ok(done && done.type === 'runResult', 'the run ends in the viewer with its result');
    assert.ok(posted.indexOf(done) > moved);
    const again = done.result;
    assert.notEqual(again.id, first.id, 'a new result');
    assert.deepEqual(
      [again.slice, again.prompts, again.modality, again.site, again.ctWindow],
      [12, ['liver'], 'CT', 'abdomen', 'lung'],
      'the same request: slice, prompts, modality, site and CT window',
    );
    assert.equal(viewer.currentResult?.id, again.id, 'the new result is on screen');
    assert.ok(await api.history.get(again.id), 'and in History');
    assert.equal(viewer.running, false);
  });

  it("runs History's Run Again of a recognition result in the viewer as a recognition", async () => {
    const { first } = await sliceResult({ kind: 'recognition', modalityKey: 'CT-Abdomen' }, 20);
    const { viewer, posted } = await phantomViewer();
    await vscode.commands.executeCommand(Commands.historyRerun, first.id);
    const started = posted.find((m) => m.type === 'runStarted');
    assert.ok(started && started.type === 'runStarted' && started.kind === 'recognition');
    const done = posted.find((m) => m.type === 'runResult' && m.runId === started.runId);
    assert.ok(done && done.type === 'runResult', 'the recognition ends in the viewer with its result');
    assert.deepEqual(
      [done.result.kind, done.result.modalityKey, done.result.slice],
      ['recognition', 'CT-Abdomen', 20],
    );
    assert.equal(viewer.currentResult?.id, done.result.id);
  });

  it("ends History's Run Again with the file's error when the file is gone, instead of waiting for good", async () => {
    const api = await activateExtension();
    await api.endpoints.setActive('demo');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-gone-'));
    try {
      const file = path.join(dir, 'gone_CT_abdomen.png');
      fs.copyFileSync(workspaceFile('demo', '06_CT_abdomen.png').fsPath, file);
      const first = await api.runner.run(
        { kind: 'parse', file, prompts: ['liver'], modality: 'CT', site: 'abdomen' },
        { confirmed: true },
      );
      fs.rmSync(file);
      // Before, the command waited for a viewer that could never show the image: it never returned.
      await vscode.commands.executeCommand(Commands.historyRerun, first.id);
      const viewer = api.viewers.all().find((v) => v.uri.fsPath === file);
      assert.ok(viewer, 'Run Again opened a viewer of the file');
      await assert.rejects(
        viewer.whenReady(),
        /gone_CT_abdomen\.png/,
        'the viewer says which file it cannot show',
      );
      assert.equal(viewer.running, false, 'nothing is left running');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the series of a single-slice result from a folder of several: Open and Run Again show that series, never another', async () => {
    const api = await activateExtension();
    await api.endpoints.setActive('demo');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-two-series-'));
    try {
      // The phantom's series as it ships (48 slices), and its first 20 slices again as a second,
      // smaller series: not the one a folder opens on by default.
      const shipped = workspaceFile('phantom', 'synthetic_phantom_ct_series').fsPath;
      for (const name of fs.readdirSync(shipped))
        fs.copyFileSync(path.join(shipped, name), path.join(dir, name));
      let otherUid = '';
      for (let k = 0; k < 20; k++) {
        const bytes = fs.readFileSync(path.join(shipped, `slice_${String(k).padStart(3, '0')}.dcm`));
        otherUid = renameSeries(bytes);
        fs.writeFileSync(path.join(dir, `other_${k}.dcm`), bytes);
      }
      const { series, all } = await chooseSeries(dir, { seriesUid: otherUid });
      assert.equal(all.length, 2);
      assert.notEqual(all[0].seriesInstanceUid, otherUid, 'the folder opens on the other series by default');
      const viewer = api.viewers.open(vscode.Uri.file(dir), undefined, seriesSource(dir, series));
      await viewer.whenReady();
      const first = await viewer.runAgain({
        kind: 'parse',
        prompts: ['liver'],
        modality: 'CT',
        site: 'abdomen',
        slice: 5,
      });
      assert.equal(
        (await api.history.get(first.id))?.seriesInstanceUid,
        otherUid,
        'History keeps the series',
      );

      const viewersOfDir = () => api.viewers.all().filter((v) => v.uri.fsPath === dir);
      await closeAllEditors();
      await vscode.commands.executeCommand(Commands.historyOpen, first.id);
      const opened = await waitFor('the viewer History opens', () => viewersOfDir()[0]);
      assert.equal(opened.seriesUid, otherUid, 'Open shows the series the result was made on');

      await closeAllEditors();
      await vscode.commands.executeCommand(Commands.historyRerun, first.id);
      const rerun = await waitFor('the viewer Run Again runs in', () => viewersOfDir()[0]);
      assert.equal(rerun.seriesUid, otherUid, 'Run Again runs on that series');
      const again = rerun.currentResult;
      assert.ok(again && again.id !== first.id, 'a new result');
      assert.deepEqual([again.slice, again.prompts], [5, ['liver']]);
      assert.equal((await api.history.get(again.id))?.seriesInstanceUid, otherUid);

      // The series gone from the folder: an error, not the other series in its place.
      for (let k = 0; k < 20; k++) fs.rmSync(path.join(dir, `other_${k}.dcm`));
      await closeAllEditors();
      await vscode.commands.executeCommand(Commands.historyRerun, first.id);
      await vscode.commands.executeCommand(Commands.historyOpen, first.id);
      assert.deepEqual(viewersOfDir(), [], 'no viewer of another series was opened');
    } finally {
      await closeAllEditors();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses History's Run Again of a single-slice result while the viewer runs another", async () => {
    const { api, first } = await sliceResult(
      { kind: 'parse', prompts: ['liver'], modality: 'CT', site: 'abdomen', ctWindow: 'lung' },
      12,
    );
    const { viewer, posted } = await phantomViewer();
    const outside = new AbortController();
    const volumeRun = viewer.runVolume({ ...request, range: [10, 40] }, { signal: outside.signal });
    const busy = posted.find((m) => m.type === 'runStarted');
    assert.ok(busy && busy.type === 'runStarted' && busy.kind === 'volume');
    const kept = (await api.history.list()).length;
    const before = posted.length;

    await vscode.commands.executeCommand(Commands.historyRerun, first.id);
    const after = posted.slice(before);
    assert.ok(
      !after.some((m) => m.type === 'runStarted' && m.runId !== busy.runId) &&
        !after.some((m) => m.type === 'showResult' || m.type === 'runResult'),
      `nothing else starts or shows in the viewer: ${JSON.stringify(after.map((m) => m.type))}`,
    );
    assert.equal((await api.history.list()).length, kept, 'nothing was run: History has no new entry');
    assert.ok(viewer.running, 'the run in progress goes on');

    outside.abort();
    await assert.rejects(volumeRun, /Cancelled: nothing more is sent/);
  });

  it("refuses History's Run Again while the file's editor runs another, and opens no second viewer", async () => {
    const { api, first } = await sliceResult(
      { kind: 'parse', prompts: ['liver'], modality: 'CT', site: 'abdomen', ctWindow: 'lung' },
      12,
    );
    const uri = workspaceFile('phantom', 'synthetic_phantom_ct.nii.gz');
    await vscode.commands.executeCommand('vscode.openWith', uri, 'medimageparse.viewer');
    const editor = await waitFor('the custom editor of the phantom', () =>
      api.viewers.all().find((v) => v.uri.fsPath === uri.fsPath),
    );
    await editor.whenReady();
    const outside = new AbortController();
    const volumeRun = editor.runVolume({ ...request, range: [10, 40] }, { signal: outside.signal });
    const viewers = api.viewers.all().length;
    const kept = (await api.history.list()).length;

    await vscode.commands.executeCommand(Commands.historyRerun, first.id);
    assert.equal(api.viewers.all().length, viewers, 'no second viewer of the file is opened');
    assert.equal((await api.history.list()).length, kept, 'nothing was run: History has no new entry');
    assert.ok(editor.running, 'the run in progress goes on');

    outside.abort();
    await assert.rejects(volumeRun, /Cancelled: nothing more is sent/);
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

/**
 * Makes a DICOM file (explicit VR little endian) part of another series: the last character of
 * its SeriesInstanceUID (0020,000E) changed in place. Returns the new UID.
 */
function renameSeries(bytes: Buffer): string {
  const tag = Buffer.from([0x20, 0x00, 0x0e, 0x00, 0x55, 0x49]); // (0020,000E) UI
  const at = bytes.indexOf(tag);
  assert.ok(at > 0, 'a SeriesInstanceUID element');
  const length = bytes.readUInt16LE(at + 6);
  let end = at + 8 + length - 1;
  if (bytes[end] === 0) end--; // UIDs are padded with a NUL to an even length
  bytes[end] = bytes[end] === 0x39 ? 0x38 : 0x39; // the last digit: 9, or 8 where it was 9
  return bytes.toString('latin1', at + 8, end + 1);
}
