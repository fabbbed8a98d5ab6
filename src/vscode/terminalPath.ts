import * as l10n from '@vscode/l10n';
import type * as vscode from 'vscode';
import { terminalCliEnvironment } from '../cli/terminalShims';

/**
 * Puts `medparse` on PATH in VS Code's integrated terminals: the extension's `bin/` folder (a
 * shell and a .cmd shim that run dist/cli.js, see src/cli/terminalShims.ts) goes in front of
 * PATH, and the shim is told to use the Node.js running this extension host, so nothing else need
 * be installed. The collection persists, so terminals of later sessions get it before the
 * extension activates. Returns why it could not, if it could not (the caller logs it).
 */
export function putCliOnTerminalPath(context: vscode.ExtensionContext): string | undefined {
  const env = context.environmentVariableCollection;
  const change = terminalCliEnvironment(process.platform, context.extensionPath, process.execPath);
  if (!change.ok) {
    // A PATH entry from an earlier session (another folder) must not stay behind.
    env.clear();
    return change.problem;
  }
  // @vscode/l10n (configured from vscode.l10n.bundle at activation) keeps this module loadable
  // without VS Code, for the shim tests.
  env.description = l10n.t('Puts the medparse command line on PATH.');
  env.prepend('PATH', change.pathPrefix);
  for (const [name, value] of Object.entries(change.variables)) env.replace(name, value);
  return undefined;
}
