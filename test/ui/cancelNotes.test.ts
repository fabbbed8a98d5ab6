import { closeAfterEach, noteShown, waitText, Workbench } from './workbench';

/** Declining to send is the user's choice, not a failure: a note, never an error notification. */
describe('Declining to send is a note', () => {
  let wb: Workbench;
  closeAfterEach(() => wb);

  it('Parse Folder on an endpoint that asks first: Cancel in the confirmation is a note that nothing was sent', async () => {
    wb = await Workbench.launch('cancel-notes-folder', {
      settings: {
        // Nothing listens there: nothing may be sent anyway.
        'medimageparse.endpoints': [
          {
            name: 'unconfirmed-loopback',
            url: 'http://127.0.0.1:9/score',
            protocol: 'azureml',
            auth: 'none',
          },
        ],
        'medimageparse.activeEndpoint': 'unconfirmed-loopback',
      },
    });
    const page = wb.page;
    await wb.explorerRow('demo').click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: 'Parse Folder with MedImageParse' }).hover();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget input.input').waitFor();
    await wb.pickInQuickPick('liver');
    const dialog = page.locator('.monaco-dialog-box');
    await waitText(dialog, /Send images to endpoint 'unconfirmed-loopback'\?/);
    await dialog.locator('.monaco-button', { hasText: 'Cancel' }).click();
    await noteShown(wb, /Nothing was sent: the request was not confirmed\./);
    await wb.screenshot('cancel-notes-folder-declined');
  });
});
