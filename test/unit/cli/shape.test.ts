import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { cliCommands } from '../../../src/cli/commands';
import { buildCliBundle } from '../../support/cliBundle';

/**
 * Every `medparse` command has the same shape, checked through the real CLI (the bundle, as
 * dist/cli.js is built, in its own process): results as JSON on stdout (--json for parse and
 * parse-folder, whose default stays the human summary), messages on stderr, help on stdout for
 * --help and on stderr after a usage error, the documented exit codes, and a progress line only
 * when stderr is a terminal.
 */

const ROOT = path.resolve(__dirname, '../../..');
const SAMPLES = path.join(ROOT, 'test/fixtures/samples');
const PHANTOM_SERIES = path.join(ROOT, 'media/samples/phantom/synthetic_phantom_ct_series');

let tmp: string;
let bundle: string;
let env: NodeJS.ProcessEnv;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the bundled CLI with pipes (stdout and stderr are not terminals), as a script would. */
function medparse(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bundle, ...args], { env, cwd: tmp });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const out = (name: string) => path.join(tmp, name);

describe('medparse: the same shape for every command', function () {
  // Many short processes: a hang guard, not a speed limit.
  this.timeout(300_000);
  // Hooks inside the describe: the suite's root hook checks for left-over temporary files after it.
  before(async function () {
    this.timeout(120_000); // one esbuild bundle
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-shape-'));
    // dist/cli.js finds the demo endpoint's samples in ../media: the same layout here.
    bundle = path.join(tmp, 'dist', 'cli.js');
    env = await buildCliBundle(bundle);
    fs.symlinkSync(path.join(ROOT, 'media'), path.join(tmp, 'media'));
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('--help: usage and exit codes on stdout, nothing on stderr, exit 0', async () => {
    const top = await medparse('--help');
    assert.equal(top.code, 0);
    assert.equal(top.stderr, '');
    assert.match(top.stdout, /^Usage: medparse <command>/m);
    const width = Math.max(...cliCommands.map((c) => c.name.length));
    for (const command of cliCommands) {
      assert.match(
        top.stdout,
        new RegExp(`^  ${command.name} +\\S`, 'm'),
        `${command.name} in the command list`,
      );
      const failure = command.exitCodes.find((c) => c.code === 1)!.meaning;
      assert.ok(
        top.stdout.includes(`${command.name.padEnd(width)}  ${failure}`),
        `exit code 1 of ${command.name}`,
      );
    }
    // `medparse help <command>` gives the same text: checked for one command. The processes run
    // side by side: they only start, print and exit.
    const runs = [...cliCommands.map((c) => [c.name, '--help']), ['help', cliCommands[0].name]];
    const helps = await Promise.all(runs.map((args) => medparse(...args)));
    runs.forEach((args, i) => {
      const help = helps[i];
      const name = args[0] === 'help' ? args[1] : args[0];
      assert.equal(help.code, 0, args.join(' '));
      assert.equal(help.stderr, '', args.join(' '));
      assert.match(help.stdout, new RegExp(`^Usage: medparse ${name} `));
      assert.match(help.stdout, /\nExit codes:\n {2}0 {2}success\n {2}1 {2}\S.*\n {2}2 {2}usage error/);
    });
  });

  it('a usage error: the mistake and the help on stderr, nothing on stdout, exit 2', async () => {
    const runs = await Promise.all(cliCommands.map((c) => medparse(c.name, '--no-such-option')));
    cliCommands.forEach((command, i) => {
      const run = runs[i];
      assert.equal(run.code, 2, command.name);
      assert.equal(run.stdout, '', command.name);
      assert.match(run.stderr, new RegExp(`^medparse ${command.name}: Unknown option '--no-such-option'`));
      assert.match(run.stderr, new RegExp(`\\nUsage: medparse ${command.name} [^]*\\nExit codes:\\n`));
    });
    for (const args of [[], ['no-such-command'], ['help', 'no-such-command']]) {
      const run = await medparse(...args);
      assert.equal(run.code, 2, args.join(' '));
      assert.equal(run.stdout, '', args.join(' '));
      assert.match(run.stderr, /Usage: medparse <command>/);
    }
  });

  it('results as JSON on stdout for every command (mcp speaks its protocol there), notes on stderr', async () => {
    const xray = path.join(SAMPLES, 'demo/15_X-Ray_chest.png');
    const json = (run: Run, what: string): unknown => {
      assert.equal(run.code, 0, `${what}: ${run.stderr}`);
      assert.doesNotThrow(() => JSON.parse(run.stdout), `${what}: stdout is not JSON: ${run.stdout}`);
      return JSON.parse(run.stdout);
    };

    const prepared = json(
      await medparse('preprocess', xray, '--out-dir', out('pre'), '--json'),
      'preprocess',
    ) as { output: string; ok: boolean };
    assert.equal(prepared.ok, true);

    const parsed = json(
      await medparse(
        'parse',
        xray,
        '--prompt',
        'left lung & right lung',
        '--endpoint',
        'demo',
        '--out-dir',
        out('parse'),
        '--json',
      ),
      'parse --json',
    ) as {
      output: string;
      report: string;
      source: string;
      targets: { name: string; area: number; mask: string }[];
    };
    assert.equal(parsed.output, out('parse'));
    assert.equal(parsed.source, 'demo-reference');
    assert.deepEqual(
      parsed.targets.map((t) => t.name),
      ['left lung', 'right lung'],
    );
    for (const t of parsed.targets) {
      assert.ok(t.area > 0 && fs.existsSync(t.mask), t.name);
    }
    assert.ok(fs.existsSync(parsed.report));
    // Without --json parse keeps its human summary (scripts read it), one line per target.
    const human = await medparse(
      'parse',
      xray,
      '--prompt',
      'left lung',
      '--endpoint',
      'demo',
      '--out-dir',
      out('human'),
    );
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^left lung: \d+ pixel\(s\) → /m);

    // A mask of the model input's size for pvalue and recognize.
    const mask = out('mask.png');
    const probability = Buffer.alloc(1024 * 1024);
    for (let y = 300; y < 700; y++) probability.fill(230, y * 1024 + 200, y * 1024 + 480);
    await sharp(probability, { raw: { width: 1024, height: 1024, channels: 1 } })
      .png()
      .toFile(mask);
    const pvalue = json(
      await medparse(
        'pvalue',
        '--image',
        prepared.output,
        '--mask',
        mask,
        '--modality',
        'X-Ray-Chest',
        '--target',
        'left lung',
        '--json',
      ),
      'pvalue',
    ) as { status: string };
    assert.equal(typeof pvalue.status, 'string');
    const recognized = json(
      await medparse(
        'recognize',
        '--image',
        prepared.output,
        '--modality',
        'X-Ray-Chest',
        '--mask',
        `left lung=${mask}`,
        '--out-dir',
        out('rec'),
        '--json',
      ),
      'recognize',
    ) as { labelsPng: string };
    assert.ok(fs.existsSync(recognized.labelsPng));

    const inspected = json(
      await medparse('inspect', path.join(SAMPLES, 'CT_lung_nodule.dcm'), '--json'),
      'inspect',
    ) as {
      width: number;
    };
    assert.equal(inspected.width, 512);

    const folder = out('folder');
    fs.mkdirSync(folder);
    fs.copyFileSync(xray, path.join(folder, '15_X-Ray_chest.png'));
    const batch = json(
      await medparse(
        'parse-folder',
        folder,
        '--prompt',
        'left lung',
        '--endpoint',
        'demo',
        '--modality',
        'X-Ray-Chest',
        '--out-dir',
        out('batch'),
        '--json',
      ),
      'parse-folder --json',
    ) as { total: number; parsed: number; failed: number; summaryFiles: string[]; failures: unknown[] };
    assert.deepEqual([batch.total, batch.parsed, batch.failed], [1, 1, 0]);
    assert.deepEqual(batch.failures, []);
    for (const f of batch.summaryFiles) assert.ok(fs.existsSync(f), f);

    const volume = json(
      await medparse(
        'parse-volume',
        PHANTOM_SERIES,
        '--prompt',
        'liver',
        '--endpoint',
        'demo',
        '--slices',
        '20:21',
        '--out-dir',
        out('vol'),
        '--json',
      ),
      'parse-volume',
    ) as { output: string };
    assert.ok(fs.existsSync(path.join(volume.output, 'labels.nii.gz')));
    // The demo's caveat is a message: stderr, never mixed into the JSON.
    const demo = await medparse(
      'parse',
      xray,
      '--prompt',
      'left lung',
      '--endpoint',
      'demo',
      '--out-dir',
      out('note'),
      '--json',
    );
    assert.match(demo.stderr, /reference annotations, not model output/);
  });

  it('a failed run: the reason on stderr naming the file, nothing on stdout, exit 1', async () => {
    const missing = out('missing.png');
    for (const args of [
      ['parse', missing, '--prompt', 'liver', '--endpoint', 'demo', '--json'],
      ['inspect', missing],
      ['pvalue', '--image', missing, '--mask', missing, '--modality', 'CT-Abdomen', '--target', 'liver'],
      ['parse-volume', missing, '--prompt', 'liver', '--endpoint', 'demo', '--out-dir', out('v2')],
    ]) {
      const run = await medparse(...args);
      assert.equal(run.code, 1, args.join(' '));
      assert.equal(run.stdout, '', args.join(' '));
      assert.ok(run.stderr.includes('missing.png'), run.stderr);
    }
  });

  it('a progress line on stderr when it is a terminal, and none when it is piped', async function () {
    if (spawnSync('script', ['--version']).error) this.skip(); // util-linux's script gives the pty
    const args = [
      bundle,
      'parse-volume',
      PHANTOM_SERIES,
      '--prompt',
      'liver',
      '--endpoint',
      'demo',
      '--slices',
      '14:23',
    ];
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    // stdout to a file, stderr to the pseudo-terminal `script` records.
    const resultFile = out('tty-result.json');
    const command = `${[process.execPath, ...args, '--out-dir', out('tty')].map(quote).join(' ')} > ${quote(resultFile)}`;
    const tty = spawnSync('script', ['-qec', command, '/dev/null'], { env, cwd: tmp, encoding: 'utf8' });
    assert.equal(tty.status, 0, tty.stdout + tty.stderr);
    // Carriage return, erase line (ESC [2K), then the count: the line rewrites itself.
    const rewrite = new RegExp(`\r${String.fromCharCode(27)}\\[2K\\d+/10 slices`);
    assert.match(tty.stdout, rewrite, 'a self-rewriting progress line');
    assert.ok(JSON.parse(fs.readFileSync(resultFile, 'utf8')).output, 'the result still on stdout');

    const piped = await medparse(...args.slice(1), '--out-dir', out('piped'));
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stderr, /\r|\d+\/10 slices/);
  });
});
