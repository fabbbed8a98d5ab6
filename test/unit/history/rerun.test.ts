import * as assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { volumeFigures } from '../../../src/analysis/volume';
import type { SourceImage } from '../../../src/imaging';
import { rerunParseRequest, rerunVolumeRequest } from '../../../src/history/rerun';
import { ResultStore } from '../../../src/history/resultStore';
import { intensityForRun } from '../../../src/pipeline/intensity';
import type { VolumeRun } from '../../../src/pipeline/volumeView';
import type { ParseResult } from '../../../src/shared/protocol';

/** A CT slice in HU, as a DICOM of the abdomen opens. */
const CT: SourceImage = {
  file: '/data/ct/slice_010.dcm',
  format: 'dicom',
  width: 2,
  height: 2,
  channels: 1,
  pixels: new Float32Array([-1000, 0, 40, 400]),
  range: { min: -1000, max: 400 },
  modalityHint: 'CT',
  burnedInAnnotation: false,
};

/** A parse of the abdomen CT made with the lung window (the viewer's CT window picker). */
const RESULT: ParseResult = {
  id: 'res-lung-window',
  kind: 'parse',
  source: 'endpoint',
  endpointName: 'loopback',
  modality: 'CT',
  site: 'abdomen',
  ctWindow: 'lung',
  prompts: ['left lung'],
  time: '2026-12-03T10:00:00.000Z',
  width: 2,
  height: 2,
  slice: 10,
  targets: [],
};

/**
 * Run Again must make the model input the first run made: the same slice, prompts, modality,
 * site and CT window. The window is what the site alone would not give back: an abdomen CT run
 * with the lung window would come back with the abdomen window (or the setting's).
 */
describe('Run Again from History asks for what made the result', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'mip-rerun-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('a single-image parse: its CT window is kept in History and asked for again', async () => {
    await new ResultStore(dir).add(CT.file, RESULT);
    // A new store on the same folder: Run Again after a Reload Window.
    const [entry] = await new ResultStore(dir).list();
    assert.equal(entry.ctWindow, 'lung');
    const request = rerunParseRequest(entry);
    assert.deepEqual(request, {
      kind: 'parse',
      file: CT.file,
      slice: 10,
      frame: undefined,
      prompts: ['left lung'],
      modality: 'CT',
      site: 'abdomen',
      ctWindow: 'lung',
    });
    // The window the run makes its model input with (the configured window is 'auto').
    assert.deepEqual(intensityForRun(CT, request.modality, request.site, [request.ctWindow, 'auto']), {
      kind: 'ct',
      site: 'lung',
    });
  });

  it('a result made without a CT window (not a CT) asks for none', async () => {
    const { ctWindow: _dropped, ...xray } = { ...RESULT, id: 'res-xray', modality: 'X-Ray', site: 'chest' };
    await new ResultStore(dir).add('/data/chest.png', xray);
    const [entry] = await new ResultStore(dir).list();
    assert.equal('ctWindow' in entry, false);
    assert.equal('ctWindow' in rerunParseRequest(entry), false);
  });

  it('a whole volume parsed slice by slice: its CT window and slice range are asked for again', async () => {
    const dims: [number, number, number] = [2, 2, 3];
    const mask = new Uint8Array(12);
    const run: VolumeRun = {
      id: 'vol-lung-window',
      mode: 'slices',
      prompts: ['left lung'],
      endpointName: 'loopback',
      modality: 'CT',
      site: 'abdomen',
      ctWindow: 'lung',
      time: '2026-12-03T10:00:00.000Z',
      result: {
        source: 'endpoint',
        range: [1, 2],
        requested: 2,
        resumed: 0,
        labels: mask,
        targets: [
          {
            target: 'left lung',
            label: 1,
            mask,
            figures: volumeFigures(mask, { dims, spacing: [1, 1, 1] }),
            likelyAbsentSlices: 0,
          },
        ],
      },
    };
    await new ResultStore(dir).addVolume('/data/ct', run, { dims });
    const [entry] = await new ResultStore(dir).list();
    assert.ok(entry.volume);
    assert.deepEqual(rerunVolumeRequest(entry, entry.volume), {
      prompts: ['left lung'],
      mode: 'slices',
      range: [1, 2],
      modality: 'CT',
      site: 'abdomen',
      ctWindow: 'lung',
    });
  });
});
