/**
 * The results panel: the source banner, display controls (threshold, opacity, style, boxes) and
 * the legend, which doubles as the canvas's text alternative. Rows toggle visibility.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import type { MaskStyle } from './layers';
import { el, replaceChildren, setText, show } from './dom';
import { describeRow, formatArea, instancesText, statusText, type LegendInput } from './legendModel';
import { slug } from './prompts';
import * as l10n from '@vscode/l10n';

export interface LegendRow extends LegendInput {
  color: string;
  visible: boolean;
  dimmed: boolean;
  /** The target over the whole volume (mL, voxels, slices, components), for a volume result. */
  volume?: string;
  /** Dice against the ground truth at the current threshold, while comparing. */
  dice?: number;
  /** A volume result's Dice over the whole volume, while comparing one of its slices. */
  volumeDice?: number;
}

export interface ResultsCallbacks {
  threshold(v: number): void;
  opacity(v: number): void;
  style(s: MaskStyle): void;
  boxes(on: boolean): void;
  visibility(target: string, visible: boolean): void;
  export(): void;
  /** "Compare with ground truth" toggled. */
  compare(on: boolean): void;
}

type CheckboxElement = HTMLElement & { checked: boolean };

export const LEGEND_ID = 'legend';

export class ResultsPanel {
  readonly root: HTMLElement;
  private readonly banner: HTMLElement;
  private readonly summary: HTMLElement;
  private readonly threshold: HTMLInputElement;
  private readonly thresholdOut: HTMLOutputElement;
  private readonly opacity: HTMLInputElement;
  private readonly opacityOut: HTMLOutputElement;
  private readonly styleHost: HTMLElement;
  private readonly boxes: CheckboxElement;
  private readonly compare: CheckboxElement;
  private readonly compareKey: HTMLElement;
  private readonly legend: HTMLElement;
  private readonly exportButton: HTMLElement;
  private readonly controls: HTMLElement;
  private readonly empty: HTMLElement;
  private style: MaskStyle = 'both';

  constructor(private readonly cb: ResultsCallbacks) {
    this.banner = el('div', { class: 'banner', 'data-testid': 'result-banner', role: 'note', hidden: true });
    this.summary = el('p', { class: 'muted small', 'data-testid': 'result-summary' });
    this.threshold = el<HTMLInputElement>('input', {
      type: 'range',
      min: 0,
      max: 1,
      step: 0.01,
      id: 'threshold',
      'data-testid': 'threshold-slider',
      'aria-label': l10n.t('Mask probability threshold'),
    });
    this.thresholdOut = el<HTMLOutputElement>('output', { for: 'threshold', class: 'small' });
    this.threshold.addEventListener('input', () => {
      this.showThreshold(Number(this.threshold.value));
      cb.threshold(Number(this.threshold.value));
    });
    this.opacity = el<HTMLInputElement>('input', {
      type: 'range',
      min: 0,
      max: 1,
      step: 0.05,
      id: 'opacity',
      'data-testid': 'opacity-slider',
      'aria-label': l10n.t('Mask opacity'),
    });
    this.opacityOut = el<HTMLOutputElement>('output', { for: 'opacity', class: 'small' });
    this.opacity.addEventListener('input', () => {
      this.showOpacity(Number(this.opacity.value));
      cb.opacity(Number(this.opacity.value));
    });
    this.styleHost = el('span', { class: 'style-host' });
    this.boxes = el<CheckboxElement>('vscode-checkbox', {
      'data-testid': 'boxes-toggle',
      label: l10n.t('Bounding boxes'),
    });
    this.boxes.addEventListener('change', () => cb.boxes(this.boxes.checked));
    this.compare = el<CheckboxElement>('vscode-checkbox', {
      'data-testid': 'compare-toggle',
      label: l10n.t('Compare with ground truth'),
      title: l10n.t(
        'Colour true positive (green), false positive (red) and false negative (blue) pixels against the masks found next to the image',
      ),
      hidden: true,
    });
    this.compareKey = el(
      'p',
      { class: 'muted small', 'data-testid': 'compare-key', hidden: true },
      l10n.t(
        'Green: in both · red: predicted only (false positive) · blue: ground truth only (false negative)',
      ),
    );
    this.compare.addEventListener('change', () => {
      show(this.compareKey, this.compare.checked);
      cb.compare(this.compare.checked);
    });
    this.legend = el('ul', {
      class: 'legend',
      id: LEGEND_ID,
      'aria-label': l10n.t('Legend'),
      'data-testid': 'legend',
    });
    this.exportButton = el(
      'vscode-button',
      { 'data-testid': 'export-button', icon: 'export', secondary: true },
      l10n.t('Export'),
    );
    this.exportButton.addEventListener('click', () => cb.export());
    this.controls = el(
      'div',
      { class: 'display-controls' },
      el(
        'div',
        { class: 'slider-row' },
        el('label', { for: 'threshold', class: 'field-label' }, l10n.t('Threshold')),
        this.threshold,
        this.thresholdOut,
      ),
      el(
        'div',
        { class: 'slider-row' },
        el('label', { for: 'opacity', class: 'field-label' }, l10n.t('Opacity')),
        this.opacity,
        this.opacityOut,
      ),
      el(
        'div',
        { class: 'inline' },
        el('span', { class: 'field-label' }, l10n.t('Style')),
        this.styleHost,
        this.boxes,
      ),
      this.compare,
      this.compareKey,
    );
    this.empty = el(
      'p',
      { class: 'muted', 'data-testid': 'no-result' },
      l10n.t('No result yet. Choose targets and press Run.'),
    );
    this.root = el(
      'section',
      { class: 'results', 'aria-labelledby': 'results-heading' },
      el(
        'div',
        { class: 'heading-row' },
        el('h2', { id: 'results-heading' }, l10n.t('Results')),
        this.exportButton,
      ),
      this.banner,
      this.summary,
      this.empty,
      this.controls,
      this.legend,
    );
    this.setHasResult(false);
  }

  setControls(threshold: number, opacity: number, style: MaskStyle, boxes: boolean): void {
    this.threshold.value = String(threshold);
    this.showThreshold(threshold);
    this.opacity.value = String(opacity);
    this.showOpacity(opacity);
    this.boxes.checked = boxes;
    if (style !== this.style || !this.styleHost.firstChild) {
      this.style = style;
      const s = el<HTMLElement & { value: string }>('vscode-single-select', {
        'data-testid': 'style-select',
        label: l10n.t('Mask style'),
      });
      for (const [v, label] of [
        ['both', l10n.t('Fill + outline')],
        ['fill', l10n.t('Fill')],
        ['outline', l10n.t('Outline')],
      ] as const)
        s.appendChild(el('vscode-option', { value: v, selected: v === style }, label));
      s.addEventListener('change', () => {
        this.style = s.value as MaskStyle;
        this.cb.style(this.style);
      });
      replaceChildren(this.styleHost, s);
    }
  }

  setHasResult(has: boolean, note?: string): void {
    show(this.controls, has);
    show(this.legend, has);
    show(this.exportButton, has);
    show(this.empty, !has);
    if (note) setText(this.empty, note);
    if (!has) {
      show(this.banner, false);
      setText(this.summary, '');
    }
  }

  /**
   * Scrolls the side panel so the results (heading, controls, legend) are in view: after a run
   * they sit below the picker, out of sight on a 1000 px high window.
   */
  reveal(): void {
    if (this.legend.hidden) return;
    // Only the side panel scrolls: scrollIntoView would also scroll the page's overflow-hidden
    // boxes, taking the toolbar off the top of the viewer (seen on a result restored on opening).
    const scroller = this.root.closest<HTMLElement>('.panel');
    if (!scroller) return this.root.scrollIntoView({ block: 'start' });
    scroller.scrollTop += this.root.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
  }

  /** Offers "Compare with ground truth" when truth was found for the result shown. */
  setCompare(available: boolean, on: boolean): void {
    show(this.compare, available);
    this.compare.checked = available && on;
    show(this.compareKey, available && on);
  }

  /** Recognition layers are label regions: the threshold does not apply to them. */
  setThresholdEnabled(enabled: boolean): void {
    this.threshold.disabled = !enabled;
    this.threshold.title = enabled
      ? ''
      : l10n.t('Recognition labels are final regions; the threshold applies to parse results.');
  }

  setBanner(text: string | undefined, summary: string): void {
    setText(this.banner, text ?? '');
    show(this.banner, !!text);
    setText(this.summary, summary);
  }

  setLegend(
    rows: LegendRow[],
    pixelSpacing: [number, number] | undefined,
    kind: 'parse' | 'recognition',
  ): void {
    const used = new Set<string>();
    replaceChildren(
      this.legend,
      ...rows.map((r) => {
        let id = slug(r.target);
        while (used.has(id)) id += '-x';
        used.add(id);
        const name = r.label && r.label !== r.target ? `${r.target} (${r.label})` : r.target;
        // The checkbox's label is the target name: that is its accessible name ("liver, checked").
        const toggle = el<CheckboxElement>('vscode-checkbox', {
          'data-testid': `legend-visibility-${id}`,
          'data-target': r.target,
          label: name,
          title: l10n.t('Show or hide {0}', r.target),
        });
        toggle.checked = r.visible;
        toggle.addEventListener('change', () => this.cb.visibility(r.target, toggle.checked));
        const details =
          r.status === 'not-found'
            ? l10n.t('not found')
            : [
                formatArea(r.areaPixels, pixelSpacing),
                instancesText(r.instances),
                ...(kind === 'parse' ? [statusText(r.status, r.pValue)] : []),
              ].join(' · ');
        const diceText =
          (r.dice === undefined ? '' : l10n.t('Dice {0} · ', r.dice.toFixed(3))) +
          (r.volumeDice === undefined ? '' : l10n.t('volume Dice {0} · ', r.volumeDice.toFixed(3)));
        const cls = [
          'legend-row',
          r.dimmed ? 'dimmed' : '',
          !r.visible ? 'hidden-layer' : '',
          `status-${r.status}`,
        ]
          .filter(Boolean)
          .join(' ');
        return el(
          'li',
          { class: cls, 'data-testid': `legend-row-${id}`, 'data-status': r.status },
          swatch(r.color),
          el(
            'span',
            { class: 'legend-text' },
            toggle,
            r.status === 'likely-absent'
              ? el('span', { class: 'absent-badge', 'aria-hidden': 'true' }, l10n.t('likely absent'))
              : null,
            el('span', { class: 'legend-details small', 'aria-hidden': 'true' }, diceText + details),
            r.volume
              ? el(
                  'span',
                  { class: 'legend-details legend-volume small', 'data-testid': `legend-volume-${id}` },
                  l10n.t('Volume: {0}', r.volume),
                )
              : null,
          ),
          // Screen readers get the full sentence; the visible text above is the short form.
          el(
            'span',
            { class: 'sr-only' },
            describeRow(r, pixelSpacing) +
              (r.dice === undefined ? '' : l10n.t(' Dice against ground truth {0}.', r.dice.toFixed(3))) +
              (r.volumeDice === undefined
                ? ''
                : l10n.t(' Dice over the whole volume {0}.', r.volumeDice.toFixed(3))),
          ),
        );
      }),
    );
  }

  private showThreshold(t: number): void {
    const minByte = Math.min(256, Math.floor(t * 255 + 1e-9) + 1);
    setText(this.thresholdOut, t.toFixed(2));
    this.threshold.setAttribute(
      'aria-valuetext',
      l10n.t('{0}: probability above {0} (mask value ≥ {1})', t.toFixed(2), minByte),
    );
  }

  private showOpacity(o: number): void {
    setText(this.opacityOut, `${Math.round(o * 100)}%`);
    this.opacity.setAttribute('aria-valuetext', l10n.t('{0} percent', Math.round(o * 100)));
  }
}

/**
 * The legend's colour square. The colour goes through the CSSOM: the viewer's CSP has no
 * 'unsafe-inline' for styles, so a `style` attribute would be blocked.
 */
function swatch(color: string): HTMLElement {
  const e = el('span', { class: 'swatch', 'aria-hidden': 'true' });
  e.style.backgroundColor = color;
  return e;
}
