import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

type InstallOnceModule = typeof import('../../../scripts/install-once.mjs', {
  with: { 'resolution-mode': 'import' },
});

const MODULE = path.join(__dirname, '..', '..', '..', 'scripts', 'install-once.mjs');

/**
 * A separate process that installs into `dir`: the install notes itself in `dir`.count, then
 * writes two files half a second apart (a reader between them would see half an install).
 */
function installer(
  dir: string,
  fail = false,
  starters = 0,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const script = `
    import fs from 'node:fs';
    import path from 'node:path';
    import { installOnce } from ${JSON.stringify(MODULE)};
    const dir = process.env.DIR;
    const starters = Number(process.env.STARTERS || 0);
    fs.appendFileSync(dir + '.started', process.pid + '\\n');
    installOnce(dir, (base) => {
      // Hold the lock until every process has started, so the others really do wait (on a busy
      // machine a process can otherwise start after the install is done).
      const started = () => fs.readFileSync(dir + '.started', 'utf8').trim().split('\\n').length;
      for (const end = Date.now() + 30000; started() < starters && Date.now() < end; )
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      fs.appendFileSync(dir + '.count', process.pid + '\\n');
      fs.writeFileSync(path.join(base, 'first'), 'a');
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      if (process.env.FAIL) throw new Error('install failed');
      fs.writeFileSync(path.join(base, 'second'), 'b');
    });
    // Whoever returns must see a complete install.
    if (!fs.existsSync(path.join(dir, 'second'))) { console.error('incomplete'); process.exit(3); }
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, DIR: dir, STARTERS: String(starters), ...(fail ? { FAIL: '1' } : {}) },
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('The shared VS Code server cache: installed once, under a lock, never half', () => {
  let root: string;
  let installOnce: InstallOnceModule['installOnce'];
  before(async () => {
    ({ installOnce } = await import('../../../scripts/install-once.mjs'));
  });
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mip-install-once-'));
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  const leftovers = () =>
    fs.readdirSync(root).filter((f) => f !== 'cache' && !f.endsWith('.count') && !f.endsWith('.started'));

  it('three processes at once: one installs, the others wait and find it complete', async () => {
    const dir = path.join(root, 'cache');
    const runs = await Promise.all([
      installer(dir, false, 3),
      installer(dir, false, 3),
      installer(dir, false, 3),
    ]);
    for (const r of runs) assert.equal(r.code, 0, r.stderr);
    assert.equal(fs.readFileSync(`${dir}.count`, 'utf8').trim().split('\n').length, 1, 'installed once');
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.ready', 'first', 'second']);
    assert.deepEqual(leftovers(), [], 'no lock file or partial folder is left');
    assert.ok(
      runs.some((r) => /waiting for process \d+/.test(r.stdout)),
      'a waiting process says what it waits for',
    );
  });

  it('a cache folder without its ready marker is removed and installed again', async () => {
    const dir = path.join(root, 'cache');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'first'), 'from a cut-off install');
    const log: string[] = [];
    installOnce(dir, (base) => fs.writeFileSync(path.join(base, 'second'), 'b'), { log: (l) => log.push(l) });
    assert.deepEqual(fs.readdirSync(dir).sort(), ['.ready', 'second']);
    assert.match(log.join('\n'), /incomplete \(no \.ready\); installing it again/);
  });

  it('a lock left by a process that died is taken over, and its partial folder removed', async () => {
    const dir = path.join(root, 'cache');
    // A pid that cannot be running: above the kernel's pid limit.
    fs.writeFileSync(
      `${dir}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 1, host: os.hostname(), since: 'earlier' }),
    );
    fs.mkdirSync(`${dir}.partial-${2 ** 22 + 1}`);
    installOnce(dir, (base) => fs.writeFileSync(path.join(base, 'second'), 'b'), { log: () => undefined });
    assert.ok(fs.existsSync(path.join(dir, '.ready')));
    assert.deepEqual(leftovers(), []);
  });

  it('an install that fails leaves nothing behind, and the next one succeeds', async () => {
    const dir = path.join(root, 'cache');
    const failed = await installer(dir, true);
    assert.notEqual(failed.code, 0);
    assert.match(failed.stderr, /install failed/);
    assert.ok(!fs.existsSync(dir), 'no half-installed cache');
    assert.deepEqual(leftovers(), []);
    const ok = await installer(dir);
    assert.equal(ok.code, 0, ok.stderr);
    assert.ok(fs.existsSync(path.join(dir, 'second')));
  });
});
