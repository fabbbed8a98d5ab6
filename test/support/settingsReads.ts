// Finds the settings the extension's source reads: `.get` / `.inspect` / `.update` on a
// configuration object (a `getConfiguration(section)` call, a name bound to one, or a local
// function returning one) with its section, and the keys given to `affectsConfiguration`.
// Strings are resolved through string literals, template literals and `const` names of the same
// file or of src/vscode/ids.ts, so a key spelt through a constant is still found.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import { repoRoot } from './manifest';

export interface SettingsReads {
  /** Full keys read (`section.key`), each with the file that reads it. */
  reads: { key: string; file: string }[];
  /** Keys or prefixes passed to affectsConfiguration. */
  watched: { key: string; file: string }[];
  /** Expressions that could not be resolved to a string (the test fails on them). */
  unresolved: { text: string; file: string }[];
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

function constStrings(file: ts.SourceFile, into: Map<string, string>): void {
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      ts.isIdentifier(node.name) &&
      node.initializer &&
      (ts.isStringLiteral(node.initializer) || ts.isNoSubstitutionTemplateLiteral(node.initializer))
    )
      into.set(node.name.text, node.initializer.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
}

export function findSettingsReads(srcDir = path.join(repoRoot, 'src')): SettingsReads {
  const shared = new Map<string, string>();
  constStrings(parse(path.join(srcDir, 'vscode', 'ids.ts')), shared);
  const result: SettingsReads = { reads: [], watched: [], unresolved: [] };

  for (const file of sourceFiles(srcDir)) {
    const source = parse(file);
    if (!source.text.includes('getConfiguration') && !source.text.includes('affectsConfiguration')) continue;
    const consts = new Map(shared);
    constStrings(source, consts);
    const rel = path.relative(repoRoot, file);
    const resolve = (e: ts.Expression): string | undefined => {
      if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
      if (ts.isIdentifier(e)) return consts.get(e.text);
      if (ts.isTemplateExpression(e)) {
        let out = e.head.text;
        for (const span of e.templateSpans) {
          const part = resolve(span.expression);
          if (part === undefined) return undefined;
          out += part + span.literal.text;
        }
        return out;
      }
      return undefined;
    };
    // Which expressions are configuration objects, and of which section: a getConfiguration call,
    // a name bound to one, or a call of a local function that returns one.
    const boundTo = new Map<string, string>();
    const returnedBy = new Map<string, string>();
    const sectionOf = (e: ts.Expression): string | undefined => {
      if (ts.isCallExpression(e)) {
        const callee = e.expression;
        if (
          ts.isPropertyAccessExpression(callee) &&
          callee.name.text === 'getConfiguration' &&
          e.arguments[0]
        ) {
          const s = resolve(e.arguments[0]);
          if (s === undefined) result.unresolved.push({ text: e.arguments[0].getText(source), file: rel });
          return s;
        }
        if (ts.isIdentifier(callee)) return returnedBy.get(callee.text);
      }
      if (ts.isIdentifier(e)) return boundTo.get(e.text);
      return undefined;
    };
    const bind = (node: ts.Node): void => {
      if (ts.isVariableDeclaration(node) && ts.isIdentifier(node.name) && node.initializer) {
        const s = sectionOf(node.initializer);
        if (s !== undefined) boundTo.set(node.name.text, s);
      }
      if (ts.isFunctionDeclaration(node) && node.name && node.body) {
        for (const statement of node.body.statements) {
          if (ts.isReturnStatement(statement) && statement.expression) {
            const s = sectionOf(statement.expression);
            if (s !== undefined) returnedBy.set(node.name.text, s);
          }
        }
      }
      ts.forEachChild(node, bind);
    };
    bind(source);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const method = node.expression.name.text;
        const arg = node.arguments[0];
        if (method === 'affectsConfiguration' && arg) {
          const s = resolve(arg);
          if (s === undefined) result.unresolved.push({ text: arg.getText(source), file: rel });
          else result.watched.push({ key: s, file: rel });
        } else if ((method === 'get' || method === 'inspect' || method === 'update') && arg) {
          const section = sectionOf(node.expression.expression);
          const key = resolve(arg);
          if (section !== undefined) {
            if (key === undefined) result.unresolved.push({ text: arg.getText(source), file: rel });
            else result.reads.push({ key: `${section}.${key}`, file: rel });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return result;
}
