import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { closeAfterEach, REPO_ROOT, waitText, Workbench } from './workbench';

type Rgba = [number, number, number, number];

/** A 16-bit greyscale PNG, encoded here (sharp's raw input is 8-bit): big-endian samples. */
function png16(width: number, height: number, values: Uint16Array): Buffer {
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(4);
    head.writeUInt32BE(body.length);
    const typed = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(typed));
    return Buffer.concat([head, typed, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 16; // bit depth
  ihdr[9] = 0; // greyscale
  const rows = Buffer.alloc(height * (1 + width * 2));
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      rows.writeUInt16BE(values[y * width + x], y * (1 + width * 2) + 1 + x * 2);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/**
 * A 16-bit grey PNG X-ray made from the chest sample: values 2000–53000 (as a detector's 12–16 bit
 * output), with a few saturated marker pixels, the kind of file that showed almost white.
 */
async function xray16(): Promise<{ png: Buffer; grey: (x: number, y: number) => number }> {
  const { data, info } = await sharp(path.join(REPO_ROOT, 'media', 'samples', 'covid_1585.png'))
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  const out = new Uint16Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = i % 4099 === 0 ? 65535 : 2000 + data[i * info.channels] * 200;
  return {
    png: png16(info.width, info.height, out),
    grey: (x, y) => data[(y * info.width + x) * info.channels],
  };
}

/** WCAG contrast of every visible text in the viewer's side panel below 4.5:1, as "text: ratio". */
const LOW_CONTRAST_TEXT = `(() => {
  const parse = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    const [r, g, b, a = 1] = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
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
    if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
    let opacity = 1;
    for (let n = e; n; n = n.parentElement) opacity *= Number(getComputedStyle(n).opacity);
    const fg = parse(getComputedStyle(e).color);
    const bg = bgOf(e);
    const a = fg[3] * opacity;
    const mixed = fg.slice(0, 3).map((v, k) => v * a + bg[k] * (1 - a));
    const [l1, l2] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < 4.5) out.push(e.textContent.trim().slice(0, 40) + ': ' + ratio.toFixed(2));
  }
  return out;
})()`;

describe('Viewer issues in the real workbench (issue 13)', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('shows a 16-bit grey PNG X-ray through a percentile window, with the window controls', async () => {
    const xray = await xray16();
    wb = await Workbench.launch('viewer-xray16', {
      files: { 'xray16.png': xray.png },
      workspaceSettings: { 'medimageparse.openOnStartup': ['xray16.png'] },
    });
    await wb.waitForImage();
    const viewer = wb.viewer();
    const state = await wb.hook<{ image: { width: number; height: number; fileName: string } }>('state');
    assert.equal(state.image.fileName, 'xray16.png');
    const greys: number[] = [];
    const source: number[] = [];
    for (let i = 1; i < 10; i++)
      for (let j = 1; j < 10; j++) {
        const [x, y] = [Math.floor((state.image.width * i) / 10), Math.floor((state.image.height * j) / 10)];
        const [r] = await wb.hook<Rgba>('canvasPixel', x, y);
        greys.push(r);
        source.push(xray.grey(x, y));
      }
    // The picture is the X-ray: what is shown follows the source's brightness closely.
    const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
    const [ms, mg] = [mean(source), mean(greys)];
    const cov = source.reduce((a, v, k) => a + (v - ms) * (greys[k] - mg), 0);
    const sd = (v: number[], m: number) => Math.sqrt(v.reduce((a, x) => a + (x - m) ** 2, 0));
    const r = cov / (sd(source, ms) * sd(greys, mg));
    assert.ok(r > 0.95, `shown greys follow the X-ray (correlation ${r.toFixed(3)})`);
    assert.ok(mg > 30 && mg < 200, `mean grey ${mg.toFixed(0)}: ${greys}`);
    assert.ok(new Set(greys).size > 15, 'the anatomy keeps its contrast');
    assert.ok(await viewer.locator('[data-testid="window-lower"]').isVisible(), 'window fields shown');
    const lower = Number(await viewer.locator('[data-testid="window-lower"] input').inputValue());
    assert.ok(lower > 2000 && lower < 53000, `percentile window, lower ${lower}`);
    await wb.screenshot('viewer-xray16');
  });

  it('guesses X-Ray · chest for covid_1585.png from its pixels, says how sure, and remembers a correction', async () => {
    wb = await Workbench.launch('viewer-modality-guess', {
      workspaceSettings: { 'medimageparse.openOnStartup': ['covid_1585.png'] },
    });
    await wb.waitForImage();
    type Snap = { picker: { modality: string; site: string } };
    let state = await wb.hook<Snap>('state');
    assert.deepEqual([state.picker.modality, state.picker.site], ['X-Ray', 'chest'], 'not CT · abdomen');
    const note = wb.viewer().locator('[data-testid="modality-suggestion"]');
    await waitText(note, /Guessed from the image: X-Ray · chest \(fairly sure, \d+%/);
    await wb.screenshot('viewer-modality-guess');
    // The user says it is a CT of the lung (for the test): the file opens so from now on.
    const frame = await wb.viewerFrame();
    await frame.evaluate(() => {
      const select = document.querySelector('[data-testid="modality-select"]') as HTMLElement & {
        value: string;
      };
      select.value = 'CT';
      select.dispatchEvent(new Event('change'));
    });
    await frame.evaluate(() => {
      const select = document.querySelector('[data-testid="site-select"]') as HTMLElement & { value: string };
      select.value = 'lung';
      select.dispatchEvent(new Event('change'));
    });
    await waitText(note, /Your choice for this file: CT · lung/);
    await wb.page.waitForTimeout(500);
    // A fresh viewer (no state of its own): close every editor, reload, the startup image opens anew.
    await wb.runCommand('View: Close All Editors');
    await wb.page.waitForTimeout(1000);
    await wb.reloadWindow();
    await wb.waitForImage();
    state = await wb.hook<Snap>('state');
    assert.deepEqual([state.picker.modality, state.picker.site], ['CT', 'lung']);
    await waitText(note, /Your earlier choice for this file: CT · lung/);
  });

  for (const theme of ['Default Light Modern', 'Default Dark Modern', 'Default High Contrast']) {
    it(`${theme}: the result and its legend are in view at 1000 px, all panel text meets WCAG AA`, async () => {
      wb = await Workbench.launch(`viewer-theme-${theme.replace(/\W+/g, '-')}`, { theme });
      await wb.page.setViewportSize({ width: 1400, height: 1000 });
      await wb.runCommand('MedImageParse: Open Sample Images');
      await wb.waitForImage();
      const viewer = wb.viewer();
      for (const t of ['liver', 'spleen', 'gallbladder', 'stomach']) {
        await viewer.locator(`[data-testid="picker-item-${t}"]`).click();
      }
      await waitText(
        viewer.locator('[data-testid="prompt-preview"]'),
        /liver & spleen & gallbladder & stomach/,
      );
      await viewer.locator('[data-testid="run-button"]').click();
      await viewer.locator('[data-testid="legend-row-stomach"]').waitFor({ timeout: 60_000 });
      await wb.page.waitForTimeout(500);
      const frame = await wb.viewerFrame();
      const inView = await frame.evaluate(() => {
        const panel = document.querySelector('aside.panel')!.getBoundingClientRect();
        return [...document.querySelectorAll('[data-testid^="legend-row-"]')].map((r) => {
          const b = r.getBoundingClientRect();
          return {
            row: r.getAttribute('data-testid'),
            visible: b.top >= panel.top && b.bottom <= panel.bottom,
          };
        });
      });
      assert.ok(inView.length === 4 && inView.every((r) => r.visible), JSON.stringify(inView));
      assert.deepEqual(await frame.evaluate(LOW_CONTRAST_TEXT), [], `${theme}: text below 4.5:1`);
      await wb.screenshot(`viewer-result-${theme.replace(/\W+/g, '-')}`);
    });
  }
});
