import assert from 'node:assert/strict';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { startDemoServer, type DemoServer } from '../../../src/demo/server';
import { loadCatalogue, loadMask } from '../../../src/demo/catalogue';
import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig } from '../../../src/endpoint/config';
import { EndpointError } from '../../../src/endpoint/errors';
import { openImage, prepareModelInput } from '../../../src/imaging';
import { CaptureLogger } from '../../support/captureLogger';

const SAMPLES = path.resolve(__dirname, '../../../media/samples');
const demoFile = (id: string) => path.join(SAMPLES, 'demo', `${id}.png`);
const maskFile = (id: string, target: string) =>
  path.join(SAMPLES, 'demo_mask', `${id}_${target.replace(/ /g, '+')}.png`);

function clientFor(url: string, protocol: 'azureml' | 'mlflow' = 'azureml'): EndpointClient {
  return new EndpointClient(
    endpointConfig({ name: 'demo', url, protocol, timeoutMs: 20_000, retry: { maxRetries: 0 } }),
    { getAuthorization: async () => undefined },
  );
}

/** The model input our own pipeline makes from a sample file, as the extension would send it. */
async function modelInput(file: string): Promise<Buffer> {
  return (await prepareModelInput(await openImage(file))).png;
}

async function refusal(promise: Promise<unknown>): Promise<EndpointError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof EndpointError);
    return error;
  }
  throw new Error('expected the demo endpoint to refuse');
}

describe('demo endpoint', function () {
  this.timeout(60_000);
  let demo: DemoServer;
  const log = new CaptureLogger();
  before(async () => {
    demo = await startDemoServer({ samplesDir: SAMPLES, log });
  });
  after(async () => {
    await demo.close();
  });

  it('listens on 127.0.0.1 on a random port', () => {
    assert.match(demo.url, /^http:\/\/127\.0\.0\.1:\d+\/score$/);
  });

  it('recognises every catalogue image from our preprocessing output and answers its reference annotations', async () => {
    const catalogue = await loadCatalogue(SAMPLES);
    assert.equal(catalogue.length, 7);
    const client = clientFor(demo.url);
    for (const image of catalogue) {
      const file = image.id.startsWith('Part_') ? path.join(SAMPLES, `${image.id}.png`) : demoFile(image.id);
      const targets = [...image.targets.values()].slice(0, 2);
      const [result] = await client.parse([
        { png: await modelInput(file), prompts: targets.map((t) => t.target) },
      ]);
      assert.equal(result.source, 'demo-reference', image.id);
      for (const [k, t] of targets.entries()) {
        const reference = await loadMask(t.file);
        const mask = result.masks[k];
        assert.equal(mask.label, t.target);
        assert.deepEqual([mask.width, mask.height], [1024, 1024]);
        assert.ok(Buffer.from(mask.data).equals(Buffer.from(reference.data)), `${image.id} / ${t.target}`);
        assert.ok(
          reference.data.some((v) => v === 255),
          `${t.file} is not empty`,
        );
      }
    }
  });

  it('matches prompts case-insensitively, trimmed, and in the "<target> in <site> <modality>" form', async () => {
    const png = await modelInput(demoFile('06_CT_abdomen'));
    const [result] = await clientFor(demo.url).parse([
      { png, prompts: ['  LIVER ', 'left kidney in abdomen CT', 'Aorta in CT abdomen'] },
    ]);
    assert.deepEqual(
      result.masks.map((m) => m.label),
      ['liver', 'left kidney', 'aorta'],
    );
    const liver = await loadMask(maskFile('06_CT_abdomen', 'liver'));
    assert.ok(Buffer.from(result.masks[0].data).equals(Buffer.from(liver.data)));
  });

  it('tolerates a grey level of difference and an alpha channel, but not a different image', async () => {
    const shifted = await sharp(demoFile('15_X-Ray_chest')).removeAlpha().linear(1, 1).png().toBuffer();
    const [ok] = await clientFor(demo.url).parse([{ png: shifted, prompts: ['left lung'] }]);
    assert.equal(ok.masks[0].label, 'left lung');
    const other = await sharp(path.join(SAMPLES, 'covid_1585.png')).resize(1024, 1024).png().toBuffer();
    const error = await refusal(clientFor(demo.url).parse([{ png: other, prompts: ['left lung'] }]));
    assert.equal(error.kind, 'bad-request');
  });

  it('refuses an unknown image with a message that says it is the demo, what it knows and how to connect a real endpoint', async () => {
    const png = await sharp(await modelInput(path.join(SAMPLES, '144DME_as_F.jpeg')))
      .png()
      .toBuffer();
    const error = await refusal(clientFor(demo.url).parse([{ png, prompts: ['edema'] }]));
    assert.equal(error.kind, 'bad-request');
    assert.equal(error.status, 400);
    assert.match(error.message, /MedImageParse demo endpoint/);
    assert.match(error.message, /06_CT_abdomen \(adrenal gland, aorta/);
    assert.match(error.message, /Part_1_516_pathology_breast \(inflammatory cells, neoplastic cells\)/);
    assert.match(error.message, /"MedImageParse: Add Endpoint"/);
  });

  it('refuses a target outside the catalogue, listing the targets it has for that image', async () => {
    const png = await modelInput(demoFile('08_MRI_heart'));
    const error = await refusal(clientFor(demo.url).parse([{ png, prompts: ['myocardium', 'banana'] }]));
    assert.match(error.message, /no reference annotation for \\?"banana\\?" in the sample 08_MRI_heart/);
    assert.match(error.message, /left heart ventricle, myocardium, right heart ventricle/);
    assert.match(error.message, /MedImageParse: Add Endpoint/);
  });

  it('answers an empty mask for a catalogue target the sample has no annotation for (so Recognize all works)', async () => {
    const png = await modelInput(demoFile('08_MRI_heart'));
    const [result] = await clientFor(demo.url).parse([{ png, prompts: ['myocardium', 'left heart atrium'] }]);
    assert.equal(result.source, 'demo-reference');
    assert.ok(
      result.masks[0].data.some((v) => v === 255),
      'the annotated target has its reference mask',
    );
    assert.ok(
      result.masks[1].data.every((v) => v === 0),
      'the unannotated one is empty',
    );
    assert.equal(result.masks[1].label, 'left heart atrium');
  });

  it('speaks MLflow at /invocations', async () => {
    const base = demo.url.replace('/score', '');
    const [result] = await clientFor(base, 'mlflow').parse([
      { png: await modelInput(demoFile('26_OCT_retinal')), prompts: ['edema'] },
    ]);
    assert.equal(result.masks[0].label, 'edema');
    assert.equal(result.source, 'demo-reference');
  });

  it('answers several images in one request', async () => {
    const inputs = [
      { png: await modelInput(demoFile('20_ultrasound_breast')), prompts: ['tumor'] },
      { png: await modelInput(demoFile('10_MRI-T1-Gd_brain')), prompts: ['tumor core', 'enhancing tumor'] },
    ];
    const results = await clientFor(demo.url).parse(inputs);
    assert.deepEqual(
      results.map((r) => r.masks.map((m) => m.label)),
      [['tumor'], ['tumor core', 'enhancing tumor']],
    );
  });

  it("passes the client's Test endpoint (blank image → empty mask)", async () => {
    const result = await clientFor(demo.url).test();
    assert.ok(result.ok, !result.ok ? result.error.message : '');
    assert.equal(result.source, 'demo-reference');
  });

  it('labels every answer, errors included, with the demo header', async () => {
    for (const body of [
      '{"input_data": {"columns": ["image", "text"], "index": [0], "data": [["AAAA", "liver"]]}}',
      'not json',
    ]) {
      const res = await fetch(demo.url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'application/json' },
      });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('x-medimageparse-demo'), 'reference-annotations');
      const json = (await res.json()) as { error: { message: string } };
      assert.match(json.error.message, /demo endpoint/);
    }
  });

  it('fails to start with a clear error when the samples folder has no catalogue', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'demo-empty-'));
    try {
      await assert.rejects(
        startDemoServer({ samplesDir: empty }),
        /no sample images with annotations found in/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
