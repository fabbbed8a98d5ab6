/**
 * The whole-volume section of the panel (volumes only): how to parse (slice by slice with the 2D
 * model, or the 3D model when the endpoint serves it), which slices (all, a range, the current
 * slice ± n), a Run button, and after a run the per-target volume figures with the slices where a
 * target is likely absent, which can be left out. Progress and Cancel are the run panel's.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VolumeMode, VolumeSummary } from '../src/shared/protocol';
import { el, replaceChildren, setText, show } from './dom';
import { likelyAbsentLine, sliceRange, volumeLine, type SliceChoice } from './volumeModel';
import * as l10n from '@vscode/l10n';

export interface VolumePanelCallbacks {
  run(mode: VolumeMode, range: [number, number] | undefined): void;
  hideLikelyAbsent(hide: boolean): void;
}

type ValueElement = HTMLElement & { value: string };
type ButtonElement = HTMLElement & { disabled: boolean };
type CheckboxElement = HTMLElement & { checked: boolean };

const modeLabel = (mode: VolumeMode): string =>
  mode === '3d' ? l10n.t('Whole volume (3D model)') : l10n.t('Slice by slice (2D model)');

export class VolumePanel {
  readonly root: HTMLElement;
  private readonly modeHost: HTMLElement;
  private mode?: ValueElement;
  private readonly sliceHost: HTMLElement;
  private readonly which: ValueElement;
  private readonly first: ValueElement;
  private readonly last: ValueElement;
  private readonly around: ValueElement;
  private readonly rangeFields: HTMLElement;
  private readonly aroundFields: HTMLElement;
  private readonly runButton: ButtonElement;
  private readonly note: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly hide: CheckboxElement;
  private modes: VolumeMode[] = ['slices'];
  private count = 0;
  private current = 0;
  private canRun = false;
  private blockedWhy = '';

  constructor(private readonly cb: VolumePanelCallbacks) {
    this.modeHost = el('span', { class: 'volume-mode-host' });
    this.which = el<ValueElement>('vscode-single-select', {
      'data-testid': 'volume-slices-select',
      label: l10n.t('Slices to parse'),
    });
    for (const [value, label] of [
      ['all', l10n.t('All slices')],
      ['range', l10n.t('Slices from … to …')],
      ['around', l10n.t('Current slice ± n')],
    ] as const)
      this.which.appendChild(el('vscode-option', { value, selected: value === 'all' }, label));
    const field = (testId: string, label: string, value: string) => {
      const f = el<ValueElement>('vscode-textfield', {
        'data-testid': testId,
        label,
        'aria-label': label,
        class: 'num',
        type: 'number',
        min: 0,
      });
      f.value = value;
      return f;
    };
    this.first = field('volume-first', l10n.t('First slice'), '1');
    this.last = field('volume-last', l10n.t('Last slice'), '1');
    this.around = field('volume-around', l10n.t('Slices on each side'), '2');
    this.rangeFields = el(
      'div',
      { class: 'inline', hidden: true },
      this.first,
      el('span', { 'aria-hidden': 'true' }, '–'),
      this.last,
    );
    this.aroundFields = el(
      'div',
      { class: 'inline', hidden: true },
      el('span', { class: 'field-label' }, '±'),
      this.around,
    );
    this.which.addEventListener('change', () => this.refresh());
    this.sliceHost = el('div', { class: 'volume-slices' }, this.which, this.rangeFields, this.aroundFields);
    this.runButton = el<ButtonElement>(
      'vscode-button',
      { 'data-testid': 'volume-run-button', icon: 'layers', secondary: true },
      l10n.t('Run on volume'),
    );
    this.runButton.addEventListener('click', () => !this.runButton.disabled && this.start());
    this.note = el('p', { class: 'reason small', 'data-testid': 'volume-note', role: 'note' });
    this.summary = el('ul', { class: 'volume-summary small', 'data-testid': 'volume-summary', hidden: true });
    this.hide = el<CheckboxElement>('vscode-checkbox', {
      'data-testid': 'volume-hide-absent',
      label: l10n.t('Leave out slices where a target is likely absent'),
      hidden: true,
    });
    this.hide.addEventListener('change', () => cb.hideLikelyAbsent(this.hide.checked));
    this.root = el(
      'section',
      { class: 'volume', 'aria-labelledby': 'volume-heading', 'data-testid': 'volume-panel', hidden: true },
      el('h2', { id: 'volume-heading' }, l10n.t('Whole volume')),
      this.modeHost,
      this.sliceHost,
      el('div', { class: 'inline buttons' }, this.runButton),
      this.note,
      this.summary,
      this.hide,
    );
    this.buildModes();
  }

  /** Shown for volumes: `count` acquisition slices, `current` the one last shown on that plane. */
  setVolume(count: number | undefined, current: number): void {
    show(this.root, !!count && count > 1);
    if (!count) return;
    if (count !== this.count) {
      this.count = count;
      this.first.value = '1';
      this.last.value = String(count);
    }
    this.current = current;
  }

  /** The volume modes the active endpoint serves. */
  setModes(modes: VolumeMode[] | undefined): void {
    const next = modes && modes.length ? modes : (['slices'] as VolumeMode[]);
    if (next.join() === this.modes.join()) return;
    this.modes = next;
    this.buildModes();
  }

  /** Whether a run may start now, and why not. */
  setCanRun(can: boolean, why: string): void {
    this.canRun = can;
    this.blockedWhy = why;
    this.refresh();
  }

  setSummary(summary: VolumeSummary | undefined): void {
    show(this.summary, !!summary);
    const absent = summary?.targets.reduce((n, t) => n + t.likelyAbsentSlices, 0) ?? 0;
    show(this.hide, !!summary && (absent > 0 || summary.hideLikelyAbsent));
    if (!summary) {
      replaceChildren(this.summary);
      return;
    }
    this.hide.checked = summary.hideLikelyAbsent;
    const parsed =
      summary.mode === '3d'
        ? l10n.t('Parsed with the 3D model')
        : l10n.t(
            'Parsed slices {0}–{1}{2}',
            summary.range[0] + 1,
            summary.range[1] + 1,
            summary.resumed ? l10n.t(' ({0} kept from an earlier run)', summary.resumed) : '',
          );
    replaceChildren(
      this.summary,
      el('li', { class: 'muted' }, `${parsed} · ${summary.endpointName}`),
      ...summary.targets.map((t) => {
        const absentText = likelyAbsentLine(t);
        return el(
          'li',
          { 'data-target': t.target },
          el('strong', {}, t.target),
          `: ${volumeLine(t)}`,
          absentText ? el('span', { class: 'volume-absent' }, ` · ${absentText}`) : null,
        );
      }),
    );
  }

  private buildModes(): void {
    const select = el<ValueElement>('vscode-single-select', {
      'data-testid': 'volume-mode-select',
      label: l10n.t('How to parse the volume'),
    });
    this.modes.forEach((m, i) =>
      select.appendChild(el('vscode-option', { value: m, selected: i === 0 }, modeLabel(m))),
    );
    select.addEventListener('change', () => this.refresh());
    this.mode = select;
    replaceChildren(this.modeHost, select);
    this.refresh();
  }

  private selectedMode(): VolumeMode {
    const v = this.mode?.value as VolumeMode | undefined;
    return v && this.modes.includes(v) ? v : this.modes[0];
  }

  private choice(): SliceChoice {
    switch (this.which.value) {
      case 'range':
        return { kind: 'range', first: Number(this.first.value), last: Number(this.last.value) };
      case 'around':
        return { kind: 'around', n: Number(this.around.value) };
      default:
        return { kind: 'all' };
    }
  }

  private refresh(): void {
    const slices = this.selectedMode() === 'slices';
    // The 3D model takes the whole volume: no slice choice.
    show(this.sliceHost, slices);
    show(this.rangeFields, slices && this.which.value === 'range');
    show(this.aroundFields, slices && this.which.value === 'around');
    this.runButton.disabled = !this.canRun;
    setText(this.note, this.canRun ? '' : this.blockedWhy);
    show(this.note, !this.canRun && this.blockedWhy !== '');
  }

  private start(): void {
    const mode = this.selectedMode();
    if (mode === '3d') {
      this.cb.run(mode, undefined);
      return;
    }
    const picked = sliceRange(this.choice(), this.current, this.count);
    if ('error' in picked) {
      setText(this.note, picked.error);
      show(this.note, true);
      return;
    }
    show(this.note, false);
    this.cb.run(mode, picked.range);
  }
}
