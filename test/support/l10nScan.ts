// Finds English text a user would read that does not go through l10n: every literal in the
// sources that reads as prose and is not inside an l10n.t call, a log line, an identifier
// position (keys, classes, comparisons), or a line marked `// l10n-ignore: <why>` (brand names,
// protocol words, file contents). Used by test/unit/manifest/l10n.test.ts.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './manifest';

/**
 * Where the text a user reads is made: the VS Code layer, its commands, views, editors, the
 * webview, and the run's progress and confidence words they show. (The stages below keep English:
 * their texts go into files and the command line's output, which are interfaces.)
 */
export const SCANNED = [
  'src/vscode',
  'src/commands',
  'src/views',
  'src/editors',
  'src/extension.ts',
  'src/shared/suggestion.ts',
  'src/pipeline/parse.ts',
  'src/pipeline/volumeProgress.ts',
  'webview',
];

/** Callees whose string arguments are never shown in the UI (logs, keys, DOM plumbing). */
const NOT_SHOWN_CALLEES = new Set([
  'info',
  'warn',
  'error',
  'debug',
  'trace',
  'log',
  'appendLine',
  'executeCommand',
  'getConfiguration',
  'querySelector',
  'querySelectorAll',
  'closest',
  'matches',
  'createElement',
  'require',
]);

/** Object keys whose values are identifiers, not text. */
const NOT_SHOWN_KEYS =
  /^(class|className|id|role|type|kind|command|key|viewType|slot|part|for|name|data-.*|testid|contextValue|aria-(?!label$|description$|roledescription$|valuetext$|placeholder$).*)$/;

/** Properties whose assigned values are identifiers or styles, not text (`canvas.className = …`). */
const NOT_SHOWN_ASSIGNED = /^(className|font|id|textAlign|textBaseline|fillStyle|strokeStyle|cursor|type)$/;

/** The .ts files of a file or folder (relative to the repository, or absolute). */
export function files(entry: string): string[] {
  const full = path.resolve(repoRoot, entry);
  if (fs.statSync(full).isFile()) return [full];
  return fs.readdirSync(full, { withFileTypes: true }).flatMap((e) => {
    const child = path.join(full, e.name);
    return e.isDirectory() ? files(child) : e.name.endsWith('.ts') ? [child] : [];
  });
}

/** The literal's text, each substitution a NUL (neither a letter nor a space). */
function staticText(
  node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral | ts.TemplateExpression,
): string {
  if (!ts.isTemplateExpression(node)) return node.text;
  return [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join('\u0000');
}

/** Reads as words a person reads: two words, or a capitalised word ("Reveal", "Cancelled."). */
export function readsAsProse(text: string): boolean {
  const t = text.trim();
  if (!/[A-Za-z]{2,}/.test(t)) return false;
  if (/^[a-z][\w-]*$/.test(t)) return false; // identifiers, codicon and CSS names
  if (/^[\w./*-]+$/.test(t) && /[./]/.test(t)) return false; // paths, globs, file names, ids
  if (/^[A-Z0-9_]+$/.test(t)) return false; // constants, modality keys
  if (/^(https?:|data:|blob:)\S*$/.test(t)) return false;
  if (/^</.test(t) || /^[a-z-]+-src\b/.test(t)) return false; // markup and Content-Security-Policy
  return /[A-Za-z]{2,}[,.:;!?…)]?\s+[A-Za-z(“"'][a-z]/.test(t) || /^[A-Z][a-z]+/.test(t);
}

function isL10nCall(node: ts.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const e = node.expression;
  // vscode.l10n.t(…) or l10n.t(…)
  return (
    ts.isPropertyAccessExpression(e) &&
    e.name.text === 't' &&
    ((ts.isIdentifier(e.expression) && e.expression.text === 'l10n') ||
      (ts.isPropertyAccessExpression(e.expression) && e.expression.name.text === 'l10n'))
  );
}

function notShown(node: ts.Node): boolean {
  for (let n: ts.Node = node; n.parent; n = n.parent) {
    const p = n.parent;
    if (isL10nCall(p)) return true;
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isLiteralTypeNode(p)) return true;
    if (ts.isCaseClause(p) && p.expression === n) return true;
    if (
      ts.isBinaryExpression(p) &&
      p.operatorToken.kind === ts.SyntaxKind.EqualsToken &&
      p.right === n &&
      ts.isPropertyAccessExpression(p.left) &&
      NOT_SHOWN_ASSIGNED.test(p.left.name.text)
    )
      return true;
    if (ts.isElementAccessExpression(p) && p.argumentExpression === n) return true;
    if (ts.isPropertyAssignment(p) && p.name === n) return true;
    if (ts.isPropertyAssignment(p) && p.initializer === n) {
      const key = ts.isIdentifier(p.name) || ts.isStringLiteral(p.name) ? p.name.text : '';
      if (NOT_SHOWN_KEYS.test(key)) return true;
    }
    if (
      ts.isBinaryExpression(p) &&
      [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(
        p.operatorToken.kind,
      )
    )
      return true;
    if (ts.isCallExpression(p) || ts.isNewExpression(p)) {
      const callee = p.expression;
      const name = ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : ts.isIdentifier(callee)
          ? callee.text
          : '';
      if (NOT_SHOWN_CALLEES.has(name)) return true;
      // el('div', …): the tag; the children are text.
      if (name === 'el' && p.arguments?.[0] === n) return true;
      // setAttribute('aria-label', …): the name; the value may be text.
      if (name === 'setAttribute' && p.arguments?.[0] === n) return true;
      // logger.x(…), log.logger.x(…), console.x(…)
      if (ts.isPropertyAccessExpression(callee)) {
        const obj = callee.expression.getText();
        if (/(^|\.)(logger|console)$/.test(obj)) return true;
      }
      // A call's arguments end the climb (what the call makes of them is checked where it shows them).
      if (p.arguments?.includes(n as ts.Expression)) return false;
    }
    // Statements end the climb.
    if (ts.isStatement(p) || ts.isSourceFile(p)) return false;
  }
  return false;
}

function ignoredLines(text: string): Set<number> {
  const lines = new Set<number>();
  text.split('\n').forEach((line, i) => {
    // The marker covers its own line and the next one.
    if (/\/\/ l10n-ignore\b/.test(line)) {
      lines.add(i);
      lines.add(i + 1);
    }
  });
  return lines;
}

export function unlocalizedLiterals(entries: string[]): string[] {
  const found: string[] = [];
  for (const file of entries.flatMap(files)) {
    const text = fs.readFileSync(file, 'utf8');
    const ignored = ignoredLines(text);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node): void => {
      if (
        ts.isStringLiteral(node) ||
        ts.isNoSubstitutionTemplateLiteral(node) ||
        ts.isTemplateExpression(node)
      ) {
        const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
        const text = staticText(node);
        const prose =
          readsAsProse(text) ||
          // A template's fragments around values: "${what} in ${name}…", "${n} slices".
          (ts.isTemplateExpression(node) &&
            !/^(<|[a-z-]+-src\b)/.test(text.trim()) &&
            /(^|\s)[A-Za-z]{2,}(\s|[,.:;…](\s|$)|$)/.test(text));
        if (prose && !ignored.has(line) && !notShown(node)) {
          found.push(`${path.relative(repoRoot, file)}:${line + 1}: ${node.getText(source).slice(0, 80)}`);
          return;
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}
