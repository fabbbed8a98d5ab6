import * as path from 'node:path';
import * as vscode from 'vscode';

/** Names the Node.js that the shim in `bin/` runs the command line with. */
export const CLI_NODE_VARIABLE = 'MEDIMAGEPARSE_NODE';

/**
 * Puts `medparse` on PATH in VS Code's integrated terminals: the extension's `bin/` folder (a
 * shell and a .cmd shim that run dist/cli.js) goes in front of PATH, and the shim is told to use
 * the Node.js running this extension host, so nothing else need be installed. The collection
 * persists, so terminals of later sessions get it before the extension activates.
 */
export function putCliOnTerminalPath(context: vscode.ExtensionContext): void {
  const env = context.environmentVariableCollection;
  env.description = vscode.l10n.t('Puts the medparse command line on PATH.');
  env.prepend('PATH', path.join(context.extensionPath, 'bin') + path.delimiter);
  env.replace(CLI_NODE_VARIABLE, process.execPath);
}
