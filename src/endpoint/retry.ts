import type { RetryConfig } from './config';

/** Statuses worth another attempt: the service says "later", not "never". */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504]);

/** Socket-level failures that a second attempt can plausibly get past. */
export const RETRYABLE_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ESOCKETTIMEDOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET',
]);

type HeaderBag = Record<string, unknown> | undefined;

function header(headers: HeaderBag, name: string): string | undefined {
  const value = headers?.[name];
  if (Array.isArray(value)) return value.length ? String(value[0]) : undefined;
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * The wait the server asked for, in ms: Azure's `retry-after-ms` / `x-ms-retry-after-ms` first
 * (finer grained), then the standard `Retry-After` as seconds or an HTTP date.
 */
export function serverRequestedWaitMs(headers: HeaderBag, now = Date.now()): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const value = header(headers, name)?.trim();
    if (value && /^\d+(\.\d+)?$/.test(value)) return Number(value);
  }
  const retryAfter = header(headers, 'retry-after')?.trim();
  if (!retryAfter) return undefined;
  if (/^\d+(\.\d+)?$/.test(retryAfter)) return Number(retryAfter) * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with ±20% jitter so that many clients do not retry in lockstep. */
export function backoffMs(
  retryNumber: number,
  retry: Pick<RetryConfig, 'baseDelayMs'>,
  random = Math.random,
): number {
  const base = retry.baseDelayMs * 2 ** Math.max(0, retryNumber - 1);
  return base * (0.8 + 0.4 * random());
}

/** The wait before retry number `retryNumber` (1-based), capped by `maxWaitMs`. */
export function retryWaitMs(
  retryNumber: number,
  retry: RetryConfig,
  headers: HeaderBag,
  random = Math.random,
): { waitMs: number; fromServer: boolean } {
  const asked = serverRequestedWaitMs(headers);
  const wait = asked ?? backoffMs(retryNumber, retry, random);
  return {
    waitMs: Math.round(Math.min(retry.maxWaitMs, Math.max(0, wait))),
    fromServer: asked !== undefined,
  };
}
