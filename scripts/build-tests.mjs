// Compiles the integration tests (which run inside a VS Code extension host) to out/test/integration.
// Each file stays its own CommonJS module so mocha can load them one by one, exactly as
// @vscode/test-cli and @vscode/test-electron expect.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

export async function buildIntegrationTests() {
  const dir = 'test/integration';
  const entryPoints = fs
    .readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
  fs.rmSync('out/test/integration', { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outdir: 'out/test/integration',
    outbase: dir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha', 'sharp', 'playwright-core', '@cornerstonejs/*'],
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildIntegrationTests();
}
