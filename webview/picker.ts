/**
 * The prompt picker: modality → site → recommended targets (multi-select), catalogue search,
 * free-text prompts, the selected list and the exact text preview. Owns its DOM; reports every
 * change through `onChange` and keeps no state the caller cannot see.
 */
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import { ctWindowForSite, sitesFor, targetsFor } from '../src/shared/targets';
import { el, icon, replaceChildren, setText, show } from './dom';
import {
  addPrompts,
  freeTextPlaceholder,
  CATALOGUE_MODALITIES,
  previewText,
  removePrompt,
  searchCatalogue,
  selectionNote,
  slug,
  toggleTarget,
} from './prompts';
import * as l10n from '@vscode/l10n';

export interface PickerValue {
  modality: string;
  site: string;
  selection: string[];
  /** User's CT window for the model input; undefined = follow the site. */
  ctWindow?: string;
}

type ValueElement = HTMLElement & { value: string };
type CheckboxElement = HTMLElement & { checked: boolean; label: string };

const CT_WINDOWS = ['abdomen', 'lung', 'pelvis', 'liver', 'colon', 'pancreas'];

export class Picker {
  readonly root: HTMLElement;
  private value: PickerValue;
  private readonly modalitySelect: ValueElement;
  private siteSelect: ValueElement;
  private ctRow: HTMLElement;
  private ctSelect: ValueElement;
  private readonly search: ValueElement;
  private readonly list: HTMLElement;
  private readonly freeText: ValueElement;
  private readonly chips: HTMLElement;
  private readonly preview: HTMLElement;
  private readonly note: HTMLElement;
  /** Where the modality shown came from (a guess from the pixels, the user's earlier choice). */
  private readonly suggestionNote: HTMLElement;

  constructor(
    initial: PickerValue,
    private readonly onChange: (v: PickerValue, why: 'modality' | 'site' | 'selection' | 'ctWindow') => void,
  ) {
    this.value = { ...initial, selection: [...initial.selection] };
    this.modalitySelect = this.select(
      'modality-select',
      l10n.t('Modality'),
      CATALOGUE_MODALITIES,
      this.value.modality,
    );
    this.modalitySelect.addEventListener('change', () => this.setModality(this.modalitySelect.value));
    this.siteSelect = this.select(
      'site-select',
      l10n.t('Site'),
      sitesFor(this.value.modality),
      this.value.site,
    );
    const firstSite = this.siteSelect;
    firstSite.addEventListener('change', () => this.setSite(firstSite.value));
    this.ctSelect = this.ctWindowSelect();
    this.search = el<ValueElement>('vscode-textfield', {
      type: 'search',
      'data-testid': 'prompt-search',
      label: l10n.t('Search all recommended targets'),
      placeholder: l10n.t('Search targets…'),
      class: 'full',
    });
    this.search.addEventListener('input', () => {
      // New words, new list: start at its top, or the first match may be scrolled out of sight.
      this.list.scrollTop = 0;
      this.renderList();
    });
    this.list = el('div', { class: 'target-list', role: 'group', 'data-testid': 'picker-list' });
    this.freeText = el<ValueElement>('vscode-textfield', {
      'data-testid': 'free-text-input',
      label: l10n.t('Free-text prompt'),
      placeholder: freeTextPlaceholder(this.value.modality, this.value.site),
      class: 'grow',
    });
    this.freeText.addEventListener('keydown', (e) => {
      if ((e as KeyboardEvent).key === 'Enter') this.addFreeText();
    });
    const add = el(
      'vscode-button',
      { 'data-testid': 'free-text-add', secondary: true, 'aria-label': l10n.t('Add free-text prompt') },
      l10n.t('Add'),
    );
    add.addEventListener('click', () => this.addFreeText());
    this.chips = el('ul', {
      class: 'chips',
      'aria-label': l10n.t('Selected prompts'),
      'data-testid': 'selected-prompts',
    });
    this.preview = el('code', { class: 'preview', 'data-testid': 'prompt-preview', id: 'prompt-preview' });
    this.note = el('p', { class: 'note', 'data-testid': 'off-list-note', role: 'note' });
    this.suggestionNote = el('p', {
      class: 'note',
      'data-testid': 'modality-suggestion',
      role: 'note',
      hidden: true,
    });
    this.ctRow = el(
      'div',
      { class: 'field' },
      el('label', { class: 'field-label' }, l10n.t('CT window (model input)')),
      this.ctSelect,
    );
    this.root = el(
      'section',
      { class: 'picker', 'aria-labelledby': 'picker-heading' },
      el('h2', { id: 'picker-heading' }, l10n.t('Prompts')),
      el(
        'div',
        { class: 'field-row' },
        el(
          'div',
          { class: 'field' },
          el('label', { class: 'field-label' }, l10n.t('Modality')),
          this.modalitySelect,
        ),
        el(
          'div',
          { class: 'field', 'data-slot': 'site' },
          el('label', { class: 'field-label' }, l10n.t('Site')),
          this.siteSelect,
        ),
      ),
      this.suggestionNote,
      this.ctRow,
      this.search,
      this.list,
      el('div', { class: 'inline' }, this.freeText, add),
      this.chips,
      el(
        'div',
        { class: 'preview-row' },
        el('span', { class: 'field-label' }, l10n.t('Will send: ')),
        this.preview,
      ),
      this.note,
    );
    this.renderAll();
  }

  /** Says where the modality and site shown came from; empty text hides the note. */
  setSuggestionNote(text: string): void {
    setText(this.suggestionNote, text);
    show(this.suggestionNote, text !== '');
  }

  get current(): PickerValue {
    return { ...this.value, selection: [...this.value.selection] };
  }

  /** The CT window the run will ask for: the user's choice, else the site's. */
  effectiveCtWindow(): string | undefined {
    if (this.value.modality !== 'CT') return undefined;
    return this.value.ctWindow ?? ctWindowForSite(this.value.site);
  }

  setSelection(selection: string[]): void {
    this.value.selection = [...selection];
    this.renderSelection();
    this.renderList();
  }

  /** Targets pushed from the side panel, optionally switching modality/site first. */
  addTargets(targets: string[], modality?: string, site?: string): void {
    if (modality && CATALOGUE_MODALITIES.includes(modality) && modality !== this.value.modality)
      this.setModality(modality, site);
    else if (site && sitesFor(this.value.modality).includes(site)) this.setSite(site);
    let sel = this.value.selection;
    for (const t of targets) sel = addPrompts(sel, t);
    this.updateSelection(sel);
  }

  setModality(modality: string, site?: string, selection?: string[]): void {
    this.value.modality = modality;
    const sites = sitesFor(modality);
    this.value.site = site && sites.includes(site) ? site : (sites[0] ?? '');
    this.value.ctWindow = undefined;
    if (selection) this.value.selection = [...selection];
    this.replaceSelect('site');
    this.replaceSelect('ct');
    this.renderAll();
    this.onChange(this.current, 'modality');
  }

  private setSite(site: string): void {
    this.value.site = site;
    this.replaceSelect('ct');
    this.renderAll();
    this.onChange(this.current, 'site');
  }

  private updateSelection(selection: string[]): void {
    this.value.selection = selection;
    this.renderSelection();
    this.renderList();
    this.onChange(this.current, 'selection');
  }

  private addFreeText(): void {
    const text = this.freeText.value;
    if (!text.trim()) return;
    this.updateSelection(addPrompts(this.value.selection, text));
    this.freeText.value = '';
  }

  private select(testId: string, label: string, options: readonly string[], selected: string): ValueElement {
    const s = el<ValueElement>('vscode-single-select', { 'data-testid': testId, label });
    for (const o of options) s.appendChild(el('vscode-option', { value: o, selected: o === selected }, o));
    return s;
  }

  private ctWindowSelect(): ValueElement {
    const follow = ctWindowForSite(this.value.site);
    const s = el<ValueElement>('vscode-single-select', {
      'data-testid': 'ct-window-select',
      label: l10n.t('CT window for the model input'),
    });
    s.appendChild(
      el(
        'vscode-option',
        { value: '', selected: !this.value.ctWindow },
        follow ? l10n.t('Follow site ({0})', follow) : l10n.t('Follow site'),
      ),
    );
    for (const w of CT_WINDOWS)
      s.appendChild(el('vscode-option', { value: w, selected: this.value.ctWindow === w }, w));
    s.addEventListener('change', () => {
      this.value.ctWindow = s.value || undefined;
      this.onChange(this.current, 'ctWindow');
    });
    return s;
  }

  // Options are rebuilt with a fresh element: vscode-single-select reads its options when slotted.
  private replaceSelect(which: 'site' | 'ct'): void {
    if (which === 'site') {
      const next = this.select('site-select', l10n.t('Site'), sitesFor(this.value.modality), this.value.site);
      next.addEventListener('change', () => this.setSite(next.value));
      this.siteSelect.replaceWith(next);
      this.siteSelect = next;
    } else {
      const next = this.ctWindowSelect();
      this.ctSelect.replaceWith(next);
      this.ctSelect = next;
    }
  }

  private renderAll(): void {
    show(this.ctRow, this.value.modality === 'CT');
    this.freeText.setAttribute('placeholder', freeTextPlaceholder(this.value.modality, this.value.site));
    this.list.scrollTop = 0;
    this.renderList();
    this.renderSelection();
  }

  private isSelected(target: string): boolean {
    const t = target.toLowerCase();
    return this.value.selection.some((s) => s.toLowerCase() === t);
  }

  private renderList(): void {
    const query = this.search.value.trim();
    const items: HTMLElement[] = [];
    if (query) {
      const hits = searchCatalogue(query);
      this.list.setAttribute('aria-label', l10n.t('Targets matching “{0}”', query));
      for (const hit of hits) {
        const where = hit.places.map((p) => `${p.modality} · ${p.site}`).join(', ');
        items.push(this.item(hit.target, where));
      }
      if (hits.length === 0)
        items.push(
          el(
            'p',
            { class: 'muted' },
            l10n.t('No recommended target matches. Add it as a free-text prompt below.'),
          ),
        );
    } else {
      this.list.setAttribute(
        'aria-label',
        l10n.t('Recommended targets for {0} · {1}', this.value.modality, this.value.site),
      );
      for (const t of targetsFor(this.value.modality, this.value.site)) items.push(this.item(t));
    }
    replaceChildren(this.list, ...items);
  }

  private item(target: string, where?: string): HTMLElement {
    const cb = el<CheckboxElement>('vscode-checkbox', {
      'data-testid': `picker-item-${slug(target)}`,
      'data-target': target,
      label: target,
    });
    cb.checked = this.isSelected(target);
    cb.addEventListener('change', () => this.updateSelection(toggleTarget(this.value.selection, target)));
    if (!where) return cb;
    return el('div', { class: 'hit' }, cb, el('span', { class: 'muted small' }, where));
  }

  private renderSelection(): void {
    const sel = this.value.selection;
    replaceChildren(
      this.chips,
      ...sel.map((t) => {
        const remove = el(
          'button',
          {
            class: 'chip-remove',
            type: 'button',
            'aria-label': l10n.t('Remove {0}', t),
            title: l10n.t('Remove {0}', t),
            'data-testid': `remove-prompt-${slug(t)}`,
          },
          icon('close'),
        );
        remove.addEventListener('click', () => this.updateSelection(removePrompt(this.value.selection, t)));
        return el('li', { class: 'chip' }, el('span', {}, t), remove);
      }),
    );
    setText(this.preview, sel.length ? previewText(sel) : l10n.t('(nothing selected)'));
    const note = selectionNote(sel, this.value.modality, this.value.site);
    setText(this.note, note);
    show(this.note, note !== '');
  }
}
