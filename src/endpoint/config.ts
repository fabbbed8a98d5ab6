import { isIP } from 'node:net';
import { EndpointError } from './errors';

export type EndpointProtocol = 'azureml' | 'mlflow';

export interface RetryConfig {
  /** Retries after the first attempt (0 = never retry). */
  maxRetries: number;
  /** Upper bound of any single wait, including one asked for by Retry-After. */
  maxWaitMs: number;
  /** Upper bound of the whole call: no retry is started that would end its wait past this. */
  maxTotalMs: number;
  /** First backoff step; doubled per retry, plus up to 20% jitter. */
  baseDelayMs: number;
}

export interface EndpointConfig {
  /** Shown in messages ("endpoint 'my-endpoint' …"). */
  name: string;
  /** Scoring URI. For MLflow, a bare server URL gets `/invocations` appended. */
  url: string;
  protocol: EndpointProtocol;
  /** Sent as `azureml-model-deployment` to pin one deployment. */
  deployment?: string;
  /** Per attempt, covering connect, upload, the model's compute and the download. */
  timeoutMs: number;
  /** No request body grows past this (images are grouped into requests up to it). */
  maxRequestBytes: number;
  /** No request holds more rows (images) than this. */
  maxRowsPerRequest: number;
  retry: RetryConfig;
}

export const DEFAULT_RETRY: RetryConfig = {
  maxRetries: 4,
  maxWaitMs: 30_000,
  maxTotalMs: 180_000,
  baseDelayMs: 500,
};

export const DEFAULT_ENDPOINT_CONFIG: Omit<EndpointConfig, 'name' | 'url'> = {
  protocol: 'azureml',
  timeoutMs: 90_000,
  // Azure ML managed online endpoints reject bodies over 100 MB; stay well under it.
  maxRequestBytes: 48 * 1024 * 1024,
  maxRowsPerRequest: 16,
  retry: DEFAULT_RETRY,
};

/** Fills defaults for what the caller left out. */
export function endpointConfig(
  partial: Partial<Omit<EndpointConfig, 'retry'>> &
    Pick<EndpointConfig, 'url'> & { retry?: Partial<RetryConfig> },
): EndpointConfig {
  // Settings layers pass `undefined` for what the user left unset: it must not erase a default.
  const given = Object.fromEntries(
    Object.entries(partial).filter(([, v]) => v !== undefined),
  ) as Partial<EndpointConfig>;
  const retry = Object.fromEntries(
    Object.entries(partial.retry ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<RetryConfig>;
  return {
    ...DEFAULT_ENDPOINT_CONFIG,
    ...given,
    name: partial.name || partial.url,
    url: partial.url,
    retry: { ...DEFAULT_RETRY, ...retry },
  };
}

/** True for 127.0.0.0/8, ::1 and localhost: the only hosts plain http is allowed to. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(host);
  return false;
}

/**
 * Checks the scoring URL and returns the one to post to. Plain http would send the key and the
 * images in the clear, so it is refused except to this machine (the demo, a local MLflow server).
 */
export function resolveScoringUrl(config: Pick<EndpointConfig, 'url' | 'protocol' | 'name'>): URL {
  let url: URL;
  try {
    url = new URL(config.url.trim());
  } catch {
    throw new EndpointError(
      'bad-request',
      `Endpoint '${config.name}': '${config.url}' is not a valid URL. Copy the REST/scoring URI from the endpoint's Consume tab (https://…/score).`,
    );
  }
  if (url.username || url.password) {
    throw new EndpointError(
      'bad-request',
      `Endpoint '${config.name}': the URL must not contain a user name or password; store the key as the endpoint key instead.`,
    );
  }
  if (url.protocol === 'http:') {
    if (!isLoopbackHost(url.hostname)) {
      throw new EndpointError(
        'insecure-url',
        `Endpoint '${config.name}': refusing plain http:// to ${url.hostname}: the key and the images would travel unencrypted. Use the https:// scoring URI (plain http is allowed only to localhost / 127.0.0.1 / ::1).`,
      );
    }
  } else if (url.protocol !== 'https:') {
    throw new EndpointError(
      'bad-request',
      `Endpoint '${config.name}': unsupported URL scheme '${url.protocol}'; use https:// (or http:// to localhost).`,
    );
  }
  if (config.protocol === 'mlflow' && (url.pathname === '/' || url.pathname === ''))
    url.pathname = '/invocations';
  return url;
}

/** The URL as it may appear in logs and messages: no query string (it can hold a key). */
export function displayUrl(url: URL): string {
  return `${url.origin}${url.pathname}${url.search ? '?…' : ''}`;
}
