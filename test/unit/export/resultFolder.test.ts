import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeExports, type ExportRequest } from '../../../src/export';
import { cleanStaleTemps } from '../../../src/export/temps';

/** The id of a process that has exited (so its temporaries are stale). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

describe('export: one result folder per run, written whole', () => {
  let tmp: string;
  let source: string;
  const width = 8;
  const height = 6;
  const full = new Uint8Array(width * height).fill(255);

  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'medparse-result-'));
    source = path.join(tmp, 'scan.png');
    fs.writeFileSync(source, 'not read by the exporter');
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  const request = (targets: string[], extra: Partial<ExportRequest> = {}): ExportRequest => ({
    source: { file: source, format: 'raster', width, height },
    targets: targets.map((name) => ({ name, mask: full })),
    prompts: targets,
    ...extra,
  });
  const listing = (dir: string) => fs.readdirSync(dir).sort();

  it('a second export of the same image goes to a numbered sibling and leaves the first as it was', async () => {
    const first = await writeExports(request(['liver', 'spleen']));
    const second = await writeExports(request(['kidney']));
    assert.equal(first.dir, path.join(tmp, 'scan.png.medimageparse'));
    assert.equal(second.dir, path.join(tmp, 'scan.png.medimageparse-2'));
    assert.deepEqual(listing(first.dir), ['labels.png', 'liver.png', 'report.json', 'spleen.png']);
    assert.deepEqual(listing(second.dir), ['kidney.png', 'labels.png', 'report.json']);
    const report = JSON.parse(fs.readFileSync(path.join(first.dir, 'report.json'), 'utf8'));
    assert.deepEqual(report.prompts, ['liver', 'spleen'], 'the first report still describes its folder');
  });

  it('an exact folder holding a result is refused, or with overwrite replaced as one unit (no old mask stays)', async () => {
    const outDir = path.join(tmp, 'out');
    await writeExports(request(['liver', 'spleen'], { outDir }));
    await assert.rejects(writeExports(request(['kidney'], { outDir })), /already holds files.*--overwrite/);
    assert.deepEqual(listing(outDir), ['labels.png', 'liver.png', 'report.json', 'spleen.png']);
    const replaced = await writeExports(request(['kidney'], { outDir, overwrite: true }));
    assert.equal(replaced.dir, outDir);
    assert.deepEqual(listing(outDir), ['kidney.png', 'labels.png', 'report.json']);
    assert.deepEqual(listing(tmp), ['out', 'scan.png'], 'no temporary or old copy is left');
  });

  it('overwrite refuses a folder that holds anything a previous export did not write', async () => {
    const outDir = path.join(tmp, 'out');
    await writeExports(request(['liver'], { outDir }));
    fs.writeFileSync(path.join(outDir, 'notes.txt'), 'mine');
    await assert.rejects(
      writeExports(request(['kidney'], { outDir, overwrite: true })),
      /not a MedImageParse result folder \(it holds notes\.txt\)/,
    );
    assert.deepEqual(listing(outDir), ['labels.png', 'liver.png', 'notes.txt', 'report.json']);
  });

  it("removes what a killed export left (hidden temporaries and staging folders) and keeps a live process's", async () => {
    const dead = deadPid();
    const staleDir = path.join(tmp, `.scan.png.medimageparse.${dead}.0badc0de.tmp`);
    fs.mkdirSync(staleDir);
    fs.writeFileSync(path.join(staleDir, 'liver.png'), 'half');
    fs.writeFileSync(path.join(tmp, `.other.png.medimageparse-2.${dead}.deadbeef.tmp`), 'half');
    // Another program's file of a similar shape, and a live process's staging folder, stay.
    const foreign = path.join(tmp, `.notes.txt.${dead}.12345678.tmp`);
    fs.writeFileSync(foreign, 'not ours');
    const live = path.join(tmp, `.other.png.medimageparse.${process.ppid}.12345678.tmp`);
    fs.mkdirSync(live);
    const result = await writeExports(request(['liver']));
    assert.equal(result.dir, path.join(tmp, 'scan.png.medimageparse'));
    assert.deepEqual(listing(tmp), [
      path.basename(foreign),
      path.basename(live),
      'scan.png',
      'scan.png.medimageparse',
    ]);
  });

  it('a result folder moved aside by a replace that was killed is put back', async () => {
    const outDir = path.join(tmp, 'out');
    await writeExports(request(['liver'], { outDir }));
    const aside = path.join(tmp, `.out.${deadPid()}.0123abcd.replaced.tmp`);
    fs.renameSync(outDir, aside);
    await cleanStaleTemps(tmp);
    assert.deepEqual(listing(tmp), ['out', 'scan.png']);
    assert.deepEqual(listing(outDir), ['labels.png', 'liver.png', 'report.json']);
  });
});
