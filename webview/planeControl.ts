/**
 * The plane switch of a volume (toolbar buttons, and A / C / S on the image): the acquisition
 * plane and its reformats. Parsing stays on the acquisition plane; the reformats show the volume
 * and its masks across slices.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import type { ViewerImage } from '../src/shared/protocol';
import type { PlaneName } from '../src/shared/orientation';
import { el, replaceChildren, show } from './dom';
import * as l10n from '@vscode/l10n';

type ButtonElement = HTMLElement & { secondary: boolean };

const KEYS: Record<string, PlaneName> = { a: 'axial', c: 'coronal', s: 'sagittal' };

/** A plane's name as its button shows it ("Axial"); an unknown one capitalised. */
const title = (name: PlaneName): string =>
  ({ axial: l10n.t('Axial'), coronal: l10n.t('Coronal'), sagittal: l10n.t('Sagittal') })[name as string] ??
  name[0].toUpperCase() + name.slice(1);

export class PlaneControl {
  readonly root: HTMLElement;
  private plane?: ViewerImage['plane'];

  constructor(private readonly pick: (plane: PlaneName) => void) {
    this.root = el('div', {
      class: 'tool-group plane-group',
      role: 'group',
      'aria-label': l10n.t('Plane'),
      'data-testid': 'plane-group',
      hidden: true,
    });
  }

  /** Listens for A, C and S on the image (the stage canvas), as for the other image keys. */
  bindKeys(target: HTMLElement): void {
    target.addEventListener('keydown', (e) => {
      if (e.altKey || e.ctrlKey || e.metaKey || !this.plane) return;
      const name = KEYS[e.key.toLowerCase()];
      if (!name || !this.plane.planes.includes(name)) return;
      e.preventDefault();
      if (name !== this.plane.name) this.pick(name);
    });
  }

  setImage(image: ViewerImage): void {
    const plane = image.plane;
    const same =
      plane &&
      this.plane &&
      plane.name === this.plane.name &&
      plane.planes.join() === this.plane.planes.join();
    this.plane = plane;
    show(this.root, !!plane);
    if (!plane || same) return;
    const buttons = plane.planes.map((name, i) => {
      const key = name[0].toUpperCase();
      const label =
        i === 0 ? l10n.t('{0} (acquired) ({1})', title(name), key) : l10n.t('{0} ({1})', title(name), key);
      const b = el<ButtonElement>(
        'vscode-button',
        {
          'data-testid': `plane-${name}`,
          'aria-pressed': String(name === plane.name),
          title: label,
          'aria-label': label,
        },
        title(name),
      );
      b.secondary = name !== plane.name;
      b.addEventListener('click', () => name !== this.plane?.name && this.pick(name));
      return b;
    });
    replaceChildren(this.root, el('span', { class: 'field-label' }, l10n.t('Plane')), ...buttons);
  }
}
