import * as esbuild from 'esbuild';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

/**
 * Bundles the CLI the way `npm run build` makes dist/cli.js (same externals), into `outfile`, so a
 * test can run it as a user does without touching dist/. Returns the env that lets the bundle
 * find the external packages in the repository's node_modules.
 */
export async function buildCliBundle(outfile: string): Promise<NodeJS.ProcessEnv> {
  const { NODE_EXTERNALS } = await import('../../scripts/build.mjs');
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'src/cli/main.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: NODE_EXTERNALS,
    nodePaths: [path.join(ROOT, 'node_modules')],
    logLevel: 'silent',
  });
  return { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') };
}
