import * as fs from 'node:fs';
import * as path from 'node:path';
import * as assert from 'node:assert/strict';
import type { Browser, Frame, FrameLocator, Locator, Page } from 'playwright-core';
import {
  launchBrowser,
  makeSampleWorkspace,
  startServer,
  type WorkbenchServer,
} from '../../scripts/workbench.mjs';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const ARTIFACTS = path.join(REPO_ROOT, 'test-results', 'ui');

/**
 * A real VS Code workbench (VS Code server + Debian Chromium) with the extension loaded and a
 * scratch copy of the sample images as the workspace, driven like a user would: the command
 * palette, the keyboard, clicks in the webview.
 */
export class Workbench {
  private constructor(
    readonly server: WorkbenchServer,
    readonly browser: Browser,
    readonly page: Page,
    readonly workspace: string,
    private readonly log: fs.WriteStream,
  ) {}

  static async launch(
    name: string,
    options: {
      settings?: Record<string, unknown>;
      /** Written to the workspace's .vscode/settings.json before the workbench opens it. */
      workspaceSettings?: Record<string, unknown>;
      /** Extra files (path relative to the workspace → bytes), written before the workbench opens it. */
      files?: Record<string, Uint8Array>;
      theme?: string;
      statusText?: string;
    } = {},
  ): Promise<Workbench> {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    const log = fs.createWriteStream(path.join(ARTIFACTS, `${name}.log`));
    const workspace = makeSampleWorkspace(REPO_ROOT, 'mip-ui-');
    for (const [name, bytes] of Object.entries(options.files ?? {})) {
      fs.mkdirSync(path.dirname(path.join(workspace, name)), { recursive: true });
      fs.writeFileSync(path.join(workspace, name), bytes);
    }
    if (options.workspaceSettings) {
      fs.mkdirSync(path.join(workspace, '.vscode'), { recursive: true });
      fs.writeFileSync(
        path.join(workspace, '.vscode', 'settings.json'),
        JSON.stringify(options.workspaceSettings, null, 2),
      );
    }
    const server = await startServer({
      settings: {
        'security.workspace.trust.enabled': false,
        'workbench.startupEditor': 'none',
        'workbench.colorTheme': options.theme ?? 'Default Dark Modern',
        'telemetry.telemetryLevel': 'off',
        'extensions.autoCheckUpdates': false,
        'window.commandCenter': false,
        ...options.settings,
      },
      log: (line) => log.write(line + '\n'),
    });
    const browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    page.on('console', (m) => log.write(`[console.${m.type()}] ${m.text()}\n`));
    page.on('pageerror', (e) => log.write(`[pageerror] ${e.message}\n`));
    await page.goto(server.url({ extensionPath: REPO_ROOT, workspace }));
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The extension activates on what the user does (a command, a viewer, startup images), so
    // the workbench is ready when the explorer lists the workspace; a test that expects the
    // extension's status bar item (startup images, an endpoint of its own) names its text.
    await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
    if (options.statusText) {
      await page
        .locator('.statusbar-item', { hasText: options.statusText })
        .first()
        .waitFor({ timeout: 60_000 });
    }
    const wb = new Workbench(server, browser, page, workspace, log);
    await wb.waitForContributions();
    return wb;
  }

  /**
   * Waits until the workbench knows the extension's contributions (commands, explorer menus):
   * with activation on use, the explorer can be shown before the extension host has read them,
   * and a right-click then shows a menu without our entries. The palette listing one of our
   * commands (without running it, so nothing activates) says they are in.
   */
  async waitForContributions(): Promise<void> {
    const input = this.page.locator('.quick-input-widget input.input');
    for (let attempt = 1; ; attempt++) {
      try {
        // Right after launch a busy workbench can miss F1 (its keybindings not yet bound): that
        // is retried like a palette without our command.
        await this.page.keyboard.press('F1');
        await input.waitFor({ timeout: 10_000 });
        await input.fill('>MedImageParse: Show Log');
        const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Show Log' }).first();
        await row.waitFor({ timeout: 10_000 });
        await this.page.keyboard.press('Escape');
        return;
      } catch (error) {
        await this.page.keyboard.press('Escape');
        if (attempt === 6) throw error;
      }
    }
  }

  /** Runs a command from the palette by its title, as a user would (F1, type, Enter). */
  async runCommand(title: string): Promise<void> {
    // Right after launch the extension's commands may not be in the palette yet (the extension
    // host is still reading contributions; nothing waits for activation any more): ask again.
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('F1');
      const input = this.page.locator('.quick-input-widget input.input');
      await input.waitFor();
      await input.fill(`>${title}`);
      const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      try {
        await row.waitFor({ timeout: 15_000 });
        break;
      } catch (error) {
        if (attempt === 4) throw error;
        await this.page.keyboard.press('Escape');
      }
    }
    await this.page.keyboard.press('Enter');
  }

  /** The explorer row named exactly `name` (the first, if several folders hold one). */
  explorerRow(name: string): Locator {
    return this.page.locator('.explorer-folders-view .monaco-list-row', { hasText: exactly(name) }).first();
  }

  /** Expands a folder of the explorer unless it is open (a click on an open folder closes it). */
  async expandFolder(name: string): Promise<void> {
    const row = this.explorerRow(name);
    const open = async () => (await row.getAttribute('aria-expanded').catch(() => null)) === 'true';
    for (let attempt = 1; attempt <= 3; attempt++) {
      await row.waitFor();
      if (await open()) return;
      await row.click();
      // A click that lands while the explorer re-renders is lost: look, and click again.
      for (let waited = 0; waited < 3_000 && !(await open()); waited += 100)
        await this.page.waitForTimeout(100);
    }
  }

  /** The viewer's document inside the webview's two iframes. */
  viewer(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').first().frameLocator('#active-frame');
  }

  /** Evaluates a function of the viewer's test hook inside the webview. */
  async hook<T>(fn: string, ...args: unknown[]): Promise<T> {
    const frame = await this.viewerFrame();
    return frame.evaluate(
      ([f, a]) => {
        const hook = (
          window as unknown as { __medimageparseViewer: Record<string, (...x: unknown[]) => unknown> }
        ).__medimageparseViewer;
        return hook[f as string](...(a as unknown[]));
      },
      [fn, args] as const,
    ) as Promise<T>;
  }

  /** The Playwright Frame that holds the viewer (for evaluate). */
  async viewerFrame(): Promise<Frame> {
    await this.viewer().locator('[data-testid="canvas"]').waitFor({ timeout: 30_000 });
    for (const frame of this.page.frames()) {
      if (await frame.evaluate(() => '__medimageparseViewer' in window).catch(() => false)) return frame;
    }
    throw new Error('no frame holds the viewer');
  }

  /**
   * Reloads the window as a user does (Developer: Reload Window), which lets the workbench save
   * its state first; waits for the new workbench and, unless `statusText` is null, the
   * extension's status bar item. Null is for a workspace that gives the extension no reason to
   * start (no startup images, endpoint only in user settings): it activates on the next use.
   */
  async reloadWindow(statusText: string | null = 'demo'): Promise<void> {
    const navigated = this.page.waitForNavigation({ timeout: 60_000 });
    await this.runCommand('Developer: Reload Window');
    await navigated;
    await this.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    if (statusText === null) {
      await this.page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 60_000 });
      await this.waitForContributions();
      return;
    }
    await this.page.locator('.statusbar-item', { hasText: statusText }).first().waitFor({ timeout: 60_000 });
  }

  /**
   * In an open multi-select quick pick: filters by `label`, ticks the first matching item and
   * accepts. The tick is checked ("1 Selected") and retried, since a click that lands while the
   * list re-renders is lost.
   */
  async pickInQuickPick(label: string): Promise<void> {
    const input = this.page.locator('.quick-input-widget input.input');
    await input.waitFor();
    await input.fill(label);
    const count = this.page.locator('.quick-input-widget .quick-input-count');
    for (let attempt = 0; attempt < 5; attempt++) {
      const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
      await row.waitFor();
      if (/1 Selected/.test((await count.textContent().catch(() => '')) ?? '')) break;
      await row.locator('.monaco-checkbox, input[type=checkbox]').first().click();
      await this.page.waitForTimeout(400);
    }
    await waitText(count, /1 Selected/, 5_000);
    await this.page.keyboard.press('Enter');
  }

  /** The editor tabs' titles, in order, across all editor groups. */
  async tabTitles(): Promise<string[]> {
    return (await this.page.locator('.tabs-container .tab .label-name').allTextContents()).map((t) =>
      t.trim(),
    );
  }

  /** Brings an editor tab to the front by clicking it (the first tab whose title contains `title`). */
  async showTab(title: string): Promise<void> {
    await this.page.locator('.tabs-container .tab', { hasText: title }).first().click();
  }

  /** Waits until the viewer has drawn its image (the init message arrived). */
  async waitForImage(): Promise<void> {
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const state = await this.hook<{ image?: unknown }>('state').catch(() => undefined);
      if (state?.image) return;
      await this.page.waitForTimeout(100);
    }
    throw new Error('the viewer never showed its image');
  }

  async screenshot(name: string): Promise<string> {
    const file = path.join(ARTIFACTS, `${name}.png`);
    await this.page.screenshot({ path: file });
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close().catch(() => undefined);
    await this.server.stop();
    this.server.removeDataDir();
    this.log.end();
    fs.rmSync(this.workspace, { recursive: true, force: true });
  }
}

/** Waits until the locator's text matches (a string is a substring); returns the text. */
export async function waitText(
  locator: Locator,
  pattern: RegExp | string,
  timeoutMs = 30_000,
): Promise<string> {
  const end = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < end) {
    text = (await locator.allTextContents().catch(() => [])).join(' | ');
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 150));
  }
  assert.fail(`expected ${pattern} in: ${text}`);
}

/**
 * The notification a stopped run or a declined request ends with, matching `pattern`: a note,
 * never a failed request and never an error notification. Returns its text.
 */
export async function noteShown(wb: Workbench, pattern: RegExp): Promise<string> {
  const toasts = wb.page.locator('.notification-toast');
  const note = await waitText(toasts.locator('.notification-list-item-message'), pattern);
  assert.doesNotMatch(note, /request cancelled/, "the user's Cancel is not reported as a failure");
  assert.equal(await toasts.locator('.codicon-error').count(), 0, `no error notification: ${note}`);
  return note;
}

/** After each test: a screenshot when it failed (test-results/ui/failed-*.png), then close the workbench. */
export function closeAfterEach(current: () => Workbench | undefined): void {
  afterEach(async function () {
    const wb = current();
    if (this.currentTest?.state === 'failed')
      await wb?.screenshot(`failed-${this.currentTest.title.replace(/\W+/g, '-')}`);
    await wb?.close();
  });
}

/** A regexp that matches exactly `name` (a file name's dots are not wildcards). */
export function exactly(name: string): RegExp {
  return new RegExp(`^${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}
