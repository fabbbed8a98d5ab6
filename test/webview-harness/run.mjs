/* global window, document, Event, getComputedStyle, NodeFilter */
// (Browser globals: parts of this file run in the page.)
// Drives the viewer bundle in Debian Chromium against the fake host and checks what a user
// relies on; saves screenshots (light, dark, high contrast, DICOM-like, recognition, errors) to
// test/webview-harness/screenshots/. Usage: node test/webview-harness/run.mjs
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildWebview } from '../../scripts/build.mjs';
import { startHarness, CHROMIUM } from './server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const shots = path.join(here, 'screenshots');
fs.mkdirSync(shots, { recursive: true });
process.chdir(path.resolve(here, '../..'));
await buildWebview();

const harness = await startHarness();
const browser = await chromium.launch(CHROMIUM);
let failed = 0;
const hook = (page) => page.evaluate(() => window.__medimageparseViewer.state());
const tid = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Every Content-Security-Policy violation any harness page reported (the viewer must cause none). */
const cspViolations = [];

async function open(query = '', { width = 1280, height = 800 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.exposeBinding('__reportCspViolation', (_source, v) => cspViolations.push({ query, ...v }));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      window.__reportCspViolation({
        directive: e.effectiveDirective,
        blocked: e.blockedURI,
        sample: e.sample,
        source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`,
      }),
    ),
  );
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(`${harness.url}?${query}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
  page.errors = errors;
  return page;
}

async function runAndWait(page) {
  await tid(page, 'run-button').click();
  await page.waitForFunction(
    () =>
      window.__medimageparseViewer.state().overlayShown &&
      document.querySelector('[data-testid^=legend-row-]'),
    null,
    { timeout: 15_000 },
  );
}

async function check(name, fn) {
  try {
    await fn();
    console.log(`  ✔ ${name}`);
  } catch (e) {
    failed++;
    console.log(
      `  ✘ ${name}\n    ${String(e?.stack ?? e)
        .split('\n')
        .slice(0, 6)
        .join('\n    ')}`,
    );
  }
}

console.log('viewer harness');
try {
  await check(
    'starts with the suggested modality/site, the remembered selection and its exact preview',
    async () => {
      const page = await open('theme=dark');
      const s = await hook(page);
      assert.equal(s.picker.modality, 'CT');
      assert.equal(s.picker.site, 'abdomen');
      assert.equal(await tid(page, 'prompt-preview').textContent(), 'liver & spleen');
      assert.ok(await tid(page, 'research-notice').isVisible());
      assert.equal(await tid(page, 'burned-in-warning').isVisible(), false);
      await page.screenshot({ path: path.join(shots, 'dark-start.png') });
      assert.deepEqual(page.errors, []);
      await page.close();
    },
  );

  await check(
    'free text joins with &, off-list targets get a note, search finds catalogue targets',
    async () => {
      const page = await open('theme=dark');
      await page.locator('[data-testid=free-text-input] input').fill('brain tumor & gallbladder');
      await page.keyboard.press('Enter');
      assert.equal(
        await tid(page, 'prompt-preview').textContent(),
        'liver & spleen & brain tumor & gallbladder',
      );
      assert.match(
        await tid(page, 'off-list-note').textContent(),
        /“brain tumor” is not in the recommended list for CT · abdomen/,
      );
      await page.locator('[data-testid=prompt-search] input').fill('symph');
      await page.waitForSelector('[data-testid=picker-item-public-symphysis]');
      await page.screenshot({ path: path.join(shots, 'dark-search.png') });
      await page.close();
    },
  );

  let resultPage;
  await check('Run shows the reference masks with the demo label, legend, hover probabilities', async () => {
    const page = await open('theme=dark');
    const before = await page.evaluate(() => window.__medimageparseViewer.canvasPixel(400, 300));
    await runAndWait(page);
    const s = await hook(page);
    assert.equal(s.result.source, 'demo-reference');
    assert.equal(
      await tid(page, 'result-banner').textContent(),
      'Reference annotations from the demo endpoint (not model output)',
    );
    const liver = s.result.targets.find((t) => t.target === 'liver');
    assert.ok(liver.areaPixels > 1000 && liver.instances >= 1);
    // A pixel inside the liver (reference mask) is tinted with the liver colour.
    const after = await page.evaluate(() => window.__medimageparseViewer.canvasPixel(400, 300));
    assert.equal(before[0], before[2], 'grey before');
    const tint = [1, 3, 5].map((k) => parseInt(liver.color.slice(k, k + 2), 16));
    const dist = (p) => Math.hypot(...tint.map((c, k) => c - p[k]));
    assert.ok(dist(after) < dist(before) - 40, `tinted toward ${liver.color} after: ${after}`);
    const [cx, cy] = await page.evaluate(() => window.__medimageparseViewer.imageToScreen(400, 300));
    await page.mouse.move(cx, cy);
    assert.match(await tid(page, 'cursor-info').textContent(), /x 400, y 300 · \d+ · liver 1\.00/);
    await page.screenshot({ path: path.join(shots, 'dark-result.png') });
    resultPage = page;
  });

  await check(
    'threshold, opacity and visibility change the composed pixels; state persists over a reload',
    async () => {
      const page = resultPage;
      const at = () => page.evaluate(() => window.__medimageparseViewer.canvasPixel(400, 300));
      const tinted = await at();
      await tid(page, 'opacity-slider').fill('1');
      const opaque = await at();
      assert.ok(opaque[0] > tinted[0] || opaque[2] < tinted[2], 'more opacity, more colour');
      await page.locator('[data-testid=legend-visibility-liver]').click();
      const hidden = await at();
      assert.equal(hidden[0], hidden[2], 'hidden liver leaves the grey image');
      await tid(page, 'threshold-slider').fill('0.8');
      await page.waitForTimeout(400); // setState is debounced
      const saved = await hook(page);
      assert.equal(saved.ui.threshold, 0.8);
      await page.reload();
      await page.waitForFunction(() => window.__medimageparseViewer.state().overlayShown, null, {
        timeout: 15_000,
      });
      const posted = await page.evaluate(() => window.__harness.posted.map((m) => m.type));
      assert.ok(posted.includes('restoreResult'), `posted ${posted}`);
      const s = await hook(page);
      assert.equal(s.result.id, saved.result.id);
      assert.equal(s.ui.threshold, 0.8);
      assert.equal(s.result.targets.find((t) => t.target === 'liver').visible, false);
      assert.equal(await tid(page, 'legend-visibility-liver').evaluate((e) => e.checked), false);
    },
  );

  await check(
    'keyboard: canvas zooms with + / - / 0 and pans with arrows; controls have accessible names',
    async () => {
      const page = resultPage;
      await tid(page, 'canvas').focus();
      const s0 = (await hook(page)).view;
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      const s1 = (await hook(page)).view;
      assert.ok(s1.scale > s0.scale * 1.5);
      await page.keyboard.press('ArrowLeft');
      assert.ok((await hook(page)).view.tx > s1.tx);
      await page.keyboard.press('0');
      assert.equal((await hook(page)).view.scale, s0.scale);
      const unnamed = await page.evaluate(() =>
        [
          ...document.querySelectorAll(
            'vscode-button, vscode-checkbox, vscode-textfield, vscode-single-select, input, button, canvas[tabindex]',
          ),
        ]
          .filter((e) => !e.hidden && e.offsetParent !== null)
          .filter(
            (e) =>
              !(
                e.getAttribute('aria-label') ||
                e.getAttribute('label') ||
                e.textContent.trim() ||
                e.labels?.length
              ),
          )
          .map((e) => e.outerHTML.slice(0, 80)),
      );
      assert.deepEqual(unnamed, []);
    },
  );

  await check('requestScreenshot is answered with a PNG of the composed image', async () => {
    const page = resultPage;
    await page.evaluate(() => window.__harness.send({ type: 'requestScreenshot', requestId: 'r1' }));
    await page.waitForFunction(() => window.__harness.posted.some((m) => m.type === 'screenshot'));
    const head = await page.evaluate(() =>
      Array.from(window.__harness.posted.find((m) => m.type === 'screenshot').png.slice(0, 4)),
    );
    assert.deepEqual(head, [0x89, 0x50, 0x4e, 0x47]);
    await page.close();
  });

  await check('errors appear inline with an action button that sends the command', async () => {
    const page = await open('theme=light');
    await page.locator('[data-testid=free-text-input] input').fill('fail');
    await tid(page, 'free-text-add').click();
    await tid(page, 'run-button').click();
    await page.waitForSelector('[data-testid=error-action]');
    assert.match(await tid(page, 'error-message').textContent(), /401/);
    await tid(page, 'error-action').click();
    const cmd = await page.evaluate(() =>
      window.__harness.posted.filter((m) => m.type === 'command').map((m) => m.command),
    );
    assert.deepEqual(cmd, ['selectEndpoint']);
    await page.screenshot({ path: path.join(shots, 'light-error.png') });
    await page.close();
  });

  await check('Run is disabled with the reason when the endpoint cannot send', async () => {
    const page = await open('theme=light&canSend=0');
    assert.equal(await tid(page, 'run-button').evaluate((e) => e.disabled), true);
    assert.match(await tid(page, 'run-disabled-reason').textContent(), /Restricted Mode/);
    await page.close();
  });

  await check('cancel stops a slow run and says so', async () => {
    const page = await open('theme=dark');
    await page.locator('[data-testid=free-text-input] input').fill('slow');
    await tid(page, 'free-text-add').click();
    await tid(page, 'run-button').click();
    await tid(page, 'cancel-button').click();
    await page.waitForFunction(() => window.__medimageparseViewer.state().run.phase === 'idle');
    assert.ok(await page.evaluate(() => window.__harness.posted.some((m) => m.type === 'cancel')));
    assert.match(await tid(page, 'error-message').textContent(), /Cancelled/);
    await page.close();
  });

  await check(
    'hostile file names, labels, endpoint names and errors are shown as text, never run',
    async () => {
      const page = await open('theme=dark&xss=1');
      await runAndWait(page);
      await page.locator('[data-testid=free-text-input] input').fill('fail');
      await tid(page, 'free-text-add').click();
      await tid(page, 'run-button').click();
      await page.waitForSelector('[data-testid=error-action]');
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      assert.match(await tid(page, 'file-name').textContent(), /^<img src=x onerror=/);
      assert.equal(await page.locator('#app img, #app script').count(), 0);
      await page.screenshot({ path: path.join(shots, 'dark-xss.png') });
      await page.close();
    },
  );

  for (const theme of ['light', 'high-contrast']) {
    await check(`${theme} theme renders the result`, async () => {
      const page = await open(`theme=${theme}`);
      await runAndWait(page);
      await page.locator('[data-testid=boxes-toggle]').click();
      await page.screenshot({ path: path.join(shots, `${theme}-result.png`) });
      await page.close();
    });
  }

  await check(
    'DICOM-like image: window presets and fields, HU under the cursor, burned-in warning, mm²',
    async () => {
      const page = await open('theme=dark&format=dicom&absent=dim');
      assert.ok(await tid(page, 'burned-in-warning').isVisible());
      assert.equal(await page.locator('[data-testid=window-lower] input').inputValue(), '-150');
      const grey0 = await page.evaluate(() => window.__medimageparseViewer.canvasPixel(400, 300));
      await page.locator('[data-testid=window-lower] input').fill('-1000');
      await page.locator('[data-testid=window-lower] input').press('Enter');
      await page.locator('[data-testid=window-upper] input').focus();
      await page.waitForFunction(
        (g) => window.__medimageparseViewer.canvasPixel(400, 300)[0] !== g,
        grey0[0],
      );
      const [cx, cy] = await page.evaluate(() => window.__medimageparseViewer.imageToScreen(400, 300));
      await page.mouse.move(cx, cy);
      assert.match(await tid(page, 'cursor-info').textContent(), / HU/);
      await page.locator('[data-testid=free-text-input] input').fill('gallbladder & duodenum & tumor');
      await tid(page, 'free-text-add').click();
      await runAndWait(page);
      const s = await hook(page);
      const by = Object.fromEntries(s.result.targets.map((t) => [t.target, t]));
      assert.equal(by.gallbladder.dimmed, true);
      assert.equal(by.tumor.status, 'not-found');
      assert.match(by.liver.description, /mm²/);
      assert.match(await tid(page, 'legend-row-duodenum').textContent(), /not assessed/);
      await page.screenshot({ path: path.join(shots, 'dark-dicom-result.png') });
      await page.close();
    },
  );

  await check(
    '16 masks at 1024²: after incremental threshold and visibility changes the layer canvases show what canvasPixel reports',
    async () => {
      const page = await open('bench=1&theme=dark');
      const prompts = Array.from({ length: 16 }, (_, i) => `target ${i + 1}`).join(' & ');
      await page.locator('[data-testid=free-text-input] input').fill(prompts);
      await tid(page, 'free-text-add').click();
      await tid(page, 'run-button').click();
      await page.waitForFunction(
        () => document.querySelectorAll('[data-testid^=legend-visibility-]').length === 16,
        null,
        { timeout: 30_000 },
      );
      const result = await page.evaluate(() => {
        const hook = window.__medimageparseViewer;
        const th = document.querySelector('[data-testid=threshold-slider]');
        const set = (v) => {
          th.value = String(v);
          th.dispatchEvent(new Event('input', { bubbles: true }));
        };
        const toggle = (i) => {
          const t = document.querySelectorAll('[data-testid^=legend-visibility-]')[i];
          t.checked = !t.checked;
          t.dispatchEvent(new Event('change', { bubbles: true }));
        };
        const kinds = new Set();
        for (const v of [0.5, 0.51, 0.53, 0.49, 0.3, 0.31]) {
          set(v);
          kinds.add(hook.state().repaintTimings.kind);
        }
        toggle(3);
        kinds.add(hook.state().repaintTimings.kind);
        set(0.32);
        toggle(5);
        toggle(3);
        set(0.3);
        // Compose the real canvases the way the page shows them and compare with the hook.
        const read = (sel) => {
          const c = document.querySelector(sel);
          return {
            d: c.getContext('2d').getImageData(0, 0, c.width, c.height).data,
            o: Number(c.style.opacity),
          };
        };
        const img = read('canvas.layer-image');
        const fill = read('canvas.layer-fill');
        const line = read('canvas.layer-line');
        const over = (base, d, o, a0) => {
          const a = (d[a0 + 3] / 255) * o;
          return base.map((b, k) => Math.round(d[a0 + k] * a + b * (1 - a)));
        };
        let compared = 0;
        const bad = [];
        for (let y = 0; y < 1024; y++)
          for (let x = 0; x < 1024; x++) {
            const o = (y * 1024 + x) * 4;
            const composed = over(
              over([img.d[o], img.d[o + 1], img.d[o + 2]], fill.d, fill.o, o),
              line.d,
              line.o,
              o,
            );
            const want = hook.canvasPixel(x, y);
            compared++;
            if (composed.some((v, k) => v !== want[k]) && bad.length < 5) bad.push({ x, y, composed, want });
          }
        return { kinds: [...kinds], compared, bad };
      });
      assert.ok(result.kinds.includes('incremental'), result.kinds.join());
      assert.equal(result.compared, 1024 * 1024);
      assert.deepEqual(result.bad, []);
      await page.close();
    },
  );

  await check('Recognize all labels every object with a legend', async () => {
    const page = await open('theme=dark');
    await tid(page, 'recognize-button').click();
    await page.waitForFunction(() => window.__medimageparseViewer.state().result?.kind === 'recognition');
    await page.waitForSelector('[data-testid^=legend-row-]');
    const s = await hook(page);
    assert.ok(s.result.targets.length >= 5);
    assert.equal(
      (await page.evaluate(() => window.__harness.posted.find((m) => m.type === 'recognize'))).modalityKey,
      'CT-Abdomen',
    );
    await page.screenshot({ path: path.join(shots, 'dark-recognition.png') });
    await page.close();
  });

  // ---- Issue 13, viewer: each check failed before its fix ----

  await check('a 16-bit grey raster is windowed (not white) and gets the window controls', async () => {
    const page = await open('theme=dark&format=raster16');
    assert.ok(await tid(page, 'window-lower').isVisible(), 'window fields shown');
    const s = await hook(page);
    const grid = await page.evaluate(
      ([w, h]) => {
        const out = [];
        for (let i = 1; i < 8; i++)
          for (let j = 1; j < 8; j++)
            out.push(
              window.__medimageparseViewer.canvasPixel(Math.floor((w * i) / 8), Math.floor((h * j) / 8))[0],
            );
        return out;
      },
      [s.image.width, s.image.height],
    );
    const mean = grid.reduce((a, b) => a + b, 0) / grid.length;
    assert.ok(mean < 200 && mean > 20, `mean grey ${mean.toFixed(0)} of ${grid}`);
    assert.ok(new Set(grid).size > 10, 'the anatomy has contrast');
    await page.close();
  });

  await check('window fields take fractional windows and a typed minus sign', async () => {
    const page = await open('theme=dark&format=dicom');
    const lower = page.locator('[data-testid=window-lower] input');
    await lower.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('-200');
    await page.keyboard.press('Enter');
    await page
      .waitForFunction(() => window.__medimageparseViewer.state().ui.window?.lower === -200, null, {
        timeout: 5_000,
      })
      .catch(async () =>
        assert.fail(
          `window: ${JSON.stringify((await hook(page)).ui.window)}, field ${await lower.inputValue()}`,
        ),
      );
    // A Shift-drag makes a fractional window; the fields show it and stay valid.
    const box = await tid(page, 'canvas').boundingBox();
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 203, box.y + 207, { steps: 3 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const w = (await hook(page)).ui.window;
    assert.ok(
      !Number.isInteger(w.lower) || !Number.isInteger(w.upper),
      `fractional window ${JSON.stringify(w)}`,
    );
    for (const id of ['window-lower', 'window-upper']) {
      const v = await tid(page, id).evaluate((e) => ({
        invalid: e.invalid,
        valid: e.shadowRoot.querySelector('input').validity.valid,
        value: e.value,
      }));
      assert.deepEqual([v.invalid, v.valid], [false, true], `${id}: ${JSON.stringify(v)}`);
    }
    // Something that is not a window is marked, not applied.
    await lower.click();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('abc');
    await page.keyboard.press('Enter');
    assert.equal(await tid(page, 'window-lower').evaluate((e) => e.invalid), true);
    await page.close();
  });

  await check('instance counts follow the threshold: 0 instances at 1.00', async () => {
    const page = await open('theme=dark');
    await runAndWait(page);
    const before = (await hook(page)).result.targets.find((t) => t.target === 'liver');
    assert.ok(before.instances >= 1);
    await tid(page, 'threshold-slider').fill('1');
    await page.waitForTimeout(150);
    const s = await hook(page);
    for (const t of s.result.targets) assert.deepEqual([t.areaPixels, t.instances], [0, 0], t.target);
    assert.match(await tid(page, 'legend-row-liver').textContent(), /0 px · 0 instances/);
    await page.close();
  });

  await check('a target has the same colour in Parse and in Recognize', async () => {
    const page = await open('theme=dark');
    await runAndWait(page);
    const parse = Object.fromEntries((await hook(page)).result.targets.map((t) => [t.target, t.color]));
    await tid(page, 'recognize-button').click();
    await page.waitForFunction(() => window.__medimageparseViewer.state().result?.kind === 'recognition');
    const rec = Object.fromEntries((await hook(page)).result.targets.map((t) => [t.target, t.color]));
    for (const t of ['liver', 'spleen'])
      assert.equal(rec[t], parse[t], `${t}: Parse ${parse[t]}, Recognize ${rec[t]}`);
    assert.equal(
      new Set(Object.values(rec)).size,
      Object.keys(rec).length,
      'no two recognised objects share a colour',
    );
    await page.close();
  });

  await check(
    'after a run at 1000 px the legend is in view; search starts at its first match; presets fit',
    async () => {
      const page = await open('theme=light&format=dicom', { width: 1280, height: 1000 });
      const list = tid(page, 'picker-list');
      await list.evaluate((e) => (e.scrollTop = e.scrollHeight));
      await page.locator('[data-testid=prompt-search] input').fill('kidney');
      const first = page.locator('[data-testid=picker-list] vscode-checkbox').first();
      await first.waitFor();
      const [lb, fb] = [await list.boundingBox(), await first.boundingBox()];
      assert.ok(
        fb.y >= lb.y - 1 && fb.y + fb.height <= lb.y + lb.height + 1,
        `first match out of view: ${JSON.stringify({ lb, fb })}`,
      );
      await page.locator('[data-testid=prompt-search] input').fill('');
      await runAndWait(page);
      await page.waitForTimeout(200);
      const panel = await page.locator('aside.panel').boundingBox();
      for (const row of await page.locator('[data-testid^=legend-row-]').all()) {
        const b = await row.boundingBox();
        assert.ok(
          b.y >= panel.y && b.y + b.height <= panel.y + panel.height,
          `legend row at ${b.y}–${b.y + b.height}, panel ${panel.y}–${panel.y + panel.height}`,
        );
      }
      const fits = await tid(page, 'window-preset').evaluate(async (s) => {
        s.value = 'mediastinum';
        s.dispatchEvent(new Event('change'));
        await new Promise((r) => setTimeout(r, 100));
        const t = s.shadowRoot.querySelector('.select-face .text');
        return { text: t.textContent, scroll: t.scrollWidth, client: t.clientWidth };
      });
      assert.match(fits.text, /CT mediastinum \(W350 L50\)/);
      assert.ok(fits.scroll <= fits.client, `preset label cut off: ${JSON.stringify(fits)}`);
      await page.screenshot({ path: path.join(shots, 'light-1000px-result.png') });
      await page.close();
    },
  );

  await check(
    'likely-absent targets stay visible and marked; all panel text meets WCAG AA in light, dark and high contrast',
    async () => {
      for (const theme of ['light', 'dark', 'high-contrast']) {
        const page = await open(`theme=${theme}&format=dicom&absent=dim`);
        await page.locator('[data-testid=free-text-input] input').fill('gallbladder');
        await tid(page, 'free-text-add').click();
        await runAndWait(page);
        await page.waitForTimeout(150);
        const row = tid(page, 'legend-row-gallbladder');
        assert.match(await row.textContent(), /likely absent/);
        assert.equal(await row.locator('.absent-badge').count(), 1, 'a "likely absent" badge');
        const low = await page.evaluate(() => {
          const parse = (c) => {
            const m = /rgba?\(([^)]+)\)/.exec(c);
            const [r, g, b, a = 1] = m[1]
              .split(/[ ,/]+/)
              .filter(Boolean)
              .map(Number);
            return [r, g, b, a];
          };
          const lum = ([r, g, b]) => {
            const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          const bgOf = (e) => {
            for (let n = e; n; n = n.parentElement) {
              const c = parse(getComputedStyle(n).backgroundColor);
              if (c[3] > 0.5) return c;
            }
            return parse(getComputedStyle(document.body).backgroundColor);
          };
          const out = [];
          for (const e of document.querySelectorAll('aside.panel *')) {
            if (!e.offsetParent || e.closest('.sr-only')) continue;
            const own = [...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
            if (!own) continue;
            let opacity = 1;
            for (let n = e; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
            const fg = parse(getComputedStyle(e).color);
            const bg = bgOf(e);
            const a = fg[3] * opacity;
            const mixed = fg.slice(0, 3).map((v, k) => v * a + bg[k] * (1 - a));
            const [l1, l2] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
            const ratio = (l1 + 0.05) / (l2 + 0.05);
            if (ratio < 4.5) out.push(`${e.textContent.trim().slice(0, 40)}: ${ratio.toFixed(2)}`);
          }
          return out;
        });
        assert.deepEqual(low, [], `${theme}: text below 4.5:1`);
        // The gallbladder's mask is plainly drawn: inside it the colour moves well away from grey.
        const s = await hook(page);
        const gb = s.result.targets.find((t) => t.target === 'gallbladder');
        assert.equal(gb.dimmed, true);
        await page.close();
      }
    },
  );

  await check(
    'a modality guessed from the pixels says so and how sure; a correction is sent to be remembered',
    async () => {
      const page = await open('theme=light&suggest=image');
      const s = await hook(page);
      assert.deepEqual([s.picker.modality, s.picker.site], ['X-Ray', 'chest']);
      const note = tid(page, 'modality-suggestion');
      assert.ok(await note.isVisible());
      assert.match(await note.textContent(), /Guessed from the image: X-Ray · chest \(fairly sure, 70%/);
      await tid(page, 'modality-select').evaluate((e) => {
        e.value = 'CT';
        e.dispatchEvent(new Event('change'));
      });
      const sent = await page.evaluate(() =>
        window.__harness.posted.filter((m) => m.type === 'rememberModality'),
      );
      assert.deepEqual(sent.at(-1), { type: 'rememberModality', modality: 'CT', site: 'abdomen' });
      assert.match(await note.textContent(), /Your choice for this file: CT · abdomen/);
      await page.close();
    },
  );

  await check('recognition labels do not cover each other; moved ones have leader lines', async () => {
    const page = await open('theme=dark');
    await tid(page, 'recognize-button').click();
    await page.waitForFunction(() => window.__medimageparseViewer.state().result?.kind === 'recognition');
    await page.waitForFunction(() => window.__medimageparseViewer.labels().length >= 5);
    const labels = await page.evaluate(() => window.__medimageparseViewer.labels());
    const texts = labels.map((l) => l.text);
    assert.ok(texts.includes('postcava') && texts.includes('right adrenal gland'), texts.join());
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i], labels[j]];
        const hit =
          a.left < b.left + b.width &&
          b.left < a.left + a.width &&
          a.top < b.top + b.height &&
          b.top < a.top + a.height;
        assert.ok(!hit, `"${a.text}" and "${b.text}" overlap`);
      }
    assert.ok(
      labels.some((l) => l.leader),
      'labels moved off their objects point back to them',
    );
    await page.screenshot({ path: path.join(shots, 'dark-recognition-labels.png') });
    await page.close();
  });

  await check('slice stepping faster than the host answers loses no step', async () => {
    // Each step is its own request; older slices arrive while the user is still stepping.
    const page = await open('slices=40&sliceDelay=500');
    const shown = () => hook(page).then((s) => s.image?.slice?.index);
    for (let k = 0; k < 8; k++) {
      await page.evaluate(() => window.postMessage({ type: 'invoke', action: 'nextSlice' }, '*'));
      await page.waitForTimeout(200); // past the slider's settling time, so each step is asked for
    }
    await page
      .waitForFunction(() => window.__medimageparseViewer.state().image?.slice?.index === 8, null, {
        timeout: 10_000,
      })
      .catch(() => undefined);
    assert.equal(await shown(), 8, 'eight steps from slice 1 end on slice 9');
    assert.equal(await tid(page, 'slice-slider').inputValue(), '8', 'the slider agrees');
    await page.close();
  });
  await check(
    'translated: with a pseudo-locale bundle every text the viewer shows comes from it',
    async () => {
      // The host's data-l10n with every message of l10n/bundle.l10n.json wrapped in [[…]]: any
      // label, button, notice, legend or aria text shown unwrapped did not go through l10n.t.
      const page = await open('l10n=pseudo&format=dicom');
      await runAndWait(page);
      assert.equal((await tid(page, 'run-button').textContent()).trim(), '[[Run]]');
      assert.equal(
        (await tid(page, 'research-notice').textContent()).trim(),
        '[[Research use only — not for clinical use.]]',
      );
      assert.equal(
        await tid(page, 'result-banner').textContent(),
        '[[Reference annotations from the demo endpoint (not model output)]]',
      );
      // Placeholders are filled in the translated text; module-level texts (the CT presets) are too.
      assert.match(await tid(page, 'run-status').textContent(), /^\[\[Done: 2 targets\.\]\]$/);
      assert.match(
        await page.locator('[data-testid=window-preset]').innerHTML(),
        /\[\[CT abdomen \(W400 L40\)\]\]/,
      );
      const unwrapped = await page.evaluate(() => {
        // What a user reads that is data, not interface text: the file, the catalogue's modalities,
        // sites and targets, the chosen prompts (they are sent to the model as written).
        const DATA = [
          '[data-testid=file-name]',
          '[data-testid=modality-select]',
          '[data-testid=site-select]',
          '[data-testid=ct-window-select] vscode-option:not(:first-child)',
          '[data-testid^=picker-item-]',
          '[data-testid^=legend-visibility-]',
          '[data-testid=selected-prompts]',
          '[data-testid=prompt-preview]',
        ].join(',');
        const shown = (e) => !e.closest('[hidden]') && !e.closest('script,style') && !e.closest(DATA);
        const out = [];
        const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const t = n.textContent.trim();
          if (/[A-Za-z]{2}/.test(t) && shown(n.parentElement) && !t.includes('[[')) out.push(t);
        }
        for (const e of document.querySelectorAll('*'))
          for (const a of ['aria-label', 'title', 'placeholder', 'label', 'aria-valuetext']) {
            const v = e.getAttribute(a);
            if (v && /[A-Za-z]{2}/.test(v) && shown(e) && !v.includes('[[')) out.push(`${a}="${v}"`);
          }
        return out;
      });
      assert.deepEqual(unwrapped, []);
      await page.screenshot({ path: path.join(shots, 'dark-pseudo-locale.png') });
      assert.deepEqual(page.errors, []);
      await page.close();
    },
  );

  // Last: every page above (all themes, results, errors, recognition) ran under the viewer's CSP.
  await check('no Content-Security-Policy violation in any page (no inline styles or scripts)', async () => {
    const page = await open('theme=high-contrast');
    await runAndWait(page);
    await page.close();
    assert.deepEqual(
      cspViolations.map((v) => `${v.directive} ${v.blocked} ${v.sample} at ${v.source} (${v.query})`),
      [],
    );
  });
} finally {
  await browser.close();
  await harness.close();
}
console.log(failed ? `${failed} failing` : 'all passing');
console.log(`screenshots in ${path.relative(process.cwd(), shots)}/`);
process.exit(failed ? 1 : 0);
