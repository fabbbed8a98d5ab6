import assert from 'node:assert/strict';
import type { RetryInfo } from '../../../src/endpoint/client';
import { expectedMask, refusedUrl, startFaultServer, type FaultServer } from '../../support/faultServer';
import { expectEndpointError, makeClient, SMALL_PNG } from './helpers';

const SIZE = 32;
const TIMEOUT = 300;
// Bounds on elapsed time guard behaviour only (a wait was honoured, a timeout or an abort ended
// the call long before the slow answer or the long wait it replaced), never speed: they leave
// seconds of slack for loaded shared cores. Speed is measured in bench/.
const NO_HANG_MS = 10_000;
const one = [{ png: SMALL_PNG, prompts: ['liver', 'kidney'] }];

describe('EndpointClient faults: what the user sees', () => {
  let server: FaultServer;
  beforeEach(async () => {
    server = await startFaultServer({ size: SIZE });
  });
  afterEach(async () => {
    await server.close();
  });

  describe('retried with the wait the server asks for', () => {
    for (const [name, headers] of [
      ['retry-after-ms', { 'retry-after-ms': '150' }],
      ['x-ms-retry-after-ms', { 'x-ms-retry-after-ms': '150' }],
    ] as const) {
      it(`429 with ${name}: waits that long, then succeeds`, async () => {
        server.enqueue({ type: 'status', status: 429, headers });
        const retries: RetryInfo[] = [];
        const started = performance.now();
        const [result] = await makeClient(server.url).client.parse(one, { onRetry: (r) => retries.push(r) });
        const ms = performance.now() - started;
        assert.deepEqual(result.masks[0].data, expectedMask(0, SIZE, SIZE));
        assert.deepEqual(retries, [
          { attempt: 2, waitMs: 150, reason: 'HTTP 429', status: 429, fromServer: true },
        ]);
        assert.ok(ms >= 145 && ms < NO_HANG_MS, `took ${ms} ms`);
        assert.equal(server.requests.length, 2);
      });
    }

    it('503 with Retry-After in seconds: the wait is capped by maxWaitMs', async () => {
      server.enqueue({ type: 'status', status: 503, headers: { 'retry-after': '30' } });
      const retries: RetryInfo[] = [];
      const started = performance.now();
      await makeClient(server.url, { retry: { maxWaitMs: 200 } }).client.parse(one, {
        onRetry: (r) => retries.push(r),
      });
      assert.equal(retries[0].waitMs, 200);
      // Far less than the 30 s the server asked for.
      assert.ok(performance.now() - started < NO_HANG_MS);
    });

    it('429 with Retry-After as an HTTP date: waits until then', async () => {
      // HTTP dates have one-second resolution: a date 2 s ahead means a wait of 1–2 s, capped here.
      server.enqueue({
        type: 'status',
        status: 429,
        headers: { 'retry-after': new Date(Date.now() + 2000).toUTCString() },
      });
      const retries: RetryInfo[] = [];
      await makeClient(server.url, { retry: { maxWaitMs: 250 } }).client.parse(one, {
        onRetry: (r) => retries.push(r),
      });
      assert.equal(retries[0].waitMs, 250);
      assert.equal(retries[0].fromServer, true);
    });

    it('503 without wait headers: exponential backoff, then success', async () => {
      server.enqueue({ type: 'status', status: 503 }, { type: 'status', status: 503 });
      const retries: RetryInfo[] = [];
      await makeClient(server.url, { retry: { baseDelayMs: 40 } }).client.parse(one, {
        onRetry: (r) => retries.push(r),
      });
      assert.equal(retries.length, 2);
      assert.ok(retries[0].waitMs >= 32 && retries[0].waitMs <= 48, `first wait ${retries[0].waitMs}`);
      assert.ok(retries[1].waitMs >= 64 && retries[1].waitMs <= 96, `second wait ${retries[1].waitMs}`);
      assert.equal(retries[0].fromServer, false);
    });

    for (const status of [408, 500, 502, 504]) {
      it(`${status} is retried`, async () => {
        server.enqueue({ type: 'status', status });
        await makeClient(server.url).client.parse(one);
        assert.equal(server.requests.length, 2);
      });
    }
  });

  describe('gives up with a clear error', () => {
    it('429 every time: rate-limited after maxRetries + 1 attempts', async () => {
      server.enqueue(
        ...Array.from({ length: 5 }, () => ({
          type: 'status' as const,
          status: 429,
          headers: { 'retry-after-ms': '10' },
        })),
      );
      const { error, ms } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'rate-limited');
      assert.equal(error.status, 429);
      assert.equal(error.attempts, 3);
      assert.match(error.message, /busy or over its request quota \(HTTP 429\) after 3 attempts/);
      assert.equal(server.requests.length, 3);
      assert.ok(ms < NO_HANG_MS, `took ${ms} ms`);
    });

    it('does not start a wait that would pass the total cap', async () => {
      server.enqueue({ type: 'status', status: 429, headers: { 'retry-after-ms': '5000' } });
      const retries: RetryInfo[] = [];
      const { error, ms } = await expectEndpointError(() =>
        makeClient(server.url, { retry: { maxTotalMs: 200, maxWaitMs: 10_000 } }).client.parse(one, {
          onRetry: (r) => retries.push(r),
        }),
      );
      assert.equal(error.kind, 'rate-limited');
      assert.equal(server.requests.length, 1);
      assert.deepEqual(retries, []);
      // Gave up at once rather than sitting out the 5 s wait first.
      assert.ok(ms < 2500, `took ${ms} ms`);
    });

    it('503 with an HTML error page every time: server error quoting the page text, not its markup', async () => {
      const page =
        '<html><head><style>body{color:red}</style></head><body><h1>503 Service Unavailable</h1><p>upstream connect error</p></body></html>';
      server.enqueue(
        ...Array.from({ length: 3 }, () => ({
          type: 'status' as const,
          status: 503,
          body: page,
          contentType: 'text/html',
        })),
      );
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'server');
      assert.equal(error.status, 503);
      assert.match(error.message, /server error \(HTTP 503\) after 3 attempts/);
      assert.match(error.message, /503 Service Unavailable/);
      assert.doesNotMatch(error.message, /color:red/);
    });

    it('200 with an HTML page: bad-response naming HTML', async () => {
      server.enqueue({
        type: 'body',
        body: '<!DOCTYPE html><html><body>Sign in to your account</body></html>',
        contentType: 'text/html',
      });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-response');
      assert.match(error.message, /HTML page instead of JSON/);
      assert.match(error.message, /Sign in to your account/);
    });

    it('401: auth error telling to check / re-enter the key, not retried', async () => {
      server.enqueue({ type: 'status', status: 401, body: '{"message": "Invalid authentication"}' });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'auth');
      assert.equal(error.status, 401);
      assert.match(error.message, /Check the key \/ re-enter it/);
      assert.equal(server.requests.length, 1);
    });

    it('401 without any credential sent: says to enter a key', async () => {
      server.enqueue({ type: 'status', status: 401 });
      const { error } = await expectEndpointError(() => makeClient(server.url, {}, null).client.parse(one));
      assert.match(error.message, /none were sent/);
    });

    it('403: auth error', async () => {
      server.enqueue({ type: 'status', status: 403 });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'auth');
      assert.match(error.message, /HTTP 403/);
    });

    it('404: not-found telling to check the scoring URL and deployment name', async () => {
      server.enqueue({
        type: 'status',
        status: 404,
        body: '{"error": {"message": "No valid deployments to route to."}}',
      });
      const { error } = await expectEndpointError(() =>
        makeClient(server.url, { deployment: 'green' }).client.parse(one),
      );
      assert.equal(error.kind, 'not-found');
      assert.match(error.message, /Check the scoring URL and the deployment name set for this endpoint/);
      // Free text the user typed (it may be a key pasted into the wrong box) is not repeated.
      assert.doesNotMatch(error.message, /green/);
      assert.match(error.message, /No valid deployments to route to/);
      assert.equal(server.requests.length, 1);
    });

    it("424: model-error explaining the model's own status and reason", async () => {
      server.enqueue({
        type: 'status',
        status: 424,
        headers: {
          'ms-azureml-model-error-statuscode': '500',
          'ms-azureml-model-error-reason': 'model_error',
        },
        body: '{"message": "An unexpected error occurred in scoring script."}',
      });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'model-error');
      assert.equal(error.status, 424);
      assert.match(error.message, /the model itself failed/);
      assert.match(error.message, /model status 500, reason "model_error"/);
      assert.match(error.message, /unexpected error occurred in scoring script/);
      assert.equal(server.requests.length, 1);
    });

    it('400 with a JSON error: bad-request quoting the server, not retried', async () => {
      server.enqueue({
        type: 'status',
        status: 400,
        body: '{"error": {"code": "BadArgument", "message": "text column missing"}}',
      });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-request');
      assert.match(
        error.message,
        /rejected the request \(HTTP 400\)\. The endpoint said: "text column missing"/,
      );
      assert.equal(server.requests.length, 1);
    });

    it('413: says the request was too large', async () => {
      server.enqueue({ type: 'status', status: 413 });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.match(error.message, /too large \(HTTP 413\)/);
    });

    it('a slow answer past the per-attempt timeout: timeout error, no hang', async () => {
      server.enqueue({ type: 'slow', delayMs: 3000 });
      const { error, ms } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'timeout');
      assert.match(error.message, /no complete answer within 0\.3 s/);
      // Not before the deadline, and long before the answer (3 s) would have come.
      assert.ok(ms >= TIMEOUT - 10 && ms < 2500, `took ${ms} ms`);
    });

    it('a body that trickles forever (defeats idle timeouts): timeout at the deadline', async () => {
      server.enqueue({ type: 'trickle', everyMs: 50 });
      const { error, ms } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'timeout');
      assert.ok(ms >= TIMEOUT - 10 && ms < NO_HANG_MS, `took ${ms} ms`);
    });

    it('half a body, then the connection resets: retried, then succeeds', async () => {
      server.enqueue({ type: 'half-body' });
      const retries: RetryInfo[] = [];
      const [result] = await makeClient(server.url).client.parse(one, { onRetry: (r) => retries.push(r) });
      assert.equal(retries.length, 1);
      assert.deepEqual(result.masks[1].data, expectedMask(1, SIZE, SIZE));
    });

    it('half a body every time: network error', async () => {
      server.enqueue({ type: 'half-body' }, { type: 'half-body' }, { type: 'half-body' });
      const { error, ms } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'network');
      assert.match(error.message, /could not get an answer/);
      assert.ok(ms < NO_HANG_MS, `took ${ms} ms`);
    });

    it('connection reset without an answer: retried', async () => {
      server.enqueue({ type: 'reset' });
      await makeClient(server.url).client.parse(one);
      assert.equal(server.requests.length, 2);
    });

    it('connection refused: network error saying nothing listens, after retries', async () => {
      const retries: RetryInfo[] = [];
      const { error, ms } = await expectEndpointError(() =>
        makeClient(refusedUrl_).client.parse(one, { onRetry: (r) => retries.push(r) }),
      );
      assert.equal(error.kind, 'network');
      assert.match(error.message, /connection refused: nothing is listening there\) after 3 attempts/);
      assert.equal(retries.length, 2);
      assert.ok(ms < NO_HANG_MS, `took ${ms} ms`);
    });
    let refusedUrl_ = '';
    before(async () => {
      refusedUrl_ = await refusedUrl();
    });

    it('malformed JSON: bad-response quoting what arrived', async () => {
      server.enqueue({ type: 'malformed-json' });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-response');
      assert.match(error.message, /not valid JSON\. Received: "\[\{"image_features"/);
      assert.equal(server.requests.length, 1);
    });

    it('wrong shape (one mask for two prompts): bad-response naming the expected count', async () => {
      server.enqueue({ type: 'mask', shape: [1, SIZE, SIZE] });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-response');
      assert.match(error.message, /expected 2 mask\(s\), one per prompt, got shape \[1,32,32\]/);
      assert.match(error.message, /chars of base64/);
    });

    it('2-D shape: bad-response', async () => {
      server.enqueue({ type: 'mask', shape: [SIZE, SIZE] });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.match(error.message, /expected shape \[N, H, W\]/);
    });

    it('data shorter than the shape says: bad-response', async () => {
      server.enqueue({ type: 'mask', dataBytes: 100 });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.match(error.message, /needs 2048 bytes, the data holds 100/);
    });

    it('unsupported dtype: bad-response', async () => {
      server.enqueue({ type: 'mask', dtype: 'int16' });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-response');
      assert.match(error.message, /unsupported dtype "int16"/);
    });

    it('float32 on a 0–255 scale: bad-response rather than a silent misreading', async () => {
      server.enqueue({ type: 'mask', dtype: 'float32', values: 'float255' });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.match(error.message, /float32 masks must hold probabilities in \[0, 1\], found 255/);
    });
  });

  describe('accepts what real endpoints send', () => {
    it('float32 probabilities are normalised to the uint8 map', async () => {
      server.enqueue({ type: 'mask', dtype: 'float32', values: 'float01' });
      const [result] = await makeClient(server.url).client.parse(one);
      assert.deepEqual(result.masks[1].data, expectedMask(1, SIZE, SIZE));
    });
    it('bool masks become 0/255', async () => {
      server.enqueue({ type: 'mask', dtype: 'bool', values: 'bool' });
      const [result] = await makeClient(server.url).client.parse(one);
      assert.deepEqual(result.masks[0].data, expectedMask(0, SIZE, SIZE));
    });
    it('image_features with Python dict quoting', async () => {
      server.enqueue({ type: 'mask', pythonQuotes: true });
      const [result] = await makeClient(server.url).client.parse(one);
      assert.deepEqual(result.masks[1].data, expectedMask(1, SIZE, SIZE));
    });
  });

  describe('cancellation', () => {
    it('aborting during a slow request ends it at once as cancelled, without retry', async () => {
      server.enqueue({ type: 'slow', delayMs: 3000 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const { error, ms } = await expectEndpointError(() =>
        makeClient(server.url, { timeoutMs: 5000 }).client.parse(one, { signal: controller.signal }),
      );
      assert.equal(error.kind, 'cancelled');
      // Ended by the abort, long before the answer (3 s) or the timeout (5 s).
      assert.ok(ms < 2500, `took ${ms} ms`);
      assert.equal(server.requests.length, 1);
    });
    it('aborting during the wait between attempts ends it at once', async () => {
      server.enqueue({ type: 'status', status: 503, headers: { 'retry-after-ms': '5000' } });
      const controller = new AbortController();
      const client = makeClient(server.url, { retry: { maxWaitMs: 10_000, maxTotalMs: 20_000 } }).client;
      const { error, ms } = await expectEndpointError(() =>
        client.parse(one, {
          signal: controller.signal,
          onRetry: () => setTimeout(() => controller.abort(), 30),
        }),
      );
      assert.equal(error.kind, 'cancelled');
      // Ended by the abort, long before the 5 s wait was over.
      assert.ok(ms < 2500, `took ${ms} ms`);
      assert.equal(server.requests.length, 1);
    });
    it('an already aborted signal sends nothing', async () => {
      const { error } = await expectEndpointError(() =>
        makeClient(server.url).client.parse(one, { signal: AbortSignal.abort() }),
      );
      assert.equal(error.kind, 'cancelled');
      assert.equal(server.requests.length, 0);
    });
  });
});
