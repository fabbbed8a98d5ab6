// User-facing strings go through l10n, ready for translation: `vscode.l10n.t` in the VS Code layer,
// `l10n.t` of @vscode/l10n in its vscode-free modules and in the webview.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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

describe('l10n bundle', () => {
  it('l10n/bundle.l10n.json is up to date with the sources (run `npm run l10n:export` after adding a string)', function () {
    this.timeout(180_000); // runs the exporter over src/ and webview/: a hang guard, not a speed limit
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-l10n-export-'));
    try {
      const cli = path.join(repoRoot, 'node_modules', '@vscode', 'l10n-dev', 'dist', 'cli.js');
      execFileSync(process.execPath, [cli, 'export', '--outDir', out, './src', './webview'], {
        cwd: repoRoot,
        stdio: 'pipe',
      });
      const fresh = JSON.parse(fs.readFileSync(path.join(out, 'bundle.l10n.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      const checkedIn = JSON.parse(
        fs.readFileSync(path.join(repoRoot, 'l10n', 'bundle.l10n.json'), 'utf8'),
      ) as Record<string, unknown>;
      const missing = Object.keys(fresh).filter((k) => !(k in checkedIn));
      const stale = Object.keys(checkedIn).filter((k) => !(k in fresh));
      assert.deepEqual({ missing, stale }, { missing: [], stale: [] }, 'run `npm run l10n:export`');
      assert.deepEqual(checkedIn, fresh);
      assert.ok(Object.keys(fresh).length > 300, 'the export found the strings');
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  });

  it('package.json points VS Code at l10n/, and the package ships it', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      l10n?: string;
    };
    assert.equal(manifest.l10n, './l10n');
    const ignore = fs.readFileSync(path.join(repoRoot, '.vscodeignore'), 'utf8').split('\n');
    assert.ok(ignore.includes('!l10n/**'), '.vscodeignore keeps l10n/ (it is an allowlist)');
  });
});
