import assert from 'node:assert/strict';
import { buildCliBundle } from '../../support/cliBundle';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { main } from '../../../src/cli/main';
import { startDemoServer, type DemoServer } from '../../../src/demo/server';
import { loadMask } from '../../../src/demo/catalogue';
import { expectedMask, startFaultServer, type FaultServer } from '../../support/faultServer';
import { differencesFromReference } from '../../support/referenceMaskToSource';
import { TEST_KEY } from './helpers';
import { captureIO } from '../../support/cliRun';

const root = path.resolve(__dirname, '../../..');
const SAMPLES = path.join(root, 'media/samples');

const capture = captureIO;

/** The written PNG as stored (channel count from the file) and its pixels as one channel. */
async function readGray(file: string) {
  const { channels } = await sharp(file).metadata();
  const { data, info } = await sharp(file).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels };
}

describe('medparse parse', function () {
  this.timeout(60_000);
  let tmp: string;
  let demo: DemoServer;
  let faults: FaultServer;
  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-parse-'));
    demo = await startDemoServer({ samplesDir: SAMPLES });
    faults = await startFaultServer();
  });
  after(async () => {
    await demo.close();
    await faults.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });
  afterEach(() => {
    delete process.env.MEDPARSE_TEST_KEY;
  });

  it('runs the whole path against the demo endpoint: one 0/255 mask per prompt, named after it, plus report.json', async () => {
    const io = capture();
    const outDir = path.join(tmp, 'demo');
    const code = await main(
      [
        'parse',
        path.join(SAMPLES, 'demo/06_CT_abdomen.png'),
        '--prompt',
        'liver & left kidney',
        '--endpoint',
        demo.url,
        '--out-dir',
        outDir,
      ],
      io,
    );
    assert.equal(code, 0, io.stderr.join('\n'));
    assert.deepEqual(fs.readdirSync(outDir).sort(), [
      'labels.png',
      'left_kidney.png',
      'liver.png',
      'report.json',
    ]);
    for (const [file, target] of [
      ['liver.png', 'liver'],
      ['left_kidney.png', 'left+kidney'],
    ]) {
      const written = await readGray(path.join(outDir, file));
      assert.deepEqual([written.width, written.height, written.channels], [1024, 1024, 1]);
      const reference = await loadMask(path.join(SAMPLES, `demo_mask/06_CT_abdomen_${target}.png`));
      let differ = 0;
      for (let i = 0; i < reference.data.length; i++) if (written.data[i] !== reference.data[i]) differ++;
      assert.ok(differ / reference.data.length < 0.001, `${file}: ${differ} pixels differ`);
      assert.ok(written.data.every((v) => v === 0 || v === 255));
    }
    const report = JSON.parse(fs.readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    assert.equal(report.resultSource, 'demo-reference');
    assert.match(report.notice, /Reference annotations from the demo endpoint, not model output/);
    assert.deepEqual(
      report.targets.map((t: { name: string; maskFile: string }) => [t.name, t.maskFile]),
      [
        ['liver', 'liver.png'],
        ['left kidney', 'left_kidney.png'],
      ],
    );
    assert.match(io.stdout[0], /reference annotations, not model output/);
  });

  it('maps masks back to the source geometry (256² image → 256² masks) and sends the key from the named variable', async () => {
    process.env.MEDPARSE_TEST_KEY = TEST_KEY;
    const io = capture();
    const outDir = path.join(tmp, 'small');
    const before = faults.requests.length;
    const code = await main(
      [
        'parse',
        path.join(SAMPLES, 'covid_1585.png'),
        '--prompt',
        'left lung',
        '--prompt',
        'right lung',
        '--endpoint',
        faults.url,
        '--key-env',
        'MEDPARSE_TEST_KEY',
        '--deployment',
        'blue',
        '--out-dir',
        outDir,
      ],
      io,
    );
    assert.equal(code, 0, io.stderr.join('\n'));
    const req = faults.requests[before];
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    assert.equal(req.headers['azureml-model-deployment'], 'blue');
    assert.equal(req.rows[0].text, 'left lung & right lung');
    // The fault server's mask k is a 256² square of the 1024² input at (61k, 37k) (expectedMask).
    // The 256² source is enlarged 4×, so source pixel centre x sits at model 4x + 1.5: exactly
    // the 64 columns and rows whose two bilinear neighbours are inside the square come back.
    const report = JSON.parse(fs.readFileSync(path.join(outDir, 'report.json'), 'utf8'));
    assert.equal(report.resultSource, 'endpoint');
    for (const [k, file, [x0, y0]] of [
      [0, 'left_lung.png', [0, 0]],
      [1, 'right_lung.png', [15, 9]],
    ] as const) {
      const mask = await readGray(path.join(outDir, file));
      assert.deepEqual([mask.width, mask.height], [256, 256]);
      const wrong: string[] = [];
      for (let y = 0; y < 256; y++) {
        for (let x = 0; x < 256; x++) {
          const expected = x >= x0 && x < x0 + 64 && y >= y0 && y < y0 + 64 ? 255 : 0;
          if (mask.data[y * 256 + x] !== expected && wrong.length < 5) wrong.push(`(${x}, ${y})`);
        }
      }
      assert.deepEqual(wrong, [], `${file}: pixels off the square [${x0}, ${x0 + 64}) × [${y0}, ${y0 + 64})`);
      // The same square, computed by the plain reference mapping from the mask the server sent.
      const reference = expectedMask(k, 1024, 1024);
      const mapped = new Uint8Array(256 * 256);
      for (let i = 0; i < mapped.length; i++) mapped[i] = mask.data[i] === 255 ? 255 : 0;
      assert.deepEqual(differencesFromReference(mapped, reference, 256, 256), []);
      assert.equal(report.targets[k].area, 64 * 64);
    }
    assert.ok(
      ![...io.stdout, ...io.stderr, fs.readFileSync(path.join(outDir, 'report.json'), 'utf8')].some((l) =>
        l.includes(TEST_KEY),
      ),
    );
  });

  it('fails with one line, writes nothing, and never shows the key when the endpoint refuses', async () => {
    process.env.MEDPARSE_TEST_KEY = TEST_KEY;
    faults.enqueue({ type: 'status', status: 401, body: `{"message": "bad key ${TEST_KEY}"}` });
    const io = capture();
    const outDir = path.join(tmp, 'refused');
    const code = await main(
      [
        'parse',
        path.join(SAMPLES, 'covid_1585.png'),
        '--prompt',
        'lung',
        '--endpoint',
        faults.url,
        '--key-env',
        'MEDPARSE_TEST_KEY',
        '--out-dir',
        outDir,
      ],
      io,
    );
    assert.equal(code, 1);
    assert.equal(io.stderr.length, 1);
    assert.match(io.stderr[0], /^medparse parse: .*HTTP 401.*Check the key \/ re-enter it/);
    assert.ok(!io.stderr[0].includes(TEST_KEY));
    assert.equal(fs.existsSync(outDir), false);
  });

  it('refuses a key variable that is not set, and usage mistakes, with one line each (then the help)', async () => {
    const img = path.join(SAMPLES, 'covid_1585.png');
    const cases: [string[], number, RegExp][] = [
      [
        ['--prompt', 'lung', '--endpoint', faults.url, '--key-env', 'MEDPARSE_TEST_KEY'],
        1,
        /environment variable MEDPARSE_TEST_KEY \(--key-env\) is not set/,
      ],
      [['--endpoint', faults.url], 2, /--prompt needs one or more/],
      [['--prompt', 'lung'], 2, /--endpoint is required/],
      [
        ['--prompt', 'lung', '--endpoint', faults.url, '--intensity', 'ct:brain'],
        2,
        /--intensity: unknown CT site 'brain'/,
      ],
      [['--prompt', 'lung', '--endpoint', faults.url, '--key', 'abc'], 2, /Unknown option '--key'/],
    ];
    for (const [args, expected, message] of cases) {
      const io = capture();
      assert.equal(await main(['parse', img, ...args], io), expected, args.join(' '));
      // A usage error is followed by the command's help, on stderr too.
      assert.equal(io.stderr.length, expected === 2 ? 2 : 1);
      if (expected === 2) assert.match(io.stderr[1], /^\nUsage: medparse parse /);
      assert.match(io.stderr[0], message);
    }
    const io = capture();
    assert.equal(
      await main(['parse', path.join(tmp, 'missing.png'), '--prompt', 'lung', '--endpoint', faults.url], io),
      1,
    );
    assert.match(io.stderr[0], /missing\.png/);
  });

  it('--slice or --frame on a single 2D image is an error, before anything is sent', async () => {
    const img = path.join(SAMPLES, 'covid_1585.png');
    for (const [flag, pattern] of [
      ['--slice', /covid_1585\.png: --slice 3 was given, but the file is a single 2D image with no slices/],
      ['--frame', /covid_1585\.png: --frame 3 was given, but the file is a single 2D image with no frames/],
    ] as const) {
      const io = capture();
      const outDir = path.join(tmp, `index-${flag}`);
      const before = faults.requests.length;
      const args = [
        'parse',
        img,
        '--prompt',
        'lung',
        '--endpoint',
        faults.url,
        flag,
        '3',
        '--out-dir',
        outDir,
      ];
      assert.equal(await main(args, io), 1);
      assert.equal(io.stderr.length, 1);
      assert.match(io.stderr[0], pattern);
      assert.equal(faults.requests.length, before, 'nothing sent');
      assert.equal(fs.existsSync(outDir), false);
    }
  });

  it('runs from the bundled CLI (node cli.js, built like dist/cli.js)', async () => {
    const bundle = path.join(tmp, 'cli.js');
    const outDir = path.join(tmp, 'bundled');
    const env = await buildCliBundle(bundle);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        bundle,
        'parse',
        path.join(SAMPLES, 'demo/15_X-Ray_chest.png'),
        '--prompt',
        'left lung in chest X-Ray',
        '--endpoint',
        demo.url,
        '--out-dir',
        outDir,
      ],
      { env, cwd: root },
    );
    assert.match(stdout, /left lung in chest X-Ray: \d+ pixel/);
    assert.ok(fs.existsSync(path.join(outDir, 'left_lung_in_chest_X-Ray.png')));
  });
});
