import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { activateExtension, closeAllEditors, waitFor, workspaceFile } from './helpers';

/**
 * The language-model tools as agent mode calls them (`vscode.lm.invokeTool`), in the real
 * extension host with the demo endpoint: a parse gives the same figures as the viewer's runner on
 * the same image and targets, opens the image with its result, and files outside the workspace
 * are refused.
 */

function partsText(result: vscode.LanguageModelToolResult): string[] {
  return result.content
    .filter((p): p is vscode.LanguageModelTextPart => p instanceof vscode.LanguageModelTextPart)
    .map((p) => p.value);
}

describe('Language-model tools', function () {
  this.timeout(120_000);
  afterEach(closeAllEditors);

  it('are registered under the names package.json contributes', async () => {
    await activateExtension();
    const names = vscode.lm.tools.map((t) => t.name).filter((n) => n.startsWith('medimageparse_'));
    assert.deepEqual(names.sort(), [
      'medimageparse_inspect',
      'medimageparse_parse',
      'medimageparse_recognize',
      'medimageparse_targets',
    ]);
  });

  it('parse gives the viewer runner’s figures and opens the image with the result', async () => {
    const api = await activateExtension();
    const uri = workspaceFile('demo', '06_CT_abdomen.png');
    const result = await vscode.lm.invokeTool('medimageparse_parse', {
      input: { image: 'demo/06_CT_abdomen.png', targets: ['liver', 'spleen'] },
      toolInvocationToken: undefined,
    });
    const [text, json] = partsText(result);
    assert.match(text, /liver: \d+ px/);
    const data = JSON.parse(json) as { targets: { target: string; areaPixels: number }[]; source: string };
    assert.equal(data.source, 'demo-reference');

    const viaRunner = await api.runner.run(
      { kind: 'parse', file: uri.fsPath, prompts: ['liver', 'spleen'], modality: 'CT', site: 'abdomen' },
      { confirmed: true },
    );
    assert.deepEqual(
      data.targets.map((t) => [t.target, t.areaPixels]),
      viaRunner.targets.map((t) => [t.target, t.area]),
    );
    assert.ok(data.targets[0].areaPixels > 1000);
    await waitFor('the viewer of the parsed image', () => api.viewers.forFile(uri.fsPath));
  });

  it('targets and inspect answer; a file outside the workspace is refused', async () => {
    await activateExtension();
    const targets = partsText(
      await vscode.lm.invokeTool('medimageparse_targets', {
        input: { modality: 'CT', site: 'abdomen' },
        toolInvocationToken: undefined,
      }),
    );
    assert.match(targets[0], /CT · abdomen: .*liver/);
    const inspect = partsText(
      await vscode.lm.invokeTool('medimageparse_inspect', {
        input: { image: 'CT_lung_nodule.dcm' },
        toolInvocationToken: undefined,
      }),
    );
    assert.equal(JSON.parse(inspect[1]).width, 512);
    await assert.rejects(
      Promise.resolve(
        vscode.lm.invokeTool('medimageparse_inspect', {
          input: { image: '/etc/hostname' },
          toolInvocationToken: undefined,
        }),
      ),
      /outside the folders this tool may read/,
    );
  });
});
