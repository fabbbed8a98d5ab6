import type { AxiosError } from 'axios';
import { loadAxios } from './http';
import type { EndpointConfig } from './config';
import { EndpointError, type EndpointErrorKind } from './errors';
import { formatBytes } from './request';
import type { Quote } from './response';

const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'EPROTO',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const NETWORK_HINTS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: nothing is listening there',
  ECONNRESET: 'the connection was reset',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection closed while sending',
};

/** What one failed attempt was, before deciding whether to retry it. */
export interface AttemptFailure {
  kind: EndpointErrorKind;
  status?: number;
  /** Network error code (ECONNRESET, CERT_HAS_EXPIRED …) when there was no response. */
  code?: string;
  /** Short text for logs and onRetry: "HTTP 503", "ECONNRESET". */
  reason: string;
}

export function isTlsCode(code: string | undefined): boolean {
  return !!code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS_') || code.startsWith('ERR_SSL_'));
}

/** Connection dropped after the headers (half a body): axios reports it without a socket code. */
export function isTruncatedBody(error: AxiosError): boolean {
  return error.code === 'ERR_BAD_RESPONSE' && /aborted|premature|socket hang up/i.test(error.message);
}

export function classifyAttempt(error: unknown, timedOut: boolean): AttemptFailure {
  if (timedOut) return { kind: 'timeout', reason: 'timeout' };
  if (loadAxios().isCancel(error)) return { kind: 'cancelled', reason: 'cancelled' };
  if (!loadAxios().isAxiosError(error))
    return { kind: 'network', reason: error instanceof Error ? error.message : String(error) };
  // Checked before the status: the headers (200) arrived, the body did not.
  if (isTruncatedBody(error))
    return { kind: 'network', code: 'ECONNRESET', reason: 'connection dropped mid-response' };
  const status = error.response?.status;
  if (status !== undefined && (status < 200 || status >= 300)) {
    const kind: EndpointErrorKind =
      status === 401 || status === 403
        ? 'auth'
        : status === 404
          ? 'not-found'
          : status === 408
            ? 'timeout'
            : status === 429
              ? 'rate-limited'
              : status === 424
                ? 'model-error'
                : status >= 500
                  ? 'server'
                  : status >= 300 && status < 400
                    ? 'bad-response'
                    : 'bad-request';
    return { kind, status, reason: `HTTP ${status}` };
  }
  const code = error.code ?? (error.cause as NodeJS.ErrnoException | undefined)?.code;
  if (isTlsCode(code)) return { kind: 'tls', code, reason: code ?? 'TLS' };
  if (code === 'ERR_BAD_RESPONSE') return { kind: 'bad-response', reason: error.message };
  return { kind: 'network', code, reason: code ?? error.message };
}

function headerText(headers: unknown, name: string): string | undefined {
  const value = (headers as Record<string, unknown> | undefined)?.[name];
  return value === undefined || value === null ? undefined : String(value);
}

/** The server's own explanation in an error body: `{"error":{"message"}}`, `{"message"}`, `{"detail"}`. */
function serverMessage(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown>;
    const error = parsed.error as Record<string, unknown> | string | undefined;
    const candidates = [
      typeof error === 'object' ? error?.message : error,
      parsed.message,
      parsed.detail,
      parsed.Message,
    ];
    const found = candidates.find((c) => typeof c === 'string' && c.trim());
    return found as string | undefined;
  } catch {
    return undefined;
  }
}

/**
 * The user-facing error for the last failed attempt: what went wrong and what to do about it.
 * `quote` redacts and shortens anything taken from the response.
 */
export function toEndpointError(
  failure: AttemptFailure,
  error: unknown,
  ctx: { config: EndpointConfig; where: string; attempts: number; sentAuth: boolean; requestBytes: number },
  quote: Quote,
  longQuote: Quote,
): EndpointError {
  const { config, where, attempts } = ctx;
  const name = `Endpoint '${config.name}'`;
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const response = loadAxios().isAxiosError(error) ? error.response : undefined;
  const body = typeof response?.data === 'string' ? response.data : '';
  const said = () => {
    if (!body.trim()) return '';
    const message = serverMessage(body);
    return message ? ` The endpoint said: ${longQuote(message)}` : ` Received: ${quote(body)}`;
  };
  const status = failure.status;
  let message: string;
  switch (failure.kind) {
    case 'auth':
      message =
        status === 403
          ? `${name} refused access (HTTP 403): the credentials are not allowed to use ${where}. Check the key / re-enter it, or, with Microsoft Entra ID, that your account has a role on the endpoint.`
          : ctx.sentAuth
            ? `${name} rejected the credentials (HTTP 401). Check the key / re-enter it (or sign in again if it uses Microsoft Entra ID).`
            : `${name} needs credentials (HTTP 401) and none were sent. Enter the endpoint key (or choose Microsoft Entra ID sign-in).`;
      break;
    case 'not-found':
      message = `${name}: nothing found at ${where} (HTTP 404). Check the scoring URL${config.deployment ? ' and the deployment name set for this endpoint (Edit Endpoint)' : ''}.${said()}`;
      break;
    case 'timeout':
      message =
        status === 408
          ? `${name}: the model ran past the deployment's request timeout (HTTP 408)${tries}. Send fewer prompts at once, or raise request_timeout_ms on the deployment.`
          : `${name}: no complete answer within ${Math.round(config.timeoutMs / 100) / 10} s${tries}. The endpoint may be starting up or overloaded: try again, or raise the timeout.`;
      break;
    case 'rate-limited':
      message = `${name} is busy or over its request quota (HTTP 429)${tries}. Wait a minute and try again, or send fewer requests at once.`;
      break;
    case 'model-error': {
      const code = headerText(response?.headers, 'ms-azureml-model-error-statuscode');
      const reason = headerText(response?.headers, 'ms-azureml-model-error-reason');
      const detail = [code && `model status ${code}`, reason && `reason ${quote(reason)}`]
        .filter(Boolean)
        .join(', ');
      message = `${name}: the model itself failed on this request (HTTP 424${detail ? `; ${detail}` : ''}). Check the deployment logs in Azure ML studio; the input may be one the scoring script cannot handle.${said()}`;
      break;
    }
    case 'server':
      message = `${name} had a server error (HTTP ${status})${tries}. Try again later; if it persists, check the deployment's health and logs.${said()}`;
      break;
    case 'bad-request':
      message =
        status === 413
          ? `${name} refused a ${formatBytes(ctx.requestBytes)} request as too large (HTTP 413). Lower the request size limit in the endpoint settings.`
          : `${name} rejected the request (HTTP ${status}).${said() || ' Check that the URL is a MedImageParse scoring URI.'}`;
      break;
    case 'bad-response':
      message =
        status !== undefined
          ? `${name} answered with a redirect (HTTP ${status}${headerText(response?.headers, 'location') ? ` to ${quote(headerText(response?.headers, 'location') ?? '')}` : ''}). Use the final scoring URL.`
          : `${name} sent a response that could not be read (${quote(failure.reason)}).`;
      break;
    case 'tls':
      message = `${name}: secure connection to ${where} failed (${failure.code}). Check that the URL is the endpoint's https address; behind a corporate proxy, trust its certificate (NODE_EXTRA_CA_CERTS).`;
      break;
    case 'cancelled':
      message = `${name}: request cancelled.`;
      break;
    case 'network': {
      const hint = failure.code ? (NETWORK_HINTS[failure.code] ?? failure.reason) : failure.reason;
      message = `${name}: could not get an answer from ${where} (${hint})${tries}. Check the URL, that the endpoint is running, and your network or proxy.`;
      break;
    }
    case 'insecure-url':
      message = `${name}: insecure URL.`;
      break;
  }
  return new EndpointError(failure.kind, message, status, attempts);
}
