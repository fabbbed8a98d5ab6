// One esbuild build for the three bundles: the extension host (Node, CommonJS, `vscode`
// external), the webview (browser) and the command-line entry `dist/cli.js`.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

const isMain = import.meta.url === `file://${process.argv[1]}`;
const production = isMain && process.argv.includes('--production');
const watch = isMain && process.argv.includes('--watch');

/** Packages with native binaries or WebAssembly files resolved at run time stay outside the bundle. */
export const NODE_EXTERNALS = [
  'vscode',
  'sharp',
  '@cornerstonejs/codec-openjpeg',
  '@cornerstonejs/codec-libjpeg-turbo-8bit',
  '@cornerstonejs/codec-charls',
];

/**
 * Libraries a window needs only once it does something — dcmjs (about 700 kB) to export a DICOM
 * SEG, axios (with form-data and a MIME database) to call an endpoint, the beta CDF for the
 * validity p-value — are bundles of their own beside extension.js and cli.js, required on first use
 * (src/runtime/optionalModules.ts, src/endpoint/http.ts, src/analysis/pvalue.ts): V8 need not even
 * parse them when the extension starts. package name → file in dist/.
 */
export const LAZY_BUNDLES = {
  dcmjs: 'dcmjs',
  axios: 'axios',
  'axios-retry': 'axios-retry',
  '@stdlib/stats-base-dists-beta-cdf': 'beta-cdf',
};

const lazyBundlesBeside = {
  name: 'lazy-bundles-beside',
  setup(build) {
    const names = Object.keys(LAZY_BUNDLES).map((n) => n.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&'));
    build.onResolve({ filter: new RegExp(`^(${names.join('|')})$`) }, (args) => ({
      path: `./${LAZY_BUNDLES[args.path]}.js`,
      external: true,
    }));
  },
};

/**
 * `import * as vscode from 'vscode'` is bundled as `__toESM(require('vscode'))`, which copies the
 * whole API object (hundreds of getters) once per importing module, 26 times at load: about 10 ms
 * of the extension's 50 ms activation budget (test/integration/activation.test.ts). The TypeScript
 * form `import vscode = require('vscode')` is bundled as a plain require. The sources keep the
 * `import * as` form, which `npm run l10n:export` needs to find `vscode.l10n.t` calls; it is
 * rewritten here, as each file is loaded for the bundle.
 */
const vscodeAsPlainRequire = {
  name: 'vscode-as-plain-require',
  setup(build) {
    build.onLoad({ filter: /[\\/]src[\\/].*\.ts$/ }, async (args) => {
      const source = await fs.promises.readFile(args.path, 'utf8');
      return {
        contents: source.replace(
          /^import \* as vscode from 'vscode';$/m,
          "import vscode = require('vscode');",
        ),
        loader: 'ts',
      };
    });
  },
};

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    // imaging-worker: the model input's resize worker, loaded from beside the bundle (parallel.ts).
    entryPoints: {
      extension: 'src/extension.ts',
      cli: 'src/cli/main.ts',
      'imaging-worker': 'src/imaging/resize/worker.ts',
      'evaluate-worker': 'src/evaluate/worker.ts',
    },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: NODE_EXTERNALS,
    plugins: [lazyBundlesBeside, vscodeAsPlainRequire],
    define: { 'process.env.MEDIMAGEPARSE_BUILD': JSON.stringify(production ? 'production' : 'development') },
  },
  {
    ...common,
    // Each resolved as `require()` resolves it (the CommonJS builds).
    entryPoints: Object.fromEntries(
      Object.entries(LAZY_BUNDLES).map(([pkg, file]) => [file, require.resolve(pkg)]),
    ),
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
  },
  webviewOptions(common),
];

/** The webview bundle (dist/webview.js and dist/webview.css). */
function webviewOptions(base) {
  return {
    ...base,
    entryPoints: { webview: 'webview/main.ts' },
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
  };
}

/** Builds only the webview bundle, as `npm run build` does (the viewer harness and render bench use it). */
export async function buildWebview() {
  await esbuild.build(webviewOptions({ ...common, logLevel: 'warning' }));
}

if (isMain) await buildAll();

async function buildAll() {
  fs.mkdirSync('dist', { recursive: true });
  // The webview's icon font (used by @vscode-elements/elements) ships beside the bundles.
  fs.mkdirSync('dist/codicons', { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) {
    fs.copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `dist/codicons/${file}`);
  }
  if (watch) {
    const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
    await Promise.all(contexts.map((c) => c.watch()));
    console.log('[build] watching for changes');
  } else {
    await Promise.all(builds.map((b) => esbuild.build(b)));
    // The CLI is the package's `bin`: give it a shebang and the executable bit.
    const cli = 'dist/cli.js';
    const text = fs.readFileSync(cli, 'utf8');
    if (!text.startsWith('#!')) fs.writeFileSync(cli, '#!/usr/bin/env node\n' + text);
    fs.chmodSync(cli, 0o755);
  }
}
