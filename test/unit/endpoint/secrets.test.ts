import assert from 'node:assert/strict';
import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig } from '../../../src/endpoint/config';
import { EndpointError, type EndpointErrorKind } from '../../../src/endpoint/errors';
import { Redactor } from '../../../src/endpoint/redactor';
import { CaptureLogger } from '../../support/captureLogger';
import { refusedUrl, startFaultServer, type Fault, type FaultServer } from '../../support/faultServer';
import { expectEndpointError, makeClient, SMALL_PNG, TEST_KEY } from './helpers';

/** Lines that hold the key, whole or its first 12 characters. */
function leaks(lines: readonly string[]): string[] {
  return lines.filter((line) => line.includes(TEST_KEY) || line.includes(TEST_KEY.slice(0, 12)));
}

/**
 * Every fault, with the server echoing the key back wherever it can (bodies, headers, HTML) and
 * the key also in the scoring URL's query; each case checks its own outcome, its own log lines
 * and its own error messages.
 */
describe('the endpoint key never appears in logs or error messages', () => {
  let server: FaultServer;
  before(async () => {
    server = await startFaultServer({ size: 16 });
  });
  after(async () => {
    await server.close();
  });

  const echo = `Authorization: Bearer ${TEST_KEY}; key=${TEST_KEY}; raw ${TEST_KEY}`;
  // Each fault, and what a parse against it ends in: an error of that kind, or 'ok'.
  const faults: [string, Fault[], EndpointErrorKind | 'ok'][] = [
    [
      '401 echoing the key',
      [{ type: 'status', status: 401, body: JSON.stringify({ message: `invalid key ${TEST_KEY}` }) }],
      'auth',
    ],
    ['403', [{ type: 'status', status: 403, body: echo }], 'auth'],
    [
      '404 HTML',
      [{ type: 'status', status: 404, body: `<html><body>${echo}</body></html>`, contentType: 'text/html' }],
      'not-found',
    ],
    [
      '400 JSON error',
      [{ type: 'status', status: 400, body: JSON.stringify({ error: { message: echo } }) }],
      'bad-request',
    ],
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
      'model-error',
    ],
    [
      '429 x3',
      Array.from({ length: 3 }, (): Fault => ({
        type: 'status',
        status: 429,
        headers: { 'retry-after-ms': '5' },
        body: echo,
      })),
      'rate-limited',
    ],
    [
      '503 HTML x3',
      Array.from({ length: 3 }, (): Fault => ({
        type: 'status',
        status: 503,
        body: `<html>${echo}</html>`,
        contentType: 'text/html',
      })),
      'server',
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
      'bad-response',
    ],
    [
      'malformed JSON echoing the key',
      [{ type: 'body', body: `[{"image_features": "${echo}` }],
      'bad-response',
    ],
    ['HTML 200', [{ type: 'body', body: `<html>${echo}</html>`, contentType: 'text/html' }], 'bad-response'],
    ['wrong shape', [{ type: 'mask', shape: [5, 16, 16] }], 'bad-response'],
    ['wrong dtype', [{ type: 'mask', dtype: TEST_KEY }], 'bad-response'],
    ['float on 0-255', [{ type: 'mask', dtype: 'float32', values: 'float255' }], 'bad-response'],
    ['slow', [{ type: 'slow', delayMs: 2000 }], 'timeout'],
    ['trickle', [{ type: 'trickle', everyMs: 40 }], 'timeout'],
    ['half body x3', [{ type: 'half-body' }, { type: 'half-body' }, { type: 'half-body' }], 'network'],
    ['reset x3', [{ type: 'reset' }, { type: 'reset' }, { type: 'reset' }], 'network'],
    ['success', [], 'ok'],
  ];

  for (const [name, queued, expected] of faults) {
    it(`${name}: ${expected === 'ok' ? 'parses' : `fails as ${expected}`}, and neither its log nor its messages hold the key`, async () => {
      server.enqueue(...queued);
      const { client, logger } = makeClient(`${server.url}?code=${TEST_KEY}`);
      const messages: string[] = [];
      let outcome: EndpointErrorKind | 'ok' = 'ok';
      try {
        await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
      } catch (error) {
        assert.ok(error instanceof EndpointError, String(error));
        outcome = error.kind;
        messages.push(error.message);
      }
      assert.equal(outcome, expected);
      // The fault was used up by that parse: the next request (same image size as the server's masks) succeeds.
      const [next] = await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
      assert.equal(next.masks.length, 1);
      // The request was logged (the URL's query, which holds the key, elided), so the search
      // below looks at real lines.
      assert.ok(
        logger.lines.some((l) => /POST \S+\?…/.test(l)),
        `no request line in:\n${logger.lines.join('\n')}`,
      );
      assert.deepEqual(leaks([...logger.lines, ...messages]), []);
      for (const m of messages) assert.ok(m.length > 10, `an error that says nothing: '${m}'`);
      // Drain anything left so that the next case starts clean.
      while (server.requests.length) server.requests.pop();
    });
  }

  it('an auth failure still tells the user what to do, without the key', async () => {
    server.enqueue({ type: 'status', status: 401, body: `{"message": "bad key ${TEST_KEY}"}` });
    const { client, logger } = makeClient(server.url);
    const { error } = await expectEndpointError(() => client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]));
    assert.match(error.message, /Check the key \/ re-enter it/);
    assert.deepEqual(leaks([error.message, ...logger.lines]), []);
  });

  it('connection refused', async () => {
    const { client, logger } = makeClient(await refusedUrl());
    const result = await client.test();
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.error.kind, 'network');
    assert.ok(logger.lines.length > 0);
    assert.deepEqual(leaks([...logger.lines, ...(result.ok ? [] : [result.error.message])]), []);
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
    assert.ok(!result.ok && /token endpoint said/.test(result.error.message), 'the cause is kept');
    assert.deepEqual(leaks([...logger.lines, ...(result.ok ? [] : [result.error.message])]), []);
  });
});
