import { strict as assert } from 'node:assert';
import { prepareModelInput, type ModelInput, type SourceImage } from '../../../src/imaging';
import { endpointSpec, openEndpoint } from '../../../src/cli/endpointOptions';
import type { EndpointClient } from '../../../src/endpoint/client';
import { parseImage, parseResultFromMasks, parseSliceMasks } from '../../../src/pipeline/parse';
import { startPixelServer } from '../../support/pixelServer';

/** A CT-like slice: a bright disc (the "liver") on darker tissue. */
function ctSlice(): SourceImage {
  const width = 96;
  const height = 80;
  const pixels = new Float32Array(width * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++)
      pixels[y * width + x] = (x - 40) ** 2 + (y - 40) ** 2 < 400 ? 60 + ((x * 7 + y) % 30) : -80 + (x % 11);
  return {
    file: 'slice.dcm',
    format: 'dicom',
    width,
    height,
    channels: 1,
    pixels,
    range: { min: -80, max: 89 },
    burnedInAnnotation: false,
    modalityHint: 'CT',
  };
}

describe('pipeline: p-values of a grey model input', () => {
  it('are computed from its grey bytes, the same as from its RGB bytes', async () => {
    const image = ctSlice();
    const input = await prepareModelInput(image);
    assert.ok(input.grey, 'a grey model input keeps its grey bytes');
    // The masks: the disc's region in the model grid, and an empty one.
    const found = new Uint8Array(1024 * 1024);
    for (let v = 0; v < 1024; v++)
      for (let u = 0; u < 1024; u++)
        if ((u - 437) ** 2 + ((v - 512) * 1.2) ** 2 < 200 ** 2) found[v * 1024 + u] = 230;
    const masks = [
      { label: 'liver', data: found },
      { label: 'spleen', data: new Uint8Array(1024 * 1024) },
    ];
    const request = { prompts: ['liver', 'spleen'], endpointName: 'test', modalityKey: 'CT-Abdomen' };
    const rgbOnly: ModelInput = { png: input.png, geometry: input.geometry, rgb: input.rgb };
    const fromGrey = parseResultFromMasks(image, input, request, masks, 'endpoint');
    const fromRgb = parseResultFromMasks(image, rgbOnly, request, masks, 'endpoint');
    const verdicts = (r: typeof fromGrey) => r.targets.map((t) => [t.status, t.pValue]);
    assert.deepEqual(verdicts(fromGrey), verdicts(fromRgb));
    assert.equal(typeof fromGrey.targets[0].pValue, 'number');
    assert.equal(fromGrey.targets[1].status, 'not-found');
  });
});

describe('pipeline: a volume slice', () => {
  it("gets parseImage's masks and verdicts, without the per-image figures", async () => {
    // Through a real loopback endpoint whose masks follow the pixels it receives.
    const server = await startPixelServer();
    const io = { out: () => undefined, err: () => undefined };
    const endpoint = await openEndpoint(endpointSpec({ endpoint: server.url }), io);
    try {
      const request = { prompts: ['bright', 'medium'], endpointName: 'loopback', modalityKey: 'CT-Abdomen' };
      const image = ctSlice();
      const full = await parseImage(image, endpoint.client, request);
      const slice = await parseSliceMasks(image, endpoint.client, request, {
        modelInput: { resizeWorker: false },
      });
      assert.equal(slice.source, full.source);
      assert.deepEqual(
        slice.targets,
        full.targets.map((t) => ({ mask: t.mask, status: t.status, pValue: t.pValue })),
      );
      assert.ok(
        slice.targets.every((t) => t.mask.some((v) => v > 0)),
        'both masks hold something',
      );
    } finally {
      await endpoint.close();
      await server.close();
    }
  });

  it("gets parseImage's p-values for targets the modality knows", async () => {
    // The loopback server only knows its own prompts, which no modality lists: here an endpoint
    // that answers the liver's disc (and nothing for the spleen), so the p-values are numbers.
    const answer = await discMasks();
    const client = { parse: async () => [answer] } as unknown as EndpointClient;
    const request = { prompts: ['liver', 'spleen'], endpointName: 'stub', modalityKey: 'CT-Abdomen' };
    const full = await parseImage(ctSlice(), client, request);
    const slice = await parseSliceMasks(ctSlice(), client, request);
    assert.equal(typeof full.targets[0].pValue, 'number');
    assert.deepEqual(
      slice.targets,
      full.targets.map((t) => ({ mask: t.mask, status: t.status, pValue: t.pValue })),
    );
  });
});

/** The liver's disc in the model grid of ctSlice, and an empty spleen, as an endpoint answers them. */
async function discMasks(): Promise<{ masks: { label: string; data: Uint8Array }[]; source: 'endpoint' }> {
  const found = new Uint8Array(1024 * 1024);
  for (let v = 0; v < 1024; v++)
    for (let u = 0; u < 1024; u++)
      if ((u - 437) ** 2 + ((v - 512) * 1.2) ** 2 < 200 ** 2) found[v * 1024 + u] = 230;
  return {
    masks: [
      { label: 'liver', data: found },
      { label: 'spleen', data: new Uint8Array(1024 * 1024) },
    ],
    source: 'endpoint',
  };
}
