import { EndpointClient } from '../../../src/endpoint/client';
import { endpointConfig, type EndpointConfig, type RetryConfig } from '../../../src/endpoint/config';
import { EndpointError } from '../../../src/endpoint/errors';
import { Redactor } from '../../../src/endpoint/redactor';
import { CaptureLogger } from '../../support/captureLogger';

/** A key shaped like an Azure ML endpoint key; searched for in every log line and message. */
export const TEST_KEY = 'Zk3vQ9mW7xR2tY8uP4sL6nB1cD5fG0hJ';

/** Short timeouts and caps so that every fault test ends in well under a second. */
export const FAST_RETRY: RetryConfig = { maxRetries: 2, maxWaitMs: 300, maxTotalMs: 1500, baseDelayMs: 20 };

export interface Harness {
  client: EndpointClient;
  logger: CaptureLogger;
  redactor: Redactor;
  config: EndpointConfig;
}

export function makeClient(
  url: string,
  overrides: Partial<Omit<EndpointConfig, 'retry'>> & { retry?: Partial<RetryConfig> } = {},
  key: string | null = TEST_KEY,
): Harness {
  const logger = new CaptureLogger();
  const redactor = new Redactor();
  const config = endpointConfig({
    name: 'test-endpoint',
    url,
    timeoutMs: 300,
    ...overrides,
    retry: { ...FAST_RETRY, ...overrides.retry },
  });
  const client = new EndpointClient(config, {
    getAuthorization: async () => (key ? `Bearer ${key}` : undefined),
    logger,
    redactor,
  });
  return { client, logger, redactor, config };
}

/** Runs `fn`, expecting an EndpointError, and returns it with the time it took. */
export async function expectEndpointError(
  fn: () => Promise<unknown>,
): Promise<{ error: EndpointError; ms: number }> {
  const started = performance.now();
  try {
    await fn();
  } catch (error) {
    if (!(error instanceof EndpointError))
      throw new Error(`expected an EndpointError, got ${String(error)}`, { cause: error });
    return { error, ms: performance.now() - started };
  }
  throw new Error('expected an EndpointError, but the call succeeded');
}

/** A small valid-looking image payload: the fault server only counts its bytes. */
export const SMALL_PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
