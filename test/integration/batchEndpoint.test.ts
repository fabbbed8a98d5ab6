import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { BatchPrepareResult } from '../../src/commands/batchEndpointCommands';
import type { ImportOutcome } from '../../src/batch/batchEndpoint/import';
import { simulateBatchJob } from '../support/batchSimulator';
import { activateExtension, workspaceFile } from './helpers';

/**
 * "Parse Folder on a Batch Endpoint…" and "Import Batch Results…" in the real extension host:
 * prepare a folder, score it with the offline batch-job simulator, import the predictions.
 */
describe('Batch endpoint commands', function () {
  this.timeout(180_000);
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-batch-it-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('prepares a folder, hands over the invoke command, and imports the predictions as Parse Folder results', async () => {
    await activateExtension();
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    for (const name of ['06_CT_abdomen.png', '15_X-Ray_chest.png'])
      fs.copyFileSync(workspaceFile('demo', name).fsPath, path.join(input, name));
    const batch = path.join(tmp, 'batch input');
    const prepared = await vscode.commands.executeCommand<BatchPrepareResult>(
      'medimageparse.parseFolderOnBatchEndpoint',
      vscode.Uri.file(input),
      {
        prompts: ['bright', 'medium'],
        modalityKey: 'CT-Abdomen',
        outDir: batch,
        endpointName: 'mip-batch-test',
      },
    );
    assert.ok(prepared, 'the command returns what it prepared');
    assert.equal(prepared.outcome.prepared, 2);
    assert.deepEqual(fs.readdirSync(batch).sort(), ['batch_input_001.csv', 'manifest.json']);
    assert.ok(
      prepared.command.startsWith(
        `az ml batch-endpoint invoke --name mip-batch-test --input '${batch}' --input-type uri_folder`,
      ),
      prepared.command,
    );
    if (prepared.azureCli)
      assert.ok(
        vscode.window.terminals.some((t) => t.name === 'MedImageParse batch'),
        'a terminal holds the command',
      );

    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(prepared.outcome.inputFiles, predictions, { shuffleSeed: 2 });
    const out = path.join(tmp, 'results');
    const imported = await vscode.commands.executeCommand<ImportOutcome>(
      'medimageparse.importBatchResults',
      vscode.Uri.file(predictions),
      { manifest: path.join(batch, 'manifest.json'), outDir: out },
    );
    assert.ok(imported);
    assert.equal(imported.parsed, 2);
    assert.equal(imported.failed, 0);
    for (const name of ['06_CT_abdomen.png', '15_X-Ray_chest.png'])
      assert.ok(fs.existsSync(path.join(out, `${name}.medimageparse`, 'report.json')), name);
    assert.ok(fs.existsSync(path.join(out, 'medimageparse-summary.csv')));
  });
});
