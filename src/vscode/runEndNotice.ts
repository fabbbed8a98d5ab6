import type { Redactor } from '../endpoint/redactor';
import { toUserError, UserCancelledError } from './userError';
import * as l10n from '@vscode/l10n';

/**
 * What a run started outside the viewer (History's Run Again, the Targets view's Recognize All,
 * an endpoint's Test, in a progress notification) says when it ends without a result. The user's own Cancel, or declining to send, is not a failure:
 * it is a plain note, as the viewer's run panel says it, and for a slice-by-slice volume it says
 * that the finished slices are kept, so that the next Run Again continues where this one stopped.
 * Anything else is an error, redacted like every message shown.
 */
export function runEndNotice(
  error: unknown,
  how: { cancelled: boolean; slicesKept: boolean },
  redactor: Redactor,
): { severity: 'info' | 'error'; message: string } {
  if (how.cancelled)
    return {
      severity: 'info',
      message: how.slicesKept
        ? l10n.t(
            'Cancelled: nothing more is sent. Finished slices are kept: run the volume again to continue.',
          )
        : l10n.t('Cancelled: nothing more is sent.'),
    };
  // Also a run refused because another one runs in the viewer (RunBusyError): nothing was sent.
  if (error instanceof UserCancelledError) return { severity: 'info', message: error.message };
  return { severity: 'error', message: toUserError(error, redactor).message };
}
