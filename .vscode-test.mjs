// @vscode/test-cli configuration (`npm run test:electron`): the same integration suite as
// `npm test`, run in desktop VS Code downloaded by @vscode/test-electron. Needs internet on
// first use; offline machines use the VS Code server instead (scripts/run-integration-tests.mjs).
import { defineConfig } from '@vscode/test-cli';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-ws-'));
fs.cpSync('media/samples', workspace, { recursive: true });

export default defineConfig({
  files: 'out/test/integration/**/*.test.js',
  version: '1.100.3',
  workspaceFolder: workspace,
  launchArgs: ['--disable-workspace-trust', '--disable-extensions'],
  mocha: { ui: 'bdd', timeout: 60_000 },
});
