/**
 * Root hook plugin of the unit suite (.mocharc.json "require"): tests write only to temporary
 * folders and remove them. The whole run gets a private temporary folder (TMPDIR, inherited by
 * the CLI processes and workers the tests start), set before any spec file loads; after the last
 * test it must be empty, else the run fails naming what was left. Private, so that other runs
 * sharing the machine's /tmp at the same time cannot be mistaken for leaks.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { registeredCleanups } from './afterAllTests';

/** tsx's compile cache: not ours, and not a test's leftover. */
const NOT_OURS = /^tsx-/;

const original = { TMPDIR: process.env.TMPDIR, TMP: process.env.TMP, TEMP: process.env.TEMP };
const privateTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-unit-tmp-'));
process.env.TMPDIR = process.env.TMP = process.env.TEMP = privateTmp;

function restoreAndRemove(): void {
  for (const [name, value] of Object.entries(original)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  fs.rmSync(privateTmp, { recursive: true, force: true });
}
process.once('exit', restoreAndRemove);

/** Entries a test left in the private temporary folder. */
export function leftovers(): string[] {
  return fs.readdirSync(privateTmp).filter((name) => !NOT_OURS.test(name));
}

export const mochaHooks = {
  async afterAll(): Promise<void> {
    for (const cleanup of registeredCleanups().splice(0)) await cleanup();
    const left = leftovers();
    restoreAndRemove();
    if (left.length > 0) {
      throw new Error(
        `tests left temporary files behind in ${privateTmp}: ${left.join(', ')} (remove them in an after/afterEach hook)`,
      );
    }
  },
};
