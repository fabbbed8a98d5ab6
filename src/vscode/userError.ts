import { EndpointError } from '../endpoint/errors';
import type { Redactor } from '../endpoint/redactor';
import type { UserError } from '../shared/protocol';
import * as l10n from '@vscode/l10n';

/** Thrown when the user declines a confirmation; shown as a plain note, not a failure. */
export class UserCancelledError extends Error {
  constructor(message = l10n.t('Cancelled.')) {
    super(message);
  }
}

/**
 * Thrown when a run is asked for while another one runs in the same viewer (or on the same
 * volume): the second one is not started. Not a failure, so it is shown as a note, like a Cancel.
 */
export class RunBusyError extends UserCancelledError {}

/** Turns any error into the message and next step the user sees; always redacted. */
export function toUserError(error: unknown, redactor: Redactor): UserError {
  const message = redactor.redact(error instanceof Error ? error.message : String(error));
  if (error instanceof EndpointError) {
    switch (error.kind) {
      case 'auth':
        return { message, action: { label: l10n.t('Select or fix endpoint'), command: 'selectEndpoint' } };
      case 'not-found':
      case 'insecure-url':
      case 'bad-request':
        return { message, action: { label: l10n.t('Add or select an endpoint'), command: 'addEndpoint' } };
      case 'cancelled':
        return { message };
      default:
        return { message, action: { label: l10n.t('Show log'), command: 'showLog' } };
    }
  }
  return { message };
}

/** Longest message shown in a toast or the viewer's error box; the rest goes to the log. */
export const BRIEF_MESSAGE_LENGTH = 280;

/**
 * A message cut to whole sentences within `max` characters (at least the first sentence, cut at
 * a word if that alone is too long), with a pointer to the log for the rest. Short messages are
 * returned as they are. A quotation left open by the cut is closed.
 */
export function briefMessage(text: string, max = BRIEF_MESSAGE_LENGTH): string {
  if (text.length <= max) return text;
  let cut = -1;
  const ends = /[.!?]["”')]*(?=\s)/g;
  for (let m = ends.exec(text); m && m.index + m[0].length <= max; m = ends.exec(text))
    cut = m.index + m[0].length;
  let brief: string;
  if (cut > 0) brief = text.slice(0, cut);
  else {
    const space = text.lastIndexOf(' ', max - 1);
    brief = `${text.slice(0, space > max / 2 ? space : max - 1)}…`;
  }
  const open = (brief.match(/“/g) ?? []).length - (brief.match(/”/g) ?? []).length;
  if (open > 0) brief += '”';
  return l10n.t('{0} (Details in the MedImageParse output log.)', brief);
}

/**
 * toUserError, brief enough for a toast or the viewer's error box: a long message (the demo
 * endpoint lists every sample and target it knows) is cut to its first sentences, and the whole
 * message is written to the log, where "Show log" leads.
 */
export function briefUserError(
  error: unknown,
  log: { redactor: Redactor; logger: { error(message: string): void } },
): UserError {
  const full = toUserError(error, log.redactor);
  const message = briefMessage(full.message);
  if (message !== full.message) log.logger.error(full.message);
  return { ...full, message };
}
