import assert from 'node:assert/strict';
import { EndpointError } from '../../../src/endpoint/errors';
import { Redactor } from '../../../src/endpoint/redactor';
import { RunBusyError, UserCancelledError } from '../../../src/vscode/userError';
import { runEndNotice } from '../../../src/vscode/runEndNotice';

describe("Run Again's notice when it ends without a result", () => {
  const redactor = new Redactor();
  redactor.addSecret('sk-very-secret-key');
  // What the client throws when the run's signal is aborted.
  const aborted = new EndpointError('cancelled', "Endpoint 'phantom-loopback': request cancelled.");

  it("the user's Cancel of a slice-by-slice volume is a note that the finished slices are kept, not an error", () => {
    assert.deepEqual(runEndNotice(aborted, { cancelled: true, slicesKept: true }, redactor), {
      severity: 'info',
      message: 'Cancelled: nothing more is sent. Finished slices are kept: run the volume again to continue.',
    });
  });

  it("the user's Cancel of a single image or a 3D volume is a plain note", () => {
    assert.deepEqual(runEndNotice(aborted, { cancelled: true, slicesKept: false }, redactor), {
      severity: 'info',
      message: 'Cancelled: nothing more is sent.',
    });
  });

  it('declining to send is a note with its own reason', () => {
    const declined = new UserCancelledError('Nothing was sent: the request was not confirmed.');
    assert.deepEqual(runEndNotice(declined, { cancelled: false, slicesKept: true }, redactor), {
      severity: 'info',
      message: 'Nothing was sent: the request was not confirmed.',
    });
  });

  it('a failure is an error, with any key redacted', () => {
    const failed = new EndpointError('auth', 'HTTP 401 for key sk-very-secret-key');
    const notice = runEndNotice(failed, { cancelled: false, slicesKept: true }, redactor);
    assert.equal(notice.severity, 'error');
    assert.equal(notice.message, 'HTTP 401 for key [REDACTED]');
  });
});

describe('the notice of a run refused or cancelled from the viewer', () => {
  const redactor = new Redactor();

  it('a second run asked for while the viewer runs one is refused with a note saying why', () => {
    const busy = new RunBusyError(
      'A run is already in progress in the viewer of phantom: wait for it to finish, or cancel it there.',
    );
    assert.ok(busy instanceof UserCancelledError, 'the viewer shows it as a note, without the error box');
    assert.deepEqual(runEndNotice(busy, { cancelled: false, slicesKept: true }, redactor), {
      severity: 'info',
      message:
        'A run is already in progress in the viewer of phantom: wait for it to finish, or cancel it there.',
    });
  });

  it("a Recognize All (or Run Again) cancelled with the viewer's Cancel is a note, not an error", () => {
    // The viewer rejects the run it was asked for with this when its Cancel stopped it.
    const cancelledInViewer = new UserCancelledError('Cancelled: nothing more is sent.');
    assert.deepEqual(runEndNotice(cancelledInViewer, { cancelled: false, slicesKept: false }, redactor), {
      severity: 'info',
      message: 'Cancelled: nothing more is sent.',
    });
  });
});
