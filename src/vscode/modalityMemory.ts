import type * as vscode from 'vscode';
import type { ModalityChoice } from '../editors/modalitySuggestion';
import { CATALOGUE_MODALITIES } from '../shared/suggestion';
import { sitesFor } from '../shared/targets';

const KEY = 'medimageparse.modalityChoices';
/** Files remembered per workspace; the oldest choice goes first beyond this. */
const MAX_FILES = 500;

/**
 * The modality and site the user chose for each file, in the workspace's state: a file whose name
 * and tags say nothing (and whose pixels were guessed wrong) opens with the user's correction next
 * time, in the viewer and in the explorer's Parse…. Only catalogue pairs are kept.
 */
export class ModalityMemory {
  constructor(private readonly state: vscode.Memento) {}

  private all(): Record<string, ModalityChoice> {
    const raw = this.state.get<unknown>(KEY);
    return raw && typeof raw === 'object' ? (raw as Record<string, ModalityChoice>) : {};
  }

  get(file: string): ModalityChoice | undefined {
    const c = Object.prototype.hasOwnProperty.call(this.all(), file) ? this.all()[file] : undefined;
    return c && isCatalogueChoice(c) ? { modality: c.modality, site: c.site } : undefined;
  }

  async set(file: string, choice: ModalityChoice): Promise<void> {
    if (!isCatalogueChoice(choice)) return;
    const { [file]: _previous, ...rest } = this.all();
    void _previous;
    const entries = [...Object.entries(rest), [file, { modality: choice.modality, site: choice.site }]];
    await this.state.update(KEY, Object.fromEntries(entries.slice(-MAX_FILES)));
  }
}

function isCatalogueChoice(c: unknown): c is ModalityChoice {
  const m = c as Partial<ModalityChoice> | undefined;
  return (
    typeof m?.modality === 'string' &&
    typeof m.site === 'string' &&
    CATALOGUE_MODALITIES.includes(m.modality) &&
    sitesFor(m.modality).includes(m.site)
  );
}
