import type { Browser } from 'playwright-core';

export const CHROMIUM_ARGS: string[];
export function freePort(): Promise<number>;
export interface WorkbenchServer {
  port: number;
  dataDir: string;
  settingsFile: string;
  url(options: { extensionPath: string; workspace?: string; testsPath?: string }): string;
  stop(): Promise<void>;
  /** Removes the data folder if startServer made it (call after stop). */
  removeDataDir(): void;
}
export function startServer(options?: {
  port?: number;
  settings?: Record<string, unknown>;
  env?: Record<string, string>;
  dataDir?: string;
  log?: (line: string) => void;
}): Promise<WorkbenchServer>;
export function launchBrowser(options?: { headless?: boolean }): Promise<Browser>;
export function makeSampleWorkspace(repoRoot: string, prefix?: string): string;
