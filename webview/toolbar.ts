/**
 * The image toolbar: zoom buttons, window/level presets and fields (DICOM/NIfTI only), slice and
 * frame sliders (volumes, multi-frame files). Emits intents; the stage and the host do the work.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ViewerImage } from '../src/shared/protocol';
import { isWindowed } from '../src/shared/windowed';
import { el, replaceChildren, setText, show } from './dom';
import { CT_PRESETS, formatWindowValue, parseWindow, type DisplayWindow } from './windowing';
import * as l10n from '@vscode/l10n';

export interface ToolbarCallbacks {
  zoomIn(): void;
  zoomOut(): void;
  fit(): void;
  actualSize(): void;
  window(w: DisplayWindow | undefined): void;
  slice(index: number): void;
  frame(index: number): void;
}

type ValueElement = HTMLElement & { value: string };

export class Toolbar {
  readonly root: HTMLElement;
  private readonly windowGroup: HTMLElement;
  private readonly presetHost: HTMLElement;
  private readonly lower: ValueElement;
  private readonly upper: ValueElement;
  private readonly sliceGroup: HTMLElement;
  private readonly frameGroup: HTMLElement;
  private readonly fileName: HTMLElement;
  private image?: ViewerImage;

  constructor(private readonly cb: ToolbarCallbacks) {
    const button = (testId: string, iconName: string, label: string, onClick: () => void) => {
      const b = el('vscode-button', {
        'data-testid': testId,
        icon: iconName,
        secondary: true,
        'aria-label': label,
        title: label,
      });
      b.addEventListener('click', onClick);
      return b;
    };
    this.presetHost = el('span', { class: 'preset-host' });
    // Text fields, not number ones: a number input's step makes fractional windows (a Shift-drag,
    // a float NIfTI's range) "invalid", and it reports a lone "-" as empty, so typing -150 over a
    // selected value lost its minus sign when the field re-rendered. The value is checked here.
    const field = (testId: string, label: string) =>
      el<ValueElement & { invalid: boolean }>('vscode-textfield', {
        'data-testid': testId,
        label,
        class: 'num',
        type: 'text',
        inputmode: 'decimal',
        spellcheck: 'false',
      });
    this.lower = field('window-lower', l10n.t('Window lower bound'));
    this.upper = field('window-upper', l10n.t('Window upper bound'));
    const apply = () => {
      const w = parseWindow(this.lower.value, this.upper.value);
      this.markInvalid(!w);
      if (w) this.cb.window(w);
    };
    this.lower.addEventListener('change', apply);
    this.upper.addEventListener('change', apply);
    this.windowGroup = el(
      'div',
      { class: 'tool-group', role: 'group', 'aria-label': l10n.t('Window and level') },
      el('span', { class: 'field-label' }, l10n.t('Window')),
      this.presetHost,
      this.lower,
      el('span', { 'aria-hidden': 'true' }, '–'),
      this.upper,
    );
    this.sliceGroup = el('div', { class: 'tool-group' });
    this.frameGroup = el('div', { class: 'tool-group' });
    this.fileName = el('span', { class: 'file-name', 'data-testid': 'file-name' });
    this.root = el(
      'div',
      { class: 'toolbar', role: 'toolbar', 'aria-label': l10n.t('Image tools') },
      el(
        'div',
        { class: 'tool-group', role: 'group', 'aria-label': l10n.t('Zoom') },
        button('zoom-out', 'zoom-out', l10n.t('Zoom out (-)'), () => cb.zoomOut()),
        button('zoom-in', 'zoom-in', l10n.t('Zoom in (+)'), () => cb.zoomIn()),
        button('zoom-fit', 'screen-full', l10n.t('Fit to window (0)'), () => cb.fit()),
        button('zoom-1to1', 'screen-normal', l10n.t('Actual size 1:1 (1)'), () => cb.actualSize()),
      ),
      this.windowGroup,
      this.sliceGroup,
      this.frameGroup,
      this.fileName,
    );
  }

  setImage(image: ViewerImage, window: DisplayWindow | undefined): void {
    const first = !this.image || this.image.fileName !== image.fileName || this.image.format !== image.format;
    this.image = image;
    setText(this.fileName, image.fileName);
    this.fileName.title = image.fileName;
    show(this.windowGroup, isWindowed(image));
    if (first) this.buildPresets(image);
    this.showWindow(window);
    this.buildSlider(this.sliceGroup, 'slice', l10n.t('Slice'), image.slice, (i) => this.cb.slice(i));
    this.buildSlider(
      this.frameGroup,
      'frame',
      image.format === 'nifti' ? l10n.t('Time') : l10n.t('Frame'),
      image.frame,
      (i) => this.cb.frame(i),
    );
  }

  private markInvalid(bad: boolean): void {
    for (const f of [this.lower, this.upper] as (ValueElement & { invalid: boolean })[]) {
      f.invalid = bad;
      f.title = bad ? l10n.t('Type two numbers, the lower one first') : '';
    }
  }

  showWindow(w: DisplayWindow | undefined): void {
    this.lower.value = w ? formatWindowValue(w.lower) : '';
    this.upper.value = w ? formatWindowValue(w.upper) : '';
    this.markInvalid(false);
    // The preset list names the window on screen: a preset's, or "Custom" once the fields differ.
    const select = this.presetHost.firstElementChild as ValueElement | null;
    const img = this.image;
    if (!select || !img || !w) return;
    const same = (a: DisplayWindow | undefined) => !!a && a.lower === w.lower && a.upper === w.upper;
    const match =
      CT_PRESETS.find((p) => same(p.window) && select.querySelector(`vscode-option[value="${p.id}"]`))?.id ??
      (same(img.defaultWindow)
        ? 'default'
        : same({ lower: img.range.min, upper: img.range.max })
          ? 'full'
          : 'custom');
    if (select.value !== match) select.value = match;
  }

  private buildPresets(image: ViewerImage): void {
    const s = el<ValueElement>('vscode-single-select', {
      'data-testid': 'window-preset',
      label: l10n.t('Window preset'),
    });
    s.appendChild(el('vscode-option', { value: 'default', selected: true }, l10n.t('Default')));
    s.appendChild(el('vscode-option', { value: 'full' }, l10n.t('Full range')));
    s.appendChild(el('vscode-option', { value: 'custom' }, l10n.t('Custom')));
    // HU presets only where the values are HU: a CT the file says is one (not a guess from pixels).
    const isCt =
      ((image.suggestion.modality ?? '').toUpperCase() === 'CT' && image.suggestion.source !== 'image') ||
      image.range.min < -500;
    if (isCt) for (const p of CT_PRESETS) s.appendChild(el('vscode-option', { value: p.id }, p.label));
    s.addEventListener('change', () => {
      const img = this.image;
      if (!img) return;
      if (s.value === 'custom') return; // chosen by editing the fields, not from the list
      const preset = CT_PRESETS.find((p) => p.id === s.value);
      const w =
        preset?.window ??
        (s.value === 'full' ? { lower: img.range.min, upper: img.range.max } : img.defaultWindow);
      this.cb.window(w);
    });
    replaceChildren(this.presetHost, s);
  }

  /**
   * Moves the slice slider (the frame slider when there is no slice one) as if the user had:
   * same label update, same settling before the host is asked for the image.
   */
  stepSlice(delta: number | 'first' | 'last'): void {
    const input =
      (this.sliceGroup.querySelector('input') as HTMLInputElement | null) ??
      (this.frameGroup.querySelector('input') as HTMLInputElement | null);
    if (!input) return; // a single image: no slider
    const max = Number(input.max);
    const current = Number(input.value);
    const next = delta === 'first' ? 0 : delta === 'last' ? max : Math.min(max, Math.max(0, current + delta));
    if (next === current) return;
    input.value = String(next);
    input.dispatchEvent(new Event('input'));
  }

  private buildSlider(
    host: HTMLElement,
    kind: 'slice' | 'frame',
    label: string,
    pos: { index: number; count: number } | undefined,
    onPick: (i: number) => void,
  ): void {
    if (!pos || pos.count <= 1) {
      replaceChildren(host);
      show(host, false);
      return;
    }
    show(host, true);
    let input = host.querySelector('input') as HTMLInputElement | null;
    const out = host.querySelector('output') as HTMLOutputElement | null;
    if (!input || !out || input.max !== String(pos.count - 1)) {
      input = el<HTMLInputElement>('input', {
        type: 'range',
        min: 0,
        max: pos.count - 1,
        step: 1,
        'data-testid': `${kind}-slider`,
        'aria-label': label,
      });
      const output = el<HTMLOutputElement>('output', { class: 'small' });
      let timer = 0;
      const i = input;
      i.addEventListener('input', () => {
        // The slice asked for, until it arrives (see below).
        i.dataset.wanted = i.value;
        setText(output, `${Number(i.value) + 1} / ${pos.count}`);
        // The host decodes a slice per request: wait for the slider to settle a moment.
        clearTimeout(timer);
        timer = window.setTimeout(() => onPick(Number(i.value)), 120);
      });
      replaceChildren(host, el('label', { class: 'field-label' }, label), input, output);
    }
    // While a slice the user asked for is on its way, the slices before it still arrive (each
    // step is its own request): the slider stays at the wanted slice, or steps taken in the
    // meantime (a held PageDown) would count from a stale position and be lost.
    const wanted = input.dataset.wanted;
    if (wanted !== undefined && wanted !== String(pos.index)) return;
    delete input.dataset.wanted;
    input.value = String(pos.index);
    input.setAttribute('aria-valuetext', l10n.t('{0} {1} of {2}', label, pos.index + 1, pos.count));
    setText(host.querySelector('output') as HTMLOutputElement, `${pos.index + 1} / ${pos.count}`);
  }
}
