import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, waitFor, workspaceFile } from './helpers';

interface Written {
  dir: string;
  files: string[];
  summary: { pairs: number; overall: { cases: Record<string, number> }; distanceUnit: string };
}

describe('Evaluate Against Ground Truth', () => {
  let tmp: string;
  before(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-evaluate-'))));
  after(async () => {
    await closeAllEditors();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('scores a folder of masks against ground truth, writes the files and shows the report', async () => {
    await activateExtension();
    const pred = workspaceFile('demo_mask');
    // The truth: the same masks, but the aorta annotated as absent (an empty mask).
    const truth = path.join(tmp, 'truth');
    fs.cpSync(pred.fsPath, truth, { recursive: true });
    const aorta = path.join(truth, '06_CT_abdomen_aorta.png');
    const empty = path.join(pred.fsPath, '06_CT_abdomen_liver.png');
    fs.copyFileSync(empty, aorta);
    const masks = fs.readdirSync(pred.fsPath).filter((f) => f.endsWith('.png')).length;

    const out = path.join(tmp, 'out');
    const written = (await vscode.commands.executeCommand('medimageparse.evaluate', pred, {
      truth: vscode.Uri.file(truth),
      outDir: vscode.Uri.file(out),
    })) as Written | undefined;
    assert.ok(written, 'the command returned its result');
    assert.equal(written.summary.pairs, masks);
    assert.equal(written.summary.distanceUnit, 'pixel');
    assert.deepEqual(
      ['metrics.csv', 'summary.json', 'report.html'].map((f) => fs.existsSync(path.join(out, f))),
      [true, true, true],
    );
    const csv = fs.readFileSync(path.join(out, 'metrics.csv'), 'utf8');
    const aortaRow = csv.split('\n').find((l) => l.startsWith('06_CT_abdomen,aorta,'));
    assert.ok(aortaRow && !aortaRow.startsWith('06_CT_abdomen,aorta,1,'), aortaRow);

    const tab = await waitFor('the report tab', () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find(
          (t) =>
            t.input instanceof vscode.TabInputWebview &&
            t.input.viewType.endsWith('medimageparse.evaluationReport'),
        ),
    );
    assert.equal(tab.label, 'Evaluation: demo_mask');
  });

  it('keeps earlier evaluations: a second run goes to a numbered folder inside the predictions', async () => {
    const pred = vscode.Uri.file(path.join(tmp, 'pred'));
    fs.cpSync(workspaceFile('demo_mask').fsPath, pred.fsPath, { recursive: true });
    const truth = vscode.Uri.file(workspaceFile('demo_mask').fsPath);
    const first = (await vscode.commands.executeCommand('medimageparse.evaluate', pred, {
      truth,
    })) as Written;
    const second = (await vscode.commands.executeCommand('medimageparse.evaluate', pred, {
      truth,
    })) as Written;
    assert.equal(first.dir, path.join(pred.fsPath, 'medimageparse-evaluation'));
    assert.equal(second.dir, path.join(pred.fsPath, 'medimageparse-evaluation-2'));
    assert.ok(fs.existsSync(path.join(first.dir, 'report.html')));
  });
});
