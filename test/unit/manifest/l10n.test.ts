// User-facing strings of the VS Code layer go through vscode.l10n.t, ready for translation: no
// message box in src/vscode/ is given a bare string literal.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { repoRoot } from '../../support/manifest';

const MESSAGE_CALLS = new Set(['showInformationMessage', 'showWarningMessage', 'showErrorMessage']);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? files(full) : e.name.endsWith('.ts') ? [full] : [];
  });
}

describe('l10n in src/vscode', () => {
  it('message boxes show localized text (vscode.l10n.t), never a bare literal', function () {
    this.timeout(60_000); // parses the layer's files: a hang guard, not a speed limit
    const bare: string[] = [];
    let checked = 0;
    for (const file of files(path.join(repoRoot, 'src', 'vscode'))) {
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
    assert.ok(checked > 0, 'the scan found the message boxes');
    assert.deepEqual(bare, []);
  });
});
