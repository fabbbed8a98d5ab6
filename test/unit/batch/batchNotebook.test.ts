import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseCsvRecord } from '../../../src/batch/batchEndpoint/csv';
import { prepareBatch } from '../../../src/batch/batchEndpoint/prepare';
import { decodeRow } from '../../../src/endpoint/response';
import { simulateBatchJob } from '../../support/batchSimulator';

const SAMPLES = path.join(__dirname, '..', '..', 'fixtures', 'samples');
const SCRIPT = path.join(__dirname, '..', '..', 'support', 'notebookReadBatch.py');
/** Debian's Python: scripts/vscode-server.mjs installs python3-numpy, python3-pandas and python3-pil for it. */
const PYTHON = '/usr/bin/python3';

function pythonReady(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import numpy, pandas, PIL'], { encoding: 'utf8' });
  if (probe.error) return `${PYTHON} is not installed`;
  if (probe.status !== 0)
    return `${PYTHON} lacks numpy, pandas or Pillow (${probe.stderr.trim().split('\n').pop()})`;
  return undefined;
}

function runNotebookReader(kind: 'inputs' | 'predictions', files: string[]): Record<string, unknown>[] {
  const r = spawnSync(PYTHON, [SCRIPT, kind, ...files], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

interface Manifest {
  inputFiles: { name: string }[];
  images: {
    source: string;
    modelInput: { pixelsSha256: string };
    rows: { file: string; row: number; prompts: string[] }[];
  }[];
}

describe("batch endpoint files read by Microsoft's notebook code (Debian python3, pandas, numpy)", function () {
  this.timeout(180_000);
  let tmp: string;
  before(function () {
    const missing = pythonReady();
    // scripts/vscode-server.mjs installs them for `npm test`; elsewhere say why this is skipped.
    if (missing) this.skip();
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-batch-notebook-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('decodes our input CSV images into exactly the model-input pixels, and the predictions into the masks we read', async () => {
    const input = path.join(tmp, 'in');
    fs.mkdirSync(input);
    fs.copyFileSync(path.join(SAMPLES, 'covid_1585.png'), path.join(input, 'chest.png'));
    fs.copyFileSync(path.join(SAMPLES, 'CT_lung_nodule.dcm'), path.join(input, 'ct.dcm'));
    fs.copyFileSync(path.join(SAMPLES, '144DME_as_F.jpeg'), path.join(input, 'oct, "quoted".jpeg'));
    const out = path.join(tmp, 'batch');
    const prepared = await prepareBatch(input, {
      targets: { kind: 'prompts', prompts: ['bright', 'medium', 'it\'s, "odd"'] },
      modalityKey: 'CT-Chest',
      outDir: out,
      rowsPerFile: 2,
    });
    const manifest = JSON.parse(fs.readFileSync(prepared.manifest, 'utf8')) as Manifest;

    const rows = runNotebookReader('inputs', prepared.inputFiles);
    assert.equal(rows.length, 3);
    for (const image of manifest.images) {
      const [row] = image.rows;
      const read = rows.find((r) => path.basename(r.file as string) === row.file && r.index === row.row);
      assert.ok(read, `pandas finds ${row.file} row ${row.row}`);
      assert.deepEqual(read.columns, ['Unnamed: 0', 'image', 'text']);
      assert.equal(read.unnamed, row.row);
      assert.deepEqual(read.shape, [1024, 1024, 3]);
      assert.equal(read.dtype, 'uint8');
      assert.equal(read.sha256, image.modelInput.pixelsSha256, `${image.source}: the same pixels`);
      assert.equal(read.text, 'bright & medium & it\'s, "odd"');
    }

    // The notebook's parse_labels (swap ' for ", then json.loads) cannot read a label holding a
    // quote (Python's repr of it): plain targets for the predictions, which we read either way.
    const plain = await prepareBatch(input, {
      targets: { kind: 'prompts', prompts: ['bright', 'medium', 'other'] },
      modalityKey: 'CT-Chest',
      outDir: path.join(tmp, 'plain'),
      rowsPerFile: 2,
    });
    const predictions = path.join(tmp, 'predictions.csv');
    await simulateBatchJob(plain.inputFiles, predictions, { shuffleSeed: 5 });
    const notebook = runNotebookReader('predictions', [predictions]);
    const records = fs.readFileSync(predictions, 'utf8').trimEnd().split('\n');
    assert.equal(notebook.length, records.length);
    records.forEach((line, i) => {
      const fields = parseCsvRecord(line);
      const masks = decodeRow(
        { image_features: fields[1], text_features: fields[2] },
        ['bright', 'medium', 'other'],
        `line ${i + 1}`,
        (t) => t,
        undefined,
      );
      assert.deepEqual(
        notebook[i].labels,
        masks.map((m) => m.label),
      );
      const ours = crypto.createHash('sha256');
      for (const m of masks) ours.update(m.data);
      assert.equal(notebook[i].position, Number(fields[0]));
      assert.equal(notebook[i].file, fields[3]);
      assert.deepEqual(notebook[i].shape, [3, 1024, 1024]);
      assert.equal(
        notebook[i].sha256,
        ours.digest('hex'),
        `record ${i + 1}: the notebook and we read the same masks`,
      );
    });
  });
});
