/* global window, document, Event */
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
    // A pixel inside the liver (reference mask) is tinted with the liver colour (orange: R > B).
    const after = await page.evaluate(() => window.__medimageparseViewer.canvasPixel(400, 300));
    assert.equal(before[0], before[2], 'grey before');
    assert.ok(after[0] > after[2] + 20, `tinted after: ${after}`);
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
