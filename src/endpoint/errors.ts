/** What went wrong, coarse enough for the UI to pick an action (re-enter key, edit URL, retry). */
export type EndpointErrorKind =
  | 'auth'
  | 'not-found'
  | 'timeout'
  | 'rate-limited'
  | 'server'
  | 'model-error'
  | 'network'
  | 'tls'
  | 'bad-response'
  | 'cancelled'
  | 'insecure-url'
  | 'bad-request';

/**
 * The one error type the endpoint client throws. The message says what is wrong and what to do;
 * it has already been through the redactor, so it can be shown and logged as it is.
 */
export class EndpointError extends Error {
  override readonly name = 'EndpointError';
  constructor(
    readonly kind: EndpointErrorKind,
    message: string,
    /** The HTTP status of the last attempt, when there was a response. */
    readonly status?: number,
    /** Attempts made (1 = no retry), when the error comes from a request. */
    readonly attempts?: number,
  ) {
    super(message);
  }
}

export function isEndpointError(value: unknown): value is EndpointError {
  return value instanceof EndpointError;
}
