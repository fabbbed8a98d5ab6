/**
 * Run controls and run feedback: Run / Recognize all / Cancel, the endpoint's reason when
 * sending is not possible, progress, a polite live region for status, inline errors with an
 * action button, and the notices (research use, burned-in annotation).
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import type { EndpointSummary, UserError, WebviewCommand } from '../src/shared/protocol';
import { el, icon, replaceChildren, setText, show } from './dom';
import type { RunState } from './state';
import * as l10n from '@vscode/l10n';

export interface RunPanelCallbacks {
  run(): void;
  recognize(): void;
  cancel(): void;
  command(c: WebviewCommand): void;
}

type ButtonElement = HTMLElement & { disabled: boolean };

export class RunPanel {
  readonly notices: HTMLElement;
  readonly root: HTMLElement;
  readonly errorArea: HTMLElement;
  private readonly burnedIn: HTMLElement;
  private readonly runButton: ButtonElement;
  private readonly recognizeButton: ButtonElement;
  private readonly cancelButton: ButtonElement;
  private readonly reason: HTMLElement;
  private readonly progress: HTMLElement & { value: number; indeterminate: boolean };
  private readonly status: HTMLElement;
  private endpoint: EndpointSummary = {
    name: '',
    isDemo: false,
    canSend: false,
    reason: l10n.t('Waiting for the extension…'),
  };
  private hasPrompts = false;
  private recognizeKey?: string;
  private run: RunState = { phase: 'idle', message: '' };

  constructor(private readonly cb: RunPanelCallbacks) {
    this.burnedIn = el(
      'div',
      { class: 'notice warning', role: 'note', 'data-testid': 'burned-in-warning', hidden: true },
      icon('warning'),
      el(
        'span',
        {},
        l10n.t(
          'This image is marked as having burned-in annotation: text in the pixels may identify the patient. Remove it before sending the image to an endpoint.',
        ),
      ),
    );
    this.notices = el(
      'div',
      { class: 'notices' },
      el(
        'div',
        { class: 'notice', role: 'note', 'data-testid': 'research-notice' },
        icon('info'),
        el('span', {}, l10n.t('Research use only — not for clinical use.')),
      ),
      this.burnedIn,
    );
    this.runButton = el<ButtonElement>(
      'vscode-button',
      { 'data-testid': 'run-button', icon: 'play', 'aria-describedby': 'run-reason prompt-preview' },
      l10n.t('Run'),
    );
    this.runButton.addEventListener('click', () => !this.runButton.disabled && cb.run());
    this.recognizeButton = el<ButtonElement>(
      'vscode-button',
      { 'data-testid': 'recognize-button', icon: 'search', secondary: true },
      l10n.t('Recognize all'),
    );
    this.recognizeButton.addEventListener('click', () => !this.recognizeButton.disabled && cb.recognize());
    this.cancelButton = el<ButtonElement>(
      'vscode-button',
      { 'data-testid': 'cancel-button', icon: 'stop-circle', secondary: true, hidden: true },
      l10n.t('Cancel'),
    );
    this.cancelButton.addEventListener('click', () => cb.cancel());
    this.reason = el('p', { class: 'reason', id: 'run-reason', 'data-testid': 'run-disabled-reason' });
    this.progress = el('vscode-progress-bar', {
      'data-testid': 'run-progress',
      'aria-label': l10n.t('Run progress'),
      hidden: true,
    }) as HTMLElement & { value: number; indeterminate: boolean };
    this.status = el('p', {
      class: 'status',
      role: 'status',
      'aria-live': 'polite',
      'data-testid': 'run-status',
    });
    this.errorArea = el('div', {
      class: 'error-area',
      'data-testid': 'error-area',
      role: 'alert',
      hidden: true,
    });
    this.root = el(
      'section',
      { class: 'run', 'aria-label': l10n.t('Run') },
      el('div', { class: 'inline buttons' }, this.runButton, this.recognizeButton, this.cancelButton),
      this.reason,
      this.progress,
      this.status,
      this.errorArea,
    );
    this.refresh();
  }

  setBurnedIn(flag: boolean): void {
    show(this.burnedIn, flag);
  }

  setEndpoint(e: EndpointSummary): void {
    this.endpoint = e;
    this.refresh();
  }

  setHasPrompts(has: boolean): void {
    this.hasPrompts = has;
    this.refresh();
  }

  setRecognizeKey(key: string | undefined): void {
    this.recognizeKey = key;
    this.refresh();
  }

  setRun(run: RunState): void {
    this.run = run;
    this.refresh();
    setText(this.status, run.message);
    const busy = run.phase !== 'idle';
    show(this.progress, busy);
    if (busy) {
      const p = run.progress ?? 0;
      this.progress.indeterminate = p <= 0;
      if (p > 0) this.progress.value = p;
    }
  }

  /** An error with what to do next, and a button for it when the host named one. */
  showError(error: UserError | undefined, title = l10n.t('The run failed')): void {
    if (!error) {
      replaceChildren(this.errorArea);
      show(this.errorArea, false);
      return;
    }
    const children: HTMLElement[] = [
      el('div', { class: 'error-title' }, icon('error'), el('strong', {}, title)),
      el('p', { 'data-testid': 'error-message' }, error.message),
    ];
    if (error.action) {
      const { command, label } = error.action;
      const b = el('vscode-button', { 'data-testid': 'error-action', secondary: true }, label);
      b.addEventListener('click', () => this.cb.command(command));
      children.push(b);
    }
    const logs = el(
      'vscode-button',
      { 'data-testid': 'error-show-log', secondary: true },
      l10n.t('Show log'),
    );
    logs.addEventListener('click', () => this.cb.command('showLog'));
    if (error.action?.command !== 'showLog') children.push(logs);
    replaceChildren(this.errorArea, ...children);
    show(this.errorArea, true);
    this.errorArea.scrollIntoView({ block: 'nearest' });
  }

  private refresh(): void {
    const busy = this.run.phase !== 'idle';
    const canSend = this.endpoint.canSend;
    let why = '';
    if (!canSend) why = this.endpoint.reason || l10n.t('No endpoint can be used right now.');
    else if (!this.hasPrompts) why = l10n.t('Choose at least one target or type a prompt to run.');
    setText(this.reason, why);
    show(this.reason, why !== '');
    this.runButton.disabled = busy || !canSend || !this.hasPrompts;
    this.recognizeButton.disabled = busy || !canSend || !this.recognizeKey;
    const recLabel = this.recognizeKey
      ? l10n.t('Recognize all ({0})', this.recognizeKey)
      : l10n.t('Recognize all');
    setText(this.recognizeButton, recLabel);
    this.recognizeButton.title = this.recognizeKey
      ? l10n.t('Find and label every object the model knows for {0}', this.recognizeKey)
      : l10n.t('Recognition needs a modality and site with a reference target list');
    show(this.cancelButton, busy);
    this.cancelButton.disabled = this.run.phase === 'cancelling';
    if (this.endpoint.name) this.runButton.title = canSend ? l10n.t('Send to {0}', this.endpoint.name) : why;
  }
}
