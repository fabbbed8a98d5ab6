// `npm start`: builds, then runs a real VS Code with the extension loaded, the sample images
// folder open and the offline demo endpoint selected. Here that is the VS Code server (browser
// workbench): open the printed address in a browser. With `-- --desktop` it launches desktop
// VS Code (`code` on PATH) instead.
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, makeSampleWorkspace } from './workbench.mjs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = spawnSync('node', ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);

const settings = {
  'medimageparse.activeEndpoint': 'demo',
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
};
const workspace = makeSampleWorkspace(repoRoot, 'medimageparse-samples-');
// Listed in a file of their own so a unit test checks that the demo endpoint answers each one.
const startImages = JSON.parse(fs.readFileSync(path.join(repoRoot, 'scripts', 'start-images.json'), 'utf8'));
// The sample workspace opens images the demo endpoint answers: the demo abdomen CT and the
// synthetic CT phantom volume (browse its slices; Run gives its exact labels).
fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
fs.writeFileSync(
  path.join(workspace, '.vscode', 'settings.json'),
  JSON.stringify({ 'medimageparse.openOnStartup': startImages.map((image) => image.file) }, null, 2),
);
const port = Number(process.env.PORT ?? 0) || undefined;

if (process.argv.includes('--desktop')) {
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'medimageparse-desktop-'));
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(settings, null, 2));
  spawn('code', ['--user-data-dir', userData, '--extensionDevelopmentPath', repoRoot, workspace], {
    stdio: 'inherit',
  });
} else {
  const server = await startServer({ port, settings, log: () => {} });
  const url = server.url({ extensionPath: repoRoot, workspace });
  console.log('\nMedImageParse is running in VS Code (browser workbench).');
  console.log(`Sample images: ${workspace}`);
  console.log("Demo endpoint: selected (offline, answers with the samples' reference annotations)");
  console.log(`\nOpen this address in a browser:\n\n  ${url}\n`);
  console.log('Press Ctrl+C to stop.');
  const stop = async () => {
    await server.stop();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
