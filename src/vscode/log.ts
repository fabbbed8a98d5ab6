import * as vscode from 'vscode';
import { redactingLogger, type Logger } from '../endpoint/logger';
import { Redactor } from '../endpoint/redactor';

/**
 * The extension's one log: a LogOutputChannel ("MedImageParse") behind the shared redactor, so a
 * key or token registered with `redactor` never reaches it, whoever logs.
 */
export class ExtensionLog implements vscode.Disposable {
  readonly channel: vscode.LogOutputChannel;
  readonly redactor = new Redactor();
  readonly logger: Logger;

  constructor() {
    // l10n-ignore: the product's name (the channel users are told to open)
    this.channel = vscode.window.createOutputChannel('MedImageParse', { log: true });
    const channel = this.channel;
    this.logger = redactingLogger(
      {
        trace: (m) => channel.trace(m),
        debug: (m) => channel.debug(m),
        info: (m) => channel.info(m),
        warn: (m) => channel.warn(m),
        error: (m) => channel.error(m),
      },
      this.redactor,
    );
  }

  dispose(): void {
    this.channel.dispose();
  }
}
