// User-facing strings go through l10n, ready for translation: `vscode.l10n.t` in the VS Code layer,
// `l10n.t` of @vscode/l10n in its vscode-free modules and in the webview.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import ts from 'typescript';
import { files, SCANNED, unlocalizedLiterals } from '../../support/l10nScan';
import { repoRoot } from '../../support/manifest';

const MESSAGE_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage']);

describe('l10n of user-facing strings', () => {
  it('message boxes show localized text (vscode.l10n.t), never a bare literal', function () {
    this.timeout(60_000); // parses the layer's files: a hang guard, not a speed limit
    const bare: string[] = [];
    let checked = 0;
    for (const file of files('src')) {
      const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node): void => {
        if (
          ts.isCallExpression(node) &&
          ts.isPropertyAccessExpression(node.expression) &&
          MESSAGE_CALLS.has(node.expression.name.text)
        ) {
          checked++;
          for (const arg of node.arguments) {
            if (
              ts.isStringLiteral(arg) ||
              ts.isNoSubstitutionTemplateLiteral(arg) ||
              ts.isTemplateExpression(arg)
            ) {
              const { line } = source.getLineAndCharacterOfPosition(arg.getStart(source));
              bare.push(`${path.relative(repoRoot, file)}:${line + 1}: ${arg.getText(source).slice(0, 60)}`);
            }
          }
        }
        ts.forEachChild(node, visit);
      };
      visit(source);
    }
    assert.ok(checked > 30, `the scan found the message boxes (${checked})`);
    assert.deepEqual(bare, []);
  });

  it('no English text is left outside l10n.t in the VS Code layer, its commands, views, editors and the webview', function () {
    this.timeout(60_000);
    assert.deepEqual(unlocalizedLiterals(SCANNED), []);
  });

  it('the scan catches a new bare string (a quick pick, a tooltip, a webview label)', function () {
    this.timeout(60_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-l10n-scan-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'planted.ts'),
        [
          "import * as vscode from 'vscode';",
          "void vscode.window.showQuickPick([{ label: 'Open the viewer' }], { placeHolder: vscode.l10n.t('Pick one') });",
          'item.tooltip = `Endpoint ${name} is ready`;',
          "el('button', { 'aria-label': 'Zoom in' }, 'Reset');",
          "log.logger.info('A log line is not shown in the UI');",
          "el('div', { class: 'picker item' }, vscode.l10n.t('Localized text'));",
          "const file = 'report.json'; // l10n-ignore: a file name",
        ].join('\n'),
      );
      const found = unlocalizedLiterals([dir]).map((f) => f.replace(/^.*?: /, ''));
      assert.deepEqual(found, ["'Open the viewer'", '`Endpoint ${name} is ready`', "'Zoom in'", "'Reset'"]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
