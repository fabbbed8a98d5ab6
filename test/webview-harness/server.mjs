// Serves the viewer harness on 127.0.0.1 (random port): the built bundle (dist/webview.js,
// dist/webview.css), codicons, a page with the viewer's CSP, the fake host (harness.js) and a
// real sample decoded with sharp (image as Float32, reference masks as bytes).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { CHROMIUM_ARGS } from '../../scripts/workbench.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const samples = path.join(root, 'test/fixtures/samples');

const STATIC = {
  '/dist/webview.js': [path.join(root, 'dist/webview.js'), 'text/javascript'],
  '/dist/webview.css': [path.join(root, 'dist/webview.css'), 'text/css'],
  '/codicons/codicon.css': [path.join(root, 'node_modules/@vscode/codicons/dist/codicon.css'), 'text/css'],
  '/codicons/codicon.ttf': [path.join(root, 'node_modules/@vscode/codicons/dist/codicon.ttf'), 'font/ttf'],
  '/harness.js': [path.join(here, 'harness.js'), 'text/javascript'],
  '/themes.js': [path.join(here, 'themes.js'), 'text/javascript'],
};

const escapeHtml = (s) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A pseudo-locale of the extension's bundle: every message wrapped in [[…]] (placeholders kept),
 * so a text the viewer shows without going through l10n.t stands out as unwrapped.
 */
export function pseudoBundle() {
  const bundle = JSON.parse(fs.readFileSync(path.join(root, 'l10n/bundle.l10n.json'), 'utf8'));
  return Object.fromEntries(
    Object.entries(bundle).map(([key, m]) => [key, `[[${typeof m === 'string' ? m : m.message}]]`]),
  );
}

function page(settings, l10n) {
  // Same policy as src/editors/webviewHtml.ts, plus connect-src 'self' for the fake host's fetches
  // and script-src 'self' instead of a nonce (the harness scripts are files, not inline).
  const csp =
    "default-src 'none'; img-src blob: data:; style-src 'self'; font-src 'self'; script-src 'self'; connect-src 'self'; worker-src blob:";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="/codicons/codicon.css" id="vscode-codicon-stylesheet">
<link rel="stylesheet" href="/dist/webview.css">
<title>MedImageParse viewer harness</title>
</head>
<body>
<div id="app" data-settings="${escapeHtml(JSON.stringify(settings))}"${l10n ? ` data-l10n="${escapeHtml(JSON.stringify(l10n))}"` : ''}></div>
<script src="/themes.js"></script>
<script src="/harness.js"></script>
<script src="/dist/webview.js"></script>
</body>
</html>`;
}

/** Decodes `demo/<sample>.png` and its `demo_mask/<sample>_<target>.png` masks. */
async function loadSample(sample) {
  const file = path.join(samples, 'demo', `${sample}.png`);
  const { data, info } = await sharp(file).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  let gray = true;
  for (let i = 0; i < n && gray; i++)
    gray = data[i * 3] === data[i * 3 + 1] && data[i * 3] === data[i * 3 + 2];
  const channels = gray ? 1 : 3;
  const pixels = new Float32Array(n * channels);
  if (gray) for (let i = 0; i < n; i++) pixels[i] = data[i * 3];
  else for (let i = 0; i < n * 3; i++) pixels[i] = data[i];
  const masks = {};
  for (const f of fs.readdirSync(path.join(samples, 'demo_mask')).sort()) {
    if (!f.startsWith(`${sample}_`) || !f.endsWith('.png')) continue;
    const target = decodeURIComponent(f.slice(sample.length + 1, -4).replace(/\+/g, ' '));
    const m = await sharp(path.join(samples, 'demo_mask', f))
      .extractChannel(0)
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (m.info.width !== info.width || m.info.height !== info.height)
      throw new Error(
        `${f}: mask is ${m.info.width}×${m.info.height}, image is ${info.width}×${info.height}`,
      );
    masks[target] = Buffer.from(m.data);
  }
  return {
    meta: {
      sample,
      fileName: `${sample}.png`,
      width: info.width,
      height: info.height,
      channels,
      targets: Object.keys(masks),
    },
    pixels,
    masks,
  };
}

export async function startHarness() {
  const cache = new Map();
  const sampleData = (name) => {
    if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`bad sample name ${name}`);
    if (!cache.has(name)) cache.set(name, loadSample(name));
    return cache.get(name);
  };
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/') {
        const settings = {
          maskThreshold: 0.5,
          maskOpacity: 0.45,
          maskStyle: 'both',
          likelyAbsentDisplay: url.searchParams.get('absent') ?? 'dim',
          pValueThreshold: 0.05,
        };
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        // l10n=pseudo: the viewer as a translated VS Code shows it (the host's data-l10n attribute).
        const l10n = url.searchParams.get('l10n') === 'pseudo' ? pseudoBundle() : undefined;
        return res.end(page(settings, l10n));
      }
      const file = STATIC[url.pathname];
      if (file) {
        res.writeHead(200, { 'content-type': file[1], 'cache-control': 'no-store' });
        return res.end(fs.readFileSync(file[0]));
      }
      let m = /^\/data\/([^/]+)\/(meta\.json|image\.bin|mask\.bin)$/.exec(url.pathname);
      if (m) {
        const d = await sampleData(m[1]);
        if (m[2] === 'meta.json') {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify(d.meta));
        }
        if (m[2] === 'image.bin') {
          res.writeHead(200, { 'content-type': 'application/octet-stream' });
          return res.end(Buffer.from(d.pixels.buffer));
        }
        const target = url.searchParams.get('target') ?? '';
        if (!d.masks[target]) {
          res.writeHead(404);
          return res.end();
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(d.masks[target]);
      }
      res.writeHead(404);
      res.end();
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(e instanceof Error ? e.message : e));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) };
}

/** Launch options for Debian's Chromium (the same flags as the workbench tests): never downloads a browser. */
export const CHROMIUM = { executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS };

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const h = await startHarness();
  console.log(`Harness at ${h.url} (Ctrl+C to stop)`);
}
