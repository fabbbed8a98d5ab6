import { EndpointError } from '../endpoint/errors';
import type { Redactor } from '../endpoint/redactor';
import type { UserError } from '../shared/protocol';

/** Thrown when the user declines a confirmation; shown as a plain note, not a failure. */
export class UserCancelledError extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
  }
}

/** Turns any error into the message and next step the user sees; always redacted. */
export function toUserError(error: unknown, redactor: Redactor): UserError {
  const message = redactor.redact(error instanceof Error ? error.message : String(error));
  if (error instanceof EndpointError) {
    switch (error.kind) {
      case 'auth':
        return { message, action: { label: 'Select or fix endpoint', command: 'selectEndpoint' } };
      case 'not-found':
      case 'insecure-url':
      case 'bad-request':
        return { message, action: { label: 'Add or select an endpoint', command: 'addEndpoint' } };
      case 'cancelled':
        return { message };
      default:
        return { message, action: { label: 'Show log', command: 'showLog' } };
    }
  }
  return { message };
}
