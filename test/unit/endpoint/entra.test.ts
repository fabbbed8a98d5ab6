import assert from 'node:assert/strict';
import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig } from '../../../src/endpoint/config';
import {
  AZURE_ML_SCOPE,
  entraToken,
  type SessionRequest,
  type SessionSource,
} from '../../../src/endpoint/entra';
import { Redactor } from '../../../src/endpoint/redactor';
import { CaptureLogger } from '../../support/captureLogger';
import { startFaultServer, type FaultServer } from '../../support/faultServer';
import { expectEndpointError, SMALL_PNG } from './helpers';

/** Shaped like no known credential format, so only the redactor's knowledge of it can hide it. */
const TOKEN = 'entraAccessTok3nQ9mW7xR2tY8uP4sL6nB1cD5fG0hJ';

interface Call {
  providerId: string;
  scopes: string[];
  request: SessionRequest;
}

/** Stands in for vscode.authentication: records each call and answers as told. */
function sessions(answer: (call: Call) => Promise<{ accessToken: string } | undefined>): SessionSource & {
  calls: Call[];
} {
  const calls: Call[] = [];
  return {
    calls,
    getSession: (providerId, scopes, request) => {
      const call = { providerId, scopes: [...scopes], request };
      calls.push(call);
      return answer(call);
    },
  };
}

const signedIn = () => sessions(async () => ({ accessToken: TOKEN }));

/** What VS Code rejects with when the user closes the sign-in (vscode.CancellationError). */
class CancellationError extends Error {
  constructor() {
    super('Canceled');
    this.name = 'Canceled';
  }
}

describe('endpoint: Microsoft Entra ID sign-in', () => {
  it('asks the configured provider for the Azure ML scope alone when the endpoint names no tenant', async () => {
    const source = signedIn();
    const token = await entraToken(
      source,
      { endpointName: 'aml', providerId: 'microsoft', interactive: true },
      new Redactor(),
    );
    assert.equal(token, TOKEN);
    assert.deepEqual(source.calls, [
      { providerId: 'microsoft', scopes: ['https://ml.azure.com/.default'], request: { createIfNone: true } },
    ]);
    // A blank tenant is no tenant either.
    await entraToken(
      source,
      { endpointName: 'aml', tenant: '  ', providerId: 'microsoft', interactive: true },
      new Redactor(),
    );
    assert.deepEqual(source.calls[1].scopes, [AZURE_ML_SCOPE]);
  });

  it('adds VS Code’s tenant pseudo-scope when the endpoint names a tenant, and asks silently when told to', async () => {
    const source = signedIn();
    await entraToken(
      source,
      { endpointName: 'aml', tenant: 'contoso-tenant', providerId: 'test-provider', interactive: false },
      new Redactor(),
    );
    assert.deepEqual(source.calls, [
      {
        providerId: 'test-provider',
        scopes: ['https://ml.azure.com/.default', 'VSCODE_TENANT:contoso-tenant'],
        request: { silent: true },
      },
    ]);
  });

  it('"not signed in": no session gives an auth error that says how to sign in', async () => {
    const source = sessions(async () => undefined);
    const { error } = await expectEndpointError(() =>
      entraToken(
        source,
        { endpointName: 'aml', providerId: 'microsoft', interactive: false },
        new Redactor(),
      ),
    );
    assert.equal(error.kind, 'auth');
    assert.match(
      error.message,
      /^Endpoint 'aml': not signed in\. Run "MedImageParse: Sign In with Microsoft"/,
    );
  });

  it('a cancelled sign-in is a cancellation, not a failure, and nothing is sent', async () => {
    const source = sessions(async () => {
      throw new CancellationError();
    });
    const redactor = new Redactor();
    const { error } = await expectEndpointError(() =>
      entraToken(source, { endpointName: 'aml', providerId: 'microsoft', interactive: true }, redactor),
    );
    assert.equal(error.kind, 'cancelled');
    assert.equal(error.message, "Endpoint 'aml': sign-in with Microsoft was cancelled.");

    // Through the client: the parse ends as cancelled, with the same message, before any request.
    const server = await startFaultServer({ size: 16 });
    try {
      const client = new EndpointClient(endpointConfig({ name: 'aml', url: server.url }), {
        getAuthorization: async () =>
          `Bearer ${await entraToken(source, { endpointName: 'aml', providerId: 'microsoft', interactive: true }, redactor)}`,
        logger: new CaptureLogger(),
        redactor,
      });
      const parsed = await expectEndpointError(() => client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]));
      assert.equal(parsed.error.kind, 'cancelled');
      assert.equal(parsed.error.message, error.message);
      assert.equal(server.requests.length, 0);
    } finally {
      await server.close();
    }
  });

  it('a provider that fails (e.g. consent refused) gives an auth error with its reason, redacted', async () => {
    const source = sessions(async () => {
      throw new Error(`User did not consent to login. client_secret=${TOKEN}`);
    });
    const { error } = await expectEndpointError(() =>
      entraToken(source, { endpointName: 'aml', providerId: 'microsoft', interactive: true }, new Redactor()),
    );
    assert.equal(error.kind, 'auth');
    assert.match(error.message, /sign-in with Microsoft failed \(User did not consent to login\./);
    assert.ok(!error.message.includes(TOKEN), error.message);
  });

  describe('the token never reaches a log line', () => {
    let server: FaultServer;
    before(async () => {
      server = await startFaultServer({ size: 16 });
    });
    after(async () => {
      await server.close();
    });

    it('is registered with the redactor as soon as it is obtained', async () => {
      const redactor = new Redactor();
      await entraToken(
        signedIn(),
        { endpointName: 'aml', providerId: 'microsoft', interactive: true },
        redactor,
      );
      assert.equal(redactor.redact(`session ${TOKEN} ready`), 'session [REDACTED] ready');
    });

    it('is sent as the bearer token, and is in no log line or message when the endpoint echoes it', async () => {
      const logger = new CaptureLogger();
      const redactor = new Redactor();
      const source = signedIn();
      const client = new EndpointClient(endpointConfig({ name: 'aml', url: server.url }), {
        getAuthorization: async () =>
          `Bearer ${await entraToken(source, { endpointName: 'aml', providerId: 'microsoft', interactive: true }, redactor)}`,
        logger,
        redactor,
      });
      server.requests.length = 0;
      // A server error that quotes the request's credentials back (its message is shown).
      server.enqueue({
        type: 'status',
        status: 400,
        body: JSON.stringify({
          error: { message: `bad request from session ${TOKEN}` },
        }),
      });
      const { error } = await expectEndpointError(() =>
        client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]),
      );
      assert.equal(error.kind, 'bad-request');
      assert.match(error.message, /bad request from session \[REDACTED\]/);
      const result = await client.parse([{ png: SMALL_PNG, prompts: ['liver'] }]);
      assert.equal(result[0].masks.length, 1);
      assert.deepEqual(
        server.requests.map((r) => r.headers.authorization),
        [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`],
      );
      assert.ok(logger.lines.length > 3, 'the calls were logged');
      const leaks = [...logger.lines, error.message].filter((l) => l.includes(TOKEN.slice(0, 16)));
      assert.deepEqual(leaks, []);
    });
  });
});
