import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCliBundle } from '../../support/cliBundle';
import { startFaultServer, type FaultServer } from '../../support/faultServer';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');
/** Many prompts, so that writing one result folder (a 1024² mask each, flushed) takes a while. */
const PROMPTS = Array.from({ length: 16 }, (_, i) => `structure ${i + 1}`).join(' & ');
const IMAGES = ['a', 'b', 'c', 'd'].map((c) => `${c}_pathology_breast.png`);

/** Every entry below `dir`, hidden ones included, relative and sorted. */
function tree(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => f.split(path.sep).join('/'))
    .sort();
}

describe('parse-folder killed (SIGKILL) while it exports, then resumed', function () {
  this.timeout(180_000);
  let server: FaultServer;
  let tmp: string;
  let bundle: string;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    server = await startFaultServer();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-kill-'));
    bundle = path.join(tmp, 'cli.js');
    env = await buildCliBundle(bundle);
  });
  after(async () => {
    await server.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const args = (input: string) => [
    bundle,
    'parse-folder',
    input,
    '--prompt',
    PROMPTS,
    '--modality',
    'Pathology',
    '--concurrency',
    '1',
    '--endpoint',
    `${server.url}/score`,
  ];

  it('leaves every source exactly its own complete result, and nothing stale, after the resume', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    for (const name of IMAGES)
      fs.copyFileSync(path.join(SAMPLES, 'Part_1_516_pathology_breast.png'), path.join(input, name));

    // Run 1: killed the moment it starts writing the second image's result folder.
    const child = spawn(process.execPath, args(input), { env, stdio: 'ignore' });
    let stagings = 0;
    const watcher = fs.watch(input, (_event, name) => {
      if (
        name &&
        /^\.b_pathology_breast\.png\.medimageparse\.\d+\.[0-9a-f]{8}\.tmp$/.test(name) &&
        stagings++ === 0
      )
        child.kill('SIGKILL');
    });
    const exit = await new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    watcher.close();
    assert.equal(exit, 'SIGKILL', 'the first run was killed (not finished)');
    const killed = tree(input);
    assert.ok(
      killed.some((f) => /^\.b_pathology_breast\.png\.medimageparse\..*\.tmp/.test(f)),
      `the kill came while the export was being written: ${killed.join(', ')}`,
    );
    assert.ok(!killed.includes('b_pathology_breast.png.medimageparse'), 'no half result is in view');
    assert.ok(killed.includes('a_pathology_breast.png.medimageparse/report.json'));

    // Run 2: resumes.
    const requestsBefore = server.requests.length;
    const resumed = spawn(process.execPath, args(input), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    resumed.stdout.on('data', (d: Buffer) => (output += d.toString()));
    resumed.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => resumed.on('exit', (c) => resolve(c)));
    assert.equal(code, 0, output);
    assert.match(output, /3 parsed, 1 already done, 0 failed/);
    assert.equal(server.requests.length - requestsBefore, 3, 'only the unfinished images are sent again');

    const after = tree(input);
    assert.deepEqual(
      after.filter((f) => path.basename(f).startsWith('.')),
      [],
      'no temporary is left anywhere',
    );
    const folders = after.filter((f) => !f.includes('/') && f.includes('.medimageparse'));
    assert.deepEqual(
      folders,
      IMAGES.map((i) => `${i}.medimageparse`),
      'one result folder per source, no sibling',
    );
    for (const image of IMAGES) {
      const folder = path.join(input, `${image}.medimageparse`);
      const report = JSON.parse(fs.readFileSync(path.join(folder, 'report.json'), 'utf8'));
      assert.equal(report.source.file, path.join(input, image));
      assert.equal(report.targets.length, 16);
      assert.deepEqual(
        fs.readdirSync(folder).sort(),
        [...report.files].sort(),
        `${image}: exactly its files`,
      );
    }
    const summary = JSON.parse(fs.readFileSync(path.join(input, 'medimageparse-summary.json'), 'utf8'));
    assert.deepEqual(summary.counts, {
      total: 4,
      parsed: 3,
      skipped: 1,
      failed: 0,
      skippedBy: { 'already-done': 1 },
    });
  });
});
