import { strict as assert } from 'node:assert';
import { prepareModelInput, type ModelInput, type SourceImage } from '../../../src/imaging';
import { parseResultFromMasks } from '../../../src/pipeline/parse';

describe('pipeline: p-values of a grey model input', () => {
  it('are computed from its grey bytes, the same as from its RGB bytes', async () => {
    // A CT-like slice: a bright disc (the "liver") on darker tissue.
    const width = 96;
    const height = 80;
    const pixels = new Float32Array(width * height);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        pixels[y * width + x] =
          (x - 40) ** 2 + (y - 40) ** 2 < 400 ? 60 + ((x * 7 + y) % 30) : -80 + (x % 11);
    const image: SourceImage = {
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
