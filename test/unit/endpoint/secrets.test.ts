import assert from 'node:assert/strict';
import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig } from '../../../src/endpoint/config';
import { EndpointError } from '../../../src/endpoint/errors';
import { Redactor } from '../../../src/endpoint/redactor';
import { CaptureLogger } from '../../support/captureLogger';
import { refusedUrl, startFaultServer, type Fault, type FaultServer } from '../../support/faultServer';
import { makeClient, SMALL_PNG, TEST_KEY } from './helpers';

/**
 * Every fault, with the server echoing the key back wherever it can (bodies, headers, HTML),
 * then a search for the key in every log line and every error message of the run.
 */
describe('the endpoint key never appears in logs or error messages', () => {
  let server: FaultServer;
  const logs: string[] = [];
  const messages: string[] = [];
  before(async () => {
    server = await startFaultServer({ size: 16 });
  });
  after(async () => {
    await server.close();
  });

  const echo = `Authorization: Bearer ${TEST_KEY}; key=${TEST_KEY}; raw ${TEST_KEY}`;
  const faults: [string, Fault[]][] = [
    [
      '401 echoing the key',
      [{ type: 'status', status: 401, body: JSON.stringify({ message: `invalid key ${TEST_KEY}` }) }],
    ],
    ['403', [{ type: 'status', status: 403, body: echo }]],
    [
      '404 HTML',
      [{ type: 'status', status: 404, body: `<html><body>${echo}</body></html>`, contentType: 'text/html' }],
    ],
    ['400 JSON error', [{ type: 'status', status: 400, body: JSON.stringify({ error: { message: echo } }) }]],
    [
      '424 with the key in the reason header',
      [
        {
          type: 'status',
          status: 424,
          headers: { 'ms-azureml-model-error-statuscode': '500', 'ms-azureml-model-error-reason': echo },
          body: echo,
        },
      ],
    ],
    [
      '429 x3',
      Array.from({ length: 3 }, (): Fault => ({
        type: 'status',
        status: 429,
        headers: { 'retry-after-ms': '5' },
        body: echo,
      })),
    ],
    [
      '503 HTML x3',
      Array.from({ length: 3 }, (): Fault => ({
        type: 'status',
        status: 503,
        body: `<html>${echo}</html>`,
        contentType: 'text/html',
      })),
    ],
    [
      '302 redirect carrying the key',
      [
        {
          type: 'status',
          status: 302,
          headers: { location: `https://elsewhere.example/score?key=${TEST_KEY}` },
        },
      ],
    ],
    ['malformed JSON echoing the key', [{ type: 'body', body: `[{"image_features": "${echo}` }]],
    ['HTML 200', [{ type: 'body', body: `<html>${echo}</html>`, contentType: 'text/html' }]],
    ['wrong shape', [{ type: 'mask', shape: [5, 16, 16] }]],
    ['wrong dtype', [{ type: 'mask', dtype: TEST_KEY }]],
    ['float on 0-255', [{ type: 'mask', dtype: 'float32', values: 'float255' }]],
    ['slow', [{ type: 'slow', delayMs: 2000 }]],
    ['trickle', [{ type: 'trickle', everyMs: 40 }]],
    ['half body x3', [{ type: 'half-body' }, { type: 'half-body' }, { type: 'half-body' }]],
    ['reset x3', [{ type: 'reset' }, { type: 'reset' }, { type: 'reset' }]],
    ['success', []],
  ];

  for (const [name, queued] of faults) {
    it(name, async () => {
      server.enqueue(...queued);
      const { client, logger } = makeClient(`${server.url}?code=${TEST_KEY}`);
      try {
        await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
      } catch (error) {
        assert.ok(error instanceof EndpointError, String(error));
        messages.push(error.message);
      }
      const test = await client.test();
      if (!test.ok) messages.push(test.error.message);
      logs.push(...logger.lines);
      // Drain anything left so that the next case starts clean.
      while (server.requests.length) server.requests.pop();
    });
  }

  it('connection refused', async () => {
    const { client, logger } = makeClient(await refusedUrl());
    const result = await client.test();
    assert.equal(result.ok, false);
    if (!result.ok) messages.push(result.error.message);
    logs.push(...logger.lines);
  });

  it('credential provider failing with the key in its message', async () => {
    const logger = new CaptureLogger();
    const client = new EndpointClient(endpointConfig({ name: 'x', url: server.url }), {
      getAuthorization: async () => {
        throw new Error(`token endpoint said: bad client secret=${TEST_KEY}`);
      },
      logger,
      redactor: new Redactor(),
    });
    const result = await client.test();
    assert.equal(!result.ok && result.error.kind, 'auth');
    if (!result.ok) messages.push(result.error.message);
    logs.push(...logger.lines);
  });

  it('zero hits of the key in all of the above', () => {
    assert.ok(logs.length > 50, `only ${logs.length} log lines captured`);
    assert.ok(messages.length >= 17, `only ${messages.length} error messages captured`);
    const hits = [...logs, ...messages].filter(
      (line) => line.includes(TEST_KEY) || line.includes(TEST_KEY.slice(0, 12)),
    );
    assert.deepEqual(hits, []);
    // The errors still say something useful.
    assert.ok(messages.some((m) => /Check the key \/ re-enter it/.test(m)));
  });
});
