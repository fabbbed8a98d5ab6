// The extension test entry: loaded by the extension host (VS Code server in CI, desktop VS Code
// through @vscode/test-electron elsewhere); runs every compiled *.test.js beside it with mocha.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { format } from 'node:util';
import * as vscode from 'vscode';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const grep = process.env.MEDIMAGEPARSE_TEST_GREP;
  const mocha = new Mocha({
    ui: 'bdd',
    timeout: 60_000,
    color: false,
    reporter: 'spec',
    grep: grep || undefined,
  });
  // The server forwards console output, not stdout: tag mocha's lines so the runner can show them.
  const log = console.log;
  const Base = Mocha.reporters.Base as unknown as { consoleLog: (...args: unknown[]) => void };
  Base.consoleLog = (...args: unknown[]) => log(`[mocha] ${format(...args)}`);
  log(
    '[mocha]',
    `extension host: VS Code ${vscode.version} (${vscode.env.appHost}), node ${process.version}`,
  );
  // In name order: activation.test.js first, while the extension is not yet active.
  for (const file of (fs.readdirSync(__dirname, { recursive: true }) as string[]).sort()) {
    if (file.endsWith('.test.js')) mocha.addFile(path.join(__dirname, file));
  }
  const counts = { passed: 0, failed: 0, pending: 0, vscodeVersion: vscode.version };
  await new Promise<void>((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const resultsFile = process.env.MEDIMAGEPARSE_TEST_RESULTS;
      if (resultsFile) fs.writeFileSync(resultsFile, JSON.stringify(counts));
      if (failures > 0) reject(new Error(`${failures} integration test(s) failed`));
      else resolve();
    });
    runner.on('pass', () => counts.passed++);
    runner.on('fail', () => counts.failed++);
    runner.on('pending', () => counts.pending++);
  });
}
