import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, waitFor } from './helpers';

describe('medparse in the integrated terminal', () => {
  it("a new terminal finds medparse on PATH, run by VS Code's own Node.js", async () => {
    await activateExtension();
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-terminal-'));
    const out = path.join(dir, 'out.txt');
    // The shell resolves `medparse` through PATH as a user's typing would; the terminal gets PATH
    // from the extension's environment variable collection.
    const terminal =
      process.platform === 'win32'
        ? vscode.window.createTerminal({
            name: 'medparse check',
            shellPath: 'cmd.exe',
            shellArgs: [
              '/d',
              '/c',
              `medparse --version > "${out}" 2>&1 & where medparse >> "${out}" 2>&1 & echo END>> "${out}"`,
            ],
          })
        : vscode.window.createTerminal({
            name: 'medparse check',
            shellPath: '/bin/sh',
            shellArgs: [
              '-c',
              `medparse --version > '${out}' 2>&1; command -v medparse >> '${out}'; echo END >> '${out}'`,
            ],
          });
    try {
      const text = await waitFor('the terminal to run medparse', () => {
        const t = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
        return /^END\s*$/m.test(t) ? t : undefined;
      });
      const [version, found] = text.split(/\r?\n/);
      assert.equal(version.trim(), extension.packageJSON.version, text);
      assert.equal(
        path.resolve(found.trim()).toLowerCase(),
        path
          .join(extension.extensionPath, 'bin', process.platform === 'win32' ? 'medparse.cmd' : 'medparse')
          .toLowerCase(),
        'medparse comes from the extension',
      );
    } finally {
      terminal.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
