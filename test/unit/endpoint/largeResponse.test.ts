import assert from 'node:assert/strict';
import { Redactor } from '../../../src/endpoint/redactor';
import { excerpt } from '../../../src/endpoint/response';
import { startFaultServer, type FaultServer } from '../../support/faultServer';
import { expectEndpointError, makeClient, SMALL_PNG, TEST_KEY } from './helpers';

/** 6 MB of base64, as a scoring script's echo of the image or a mask array. */
const BASE64 = Buffer.alloc(4.5 * 1024 ** 2, 0x5b).toString('base64');
const BASE64URL = Buffer.alloc(4.5 * 1024 ** 2, 0xfb).toString('base64url');

describe('endpoint: an error quoting a very large response shows its real cause', function () {
  this.timeout(60_000);

  it('excerpt of 6 MB of base64 collapses it instead of overflowing the stack', () => {
    const quoted = excerpt(`{"image_features": "${BASE64}", "status": "failed"}`, (t) => t);
    assert.equal(quoted, `"{"image_features": "<${BASE64.length} chars of base64>", "status": "failed"}"`);
  });

  it('excerpt of a huge HTML page, unclosed script included, is short', () => {
    const quoted = excerpt(
      `<html><style>${BASE64}</style><p>Bad gateway</p><script>${'x '.repeat(3e6)}`,
      (t) => t,
    );
    assert.equal(quoted, '"<html> <p>Bad gateway</p>"');
  });

  it('the redactor survives a 6 MB base64url run and still removes tokens after it', () => {
    const redactor = new Redactor();
    redactor.addSecret(TEST_KEY);
    const jwt = 'eyJhbGciOi.eyJzdWIiOiIx.c2lnbmF0dXJl';
    const out = redactor.redact(`eyJ${BASE64URL} then ${jwt} and ${TEST_KEY}`);
    assert.ok(out.endsWith('then [REDACTED-JWT] and [REDACTED]'), out.slice(-80));
  });

  describe('through the client', () => {
    let server: FaultServer;
    beforeEach(async () => {
      server = await startFaultServer({ size: 32 });
    });
    afterEach(() => server.close());
    const one = [{ png: SMALL_PNG, prompts: ['liver'] }];

    it('HTTP 400 whose body is 6 MB of base64: the status and the excerpt, not a stack overflow', async () => {
      server.enqueue({
        type: 'status',
        status: 400,
        body: `{"echo": "${BASE64}"}`,
        contentType: 'application/json',
      });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-request');
      assert.match(
        error.message,
        /rejected the request \(HTTP 400\)\. Received: "\{"echo": "<\d+ chars of base64>"\}"/,
      );
    });

    it('a 200 that is not JSON, 6 MB of base64: says it is not valid JSON', async () => {
      server.enqueue({ type: 'body', body: `${BASE64}]`, contentType: 'application/json' });
      const { error } = await expectEndpointError(() => makeClient(server.url).client.parse(one));
      assert.equal(error.kind, 'bad-response');
      assert.match(error.message, /not valid JSON.*<\d+ chars of base64>/);
    });
  });
});
