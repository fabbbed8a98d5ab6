import { createHash } from 'node:crypto';
import assert from 'node:assert/strict';
import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig } from '../../../src/endpoint/config';
import { expectedMask, refusedUrl, startFaultServer, type FaultServer } from '../../support/faultServer';
import { expectEndpointError, makeClient, SMALL_PNG, TEST_KEY } from './helpers';

/** The image bytes the server received, by hash (see faultServer). */
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const SIZE = 64; // small masks keep these tests fast; the protocol is the same at 1024.

describe('EndpointClient against a loopback server', () => {
  let server: FaultServer;
  beforeEach(async () => {
    server = await startFaultServer({ size: SIZE });
  });
  afterEach(async () => {
    await server.close();
  });

  it('sends the Azure ML format with the bearer key and deployment header, and decodes one mask per prompt', async () => {
    const { client } = makeClient(server.url, { deployment: 'blue' });
    const [result] = await client.parse([{ png: SMALL_PNG, prompts: [' liver ', 'left kidney'] }]);
    const [req] = server.requests;
    assert.equal(req.headers.authorization, `Bearer ${TEST_KEY}`);
    assert.equal(req.headers['azureml-model-deployment'], 'blue');
    assert.equal(req.headers['content-type'], 'application/json');
    assert.equal(req.protocol, 'azureml');
    assert.deepEqual(req.rows, [
      {
        imageBytes: SMALL_PNG.length,
        imageSha256: sha256(SMALL_PNG),
        text: 'liver & left kidney',
        prompts: ['liver', 'left kidney'],
      },
    ]);
    assert.equal(result.source, 'endpoint');
    assert.deepEqual(
      result.masks.map((m) => [m.prompt, m.label, m.width, m.height]),
      [
        ['liver', 'liver', SIZE, SIZE],
        ['left kidney', 'left kidney', SIZE, SIZE],
      ],
    );
    assert.deepEqual(result.masks[1].data, expectedMask(1, SIZE, SIZE));
  });

  it('sends the request body as it was built, without parsing it again on each attempt', async () => {
    // axios parses a string body sent as JSON before sending it (once per attempt, half a
    // megabyte per model input); the body must reach the server byte for byte all the same.
    server.enqueue({ type: 'status', status: 503, headers: { 'retry-after': '0' } });
    const { client } = makeClient(server.url, { retry: { maxRetries: 1 } });
    const parse = JSON.parse;
    let bodyParsedByClient = 0;
    JSON.parse = function (text: string, reviver?: (key: string, value: unknown) => unknown) {
      if (typeof text === 'string' && text.includes('input_data') && /axios/.test(new Error().stack ?? ''))
        bodyParsedByClient++;
      return parse(text, reviver);
    } as typeof JSON.parse;
    try {
      await client.parse([{ png: SMALL_PNG, prompts: ['foie', 'rein gauche é'] }]);
    } finally {
      JSON.parse = parse;
    }
    assert.equal(bodyParsedByClient, 0);
    assert.equal(server.requests.length, 2, 'one retry');
    for (const req of server.requests)
      assert.deepEqual(req.rows, [
        {
          imageBytes: SMALL_PNG.length,
          imageSha256: sha256(SMALL_PNG),
          text: 'foie & rein gauche é',
          prompts: ['foie', 'rein gauche é'],
        },
      ]);
  });

  it('joins prompts with " & " in one row per image', async () => {
    const { client } = makeClient(server.url);
    await client.parse([{ png: SMALL_PNG, prompts: ['a', 'b', 'c'] }]);
    assert.equal(server.requests[0].rows[0].text, 'a & b & c');
  });

  it('sends no Authorization header when there is no credential, and no deployment header unless set', async () => {
    const { client } = makeClient(server.url, {}, null);
    await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
    assert.equal(server.requests[0].headers.authorization, undefined);
    assert.equal(server.requests[0].headers['azureml-model-deployment'], undefined);
  });

  it('speaks MLflow: posts dataframe_split to /invocations and reads predictions', async () => {
    const base = server.url.replace('/score', '');
    const { client } = makeClient(base, { protocol: 'mlflow' });
    const [result] = await client.parse([{ png: SMALL_PNG, prompts: ['tumor'] }]);
    assert.equal(server.requests[0].path, '/invocations');
    assert.equal(server.requests[0].protocol, 'mlflow');
    assert.deepEqual(result.masks[0].data, expectedMask(0, SIZE, SIZE));
  });

  it('groups images into requests of at most maxRowsPerRequest rows and keeps results in input order', async () => {
    const { client } = makeClient(server.url, { maxRowsPerRequest: 2 });
    const inputs = [1, 2, 3, 4, 5].map((n) => ({
      png: SMALL_PNG,
      prompts: Array.from({ length: n }, (_, i) => `t${i}`),
    }));
    const results = await client.parse(inputs);
    assert.deepEqual(
      server.requests.map((r) => r.rows.length),
      [2, 2, 1],
    );
    assert.deepEqual(
      results.map((r) => r.masks.length),
      [1, 2, 3, 4, 5],
    );
  });

  it('splits requests so that no body grows past maxRequestBytes', async () => {
    const png = Buffer.alloc(30_000, 7);
    const { client } = makeClient(server.url, { maxRequestBytes: 100_000, maxRowsPerRequest: 50 });
    await client.parse(Array.from({ length: 5 }, () => ({ png, prompts: ['liver'] })));
    assert.deepEqual(
      server.requests.map((r) => r.rows.length),
      [2, 2, 1],
    );
    for (const r of server.requests) assert.ok(r.bodyBytes <= 100_000, `request of ${r.bodyBytes} bytes`);
  });

  it('refuses an image whose request alone exceeds the size limit, before sending anything', async () => {
    const { client } = makeClient(server.url, { maxRequestBytes: 10_000 });
    const { error } = await expectEndpointError(() =>
      client.parse([{ png: Buffer.alloc(20_000), prompts: ['liver'] }]),
    );
    assert.equal(error.kind, 'bad-request');
    assert.match(error.message, /over the endpoint's request size limit/);
    assert.equal(server.requests.length, 0);
  });

  it("refuses a prompt containing '&' and empty prompt lists", async () => {
    const { client } = makeClient(server.url);
    assert.equal(
      (await expectEndpointError(() => client.parse([{ png: SMALL_PNG, prompts: ['liver & kidney'] }]))).error
        .kind,
      'bad-request',
    );
    assert.equal(
      (await expectEndpointError(() => client.parse([{ png: SMALL_PNG, prompts: [] }]))).error.kind,
      'bad-request',
    );
    assert.equal(server.requests.length, 0);
  });

  it("labels answers carrying the demo header as 'demo-reference'", async () => {
    const demo = await startFaultServer({
      size: SIZE,
      headers: { 'x-medimageparse-demo': 'reference-annotations' },
    });
    try {
      const [result] = await makeClient(demo.url).client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
      assert.equal(result.source, 'demo-reference');
    } finally {
      await demo.close();
    }
  });

  describe('URL safety', () => {
    const make = (url: string) => () =>
      new EndpointClient(endpointConfig({ url }), { getAuthorization: async () => undefined });
    it('refuses plain http to a non-loopback host with a clear insecure-url error', () => {
      assert.throws(
        make('http://myendpoint.westeurope.inference.ml.azure.com/score'),
        (e: Error & { kind?: string }) => {
          assert.equal(e.kind, 'insecure-url');
          assert.match(e.message, /refusing plain http:\/\/ to myendpoint/);
          assert.match(e.message, /https:\/\//);
          return true;
        },
      );
      assert.throws(make('http://10.0.0.5:5000/score'), /refusing plain http/);
      assert.throws(make('http://127.0.0.1.evil.example/score'), /refusing plain http/);
    });
    it('allows http to 127.0.0.0/8, ::1 and localhost, and any https', () => {
      for (const url of [
        'http://127.0.0.1:5000/score',
        'http://127.8.9.10/score',
        'http://[::1]:8080/score',
        'http://localhost:5000/invocations',
        'https://x.inference.ml.azure.com/score',
      ]) {
        assert.doesNotThrow(make(url), url);
      }
    });
    it('rejects garbage and other schemes as bad-request', () => {
      assert.throws(make('not a url'), /not a valid URL/);
      assert.throws(make('ftp://127.0.0.1/score'), /unsupported URL scheme/);
    });
  });

  describe('test()', () => {
    it('sends a small black 1024² PNG with one prompt and reports latency', async () => {
      // Masks at the size of the image sent, as MedImageParse answers.
      const real = await startFaultServer({ size: 1024 });
      try {
        const { client } = makeClient(real.url);
        const result = await client.test();
        assert.ok(result.ok, !result.ok ? result.error.message : '');
        assert.ok(result.latencyMs > 0);
        assert.equal(real.requests.length, 1);
        assert.equal(real.requests[0].rows[0].prompts.length, 1);
        assert.ok(
          real.requests[0].rows[0].imageBytes < 20_000,
          `test image of ${real.requests[0].rows[0].imageBytes} bytes`,
        );
      } finally {
        await real.close();
      }
    });
    it('reports masks of another size than the image sent in pixels', async () => {
      const result = await makeClient(server.url).client.test();
      assert.equal(result.ok, false);
      assert.match(
        !result.ok ? result.error.message : '',
        new RegExp(`returned masks of ${SIZE}×${SIZE} where 1024×1024 was expected`),
      );
    });
    it('returns the EndpointError instead of throwing', async () => {
      server.enqueue({ type: 'status', status: 401 });
      const result = await makeClient(server.url).client.test();
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.error.kind, 'auth');
    });
    it('fails with a network error for a port where nothing listens', async () => {
      const result = await makeClient(await refusedUrl(), { retry: { maxRetries: 0 } }).client.test();
      assert.equal(!result.ok && result.error.kind, 'network');
    });
  });
});
