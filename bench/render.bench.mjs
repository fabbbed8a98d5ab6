/* global window, document, Event, devicePixelRatio */
// (Browser globals: parts of this file run in the page.)
// Repaint benchmark for the viewer webview: builds the bundle, opens the harness page in Debian
// Chromium (headless, --disable-gpu: software raster), loads 16 synthetic 1024² probability masks
// and times repaints after threshold, opacity and visibility changes, each from the control's
// input event to the pixels being on the canvas (a 1-pixel read-back forces the raster). Prints
// which renderer ran and how each repaint ran (full, incremental, none).
// Usage: node bench/render.bench.mjs [iterations]
import { chromium } from 'playwright-core';
import { buildWebview } from '../scripts/build.mjs';
import { startHarness, CHROMIUM } from '../test/webview-harness/server.mjs';

const iterations = Number(process.argv[2] ?? 60);

await buildWebview();

const harness = await startHarness();
const browser = await chromium.launch(CHROMIUM);
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => console.error('page error:', e.message));
  await page.goto(`${harness.url}?bench=1&theme=dark`);
  await page.waitForSelector('body[data-ready=true]');
  const prompts = Array.from({ length: 16 }, (_, i) => `target ${i + 1}`).join(' & ');
  await page.locator('[data-testid=free-text-input] input').fill(prompts);
  await page.locator('[data-testid=free-text-add]').click();
  await page.locator('[data-testid=run-button]').click();
  await page.waitForFunction(
    () => document.querySelectorAll('[data-testid^=legend-visibility-]').length === 16,
    null,
    { timeout: 30_000 },
  );

  const env = await page.evaluate(() => {
    const c = document.createElement('canvas');
    const gl = c.getContext('webgl2');
    const dbg = gl?.getExtension('WEBGL_debug_renderer_info');
    return {
      webgl2: gl
        ? String(dbg ? gl.getParameter(dbg.UNMASKED_RENDERER_WEBGL) : gl.getParameter(gl.RENDERER))
        : 'unavailable',
      dpr: devicePixelRatio,
      canvas: `${document.querySelector('[data-testid=canvas]').width}×${document.querySelector('[data-testid=canvas]').height}`,
    };
  });

  const results = await page.evaluate((n) => {
    const canvas = document.querySelector('[data-testid=canvas]');
    const ctx = canvas.getContext('2d');
    const flush = () => ctx.getImageData(0, 0, 1, 1);
    const slider = (id) => document.querySelector(`[data-testid=${id}]`);
    const hook = window.__medimageparseViewer;
    const time = (name, step) => {
      const wall = [];
      const inner = [];
      const parts = [];
      for (let i = 0; i < n + 5; i++) {
        const t0 = performance.now();
        step(i);
        flush();
        const t1 = performance.now();
        if (i >= 5) {
          wall.push(t1 - t0);
          const st = hook.state();
          inner.push(st.lastRepaintMs);
          parts.push(st.repaintTimings);
        }
      }
      return { name, wall, inner, parts, renderer: hook.state().renderer };
    };
    const setSlider = (el, v) => {
      el.value = String(v);
      el.dispatchEvent(new Event('input', { bubbles: true }));
    };
    const th = slider('threshold-slider');
    const op = slider('opacity-slider');
    const out = [];
    // Dragging the slider: small steps back and forth; then jumps across the whole range.
    out.push(time('threshold (drag)', (i) => setSlider(th, 0.3 + 0.01 * Math.abs(((i + 20) % 80) - 40))));
    out.push(time('threshold (jump)', (i) => setSlider(th, [0.3, 0.5, 0.7, 0.9, 0.1][i % 5])));
    setSlider(th, 0.5);
    out.push(time('opacity', (i) => setSlider(op, [0.2, 0.45, 0.7, 1][i % 4])));
    const toggles = [...document.querySelectorAll('[data-testid^=legend-visibility-]')];
    out.push(
      time('visibility', (i) => {
        const t = toggles[i % toggles.length];
        t.checked = !t.checked;
        t.dispatchEvent(new Event('change', { bubbles: true }));
      }),
    );
    return out;
  }, iterations);

  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return { median: q(0.5), p95: q(0.95), max: s[s.length - 1] };
  };
  console.log(
    `Chromium ${browser.version()} headless, --disable-gpu; WebGL2 renderer: ${env.webgl2}; stage canvas ${env.canvas} @dpr ${env.dpr}`,
  );
  console.log(
    `Renderer: ${results[0].renderer} (layers pre-sorted by probability; a repaint relabels only pixels between the old and new threshold or of the toggled target and repaints outlines around them; a full compose when that would cost more).`,
  );
  console.log(`16 masks × 1024², ${iterations} repaints each (input event → pixels on canvas):`);
  console.log('change            median ms   p95 ms   max ms   (repaint fn median; repaint kinds)');
  for (const r of results) {
    const w = stats(r.wall);
    const i = stats(r.inner);
    const part = (k) => stats(r.parts.map((p) => p[k])).median.toFixed(2);
    const kinds = {};
    for (const p of r.parts) kinds[p.kind] = (kinds[p.kind] ?? 0) + 1;
    const kindText = Object.entries(kinds)
      .map(([k, c]) => `${k} ${c}`)
      .join(', ');
    console.log(
      `${r.name.padEnd(17)} ${w.median.toFixed(2).padStart(9)} ${w.p95.toFixed(2).padStart(8)} ${w.max.toFixed(2).padStart(8)}   (${i.median.toFixed(2)}: compose ${part('compose')}, paint ${part('paint')}, put ${part('put')}, draw ${part('draw')}; ${kindText})`,
    );
  }
} finally {
  await browser.close();
  await harness.close();
}
