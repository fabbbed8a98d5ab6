/**
 * From what an image says (DICOM Modality / BodyPartExamined, or words of its file name, as the
 * imaging stage reports them) to the recommended-targets catalogue's modality and site.
 * Shared by the viewer and the explorer commands; pure, no Node and no DOM.
 */
import { RECOMMENDED_TARGETS, sitesFor } from './targets';
import * as l10n from '@vscode/l10n';

export const CATALOGUE_MODALITIES: readonly string[] = Object.keys(RECOMMENDED_TARGETS);

// DICOM modality codes and common spellings → catalogue modality.
const MODALITY_ALIASES: Record<string, string> = {
  mr: 'MRI',
  mri: 'MRI',
  ct: 'CT',
  cr: 'X-Ray',
  dx: 'X-Ray',
  xr: 'X-Ray',
  xray: 'X-Ray',
  'x-ray': 'X-Ray',
  us: 'ultrasound',
  sm: 'pathology',
  endoscopy: 'endoscope',
  es: 'endoscope',
};

const SITE_ALIASES: Record<string, string> = {
  chest: 'lung',
  thorax: 'lung',
  cardiac: 'heart',
  retina: 'retinal',
  'x-ray': 'chest',
};

/** The catalogue spelling of a modality, or undefined. Case-insensitive. */
export function resolveModality(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const key = name.trim().toLowerCase();
  const exact = CATALOGUE_MODALITIES.find((m) => m.toLowerCase() === key);
  if (exact) return exact;
  return MODALITY_ALIASES[key];
}

/** The catalogue spelling of a site for a modality, or undefined. */
export function resolveSite(modality: string, site: string | undefined): string | undefined {
  if (!site) return undefined;
  const sites = sitesFor(modality);
  const key = site.trim().toLowerCase();
  const exact = sites.find((s) => s.toLowerCase() === key);
  if (exact) return exact;
  const alias = SITE_ALIASES[key];
  if (alias && sites.includes(alias)) return alias;
  if (key === 'lung' && sites.includes('chest')) return 'chest';
  return undefined;
}

/** The catalogue modality and site the hints name, where the catalogue knows them (no defaults). */
export function suggestionFor(hints: { modality?: string; site?: string }): {
  modality?: string;
  site?: string;
} {
  const modality = resolveModality(hints.modality);
  if (!modality) return {};
  // A modality the catalogue lists with a single site (OCT: retinal) needs no site hint.
  const sites = sitesFor(modality);
  return { modality, site: resolveSite(modality, hints.site) ?? (sites.length === 1 ? sites[0] : undefined) };
}

/** Modality and site to start with: the image's suggestion when the catalogue knows it. */
export function initialChoice(suggestion: { modality?: string; site?: string }): {
  modality: string;
  site: string;
} {
  const modality = resolveModality(suggestion.modality) ?? CATALOGUE_MODALITIES[0];
  const site = resolveSite(modality, suggestion.site) ?? sitesFor(modality)[0] ?? '';
  return { modality, site };
}

/** How sure a guess from the pixels is, in words: "fairly sure, 70%", "unsure, 35%", "a weak guess, 25%". */
export function confidenceWords(confidence: number): string {
  const pct = `${Math.round(confidence * 100)}%`;
  if (confidence >= 0.6) return l10n.t('fairly sure, {0}', pct);
  if (confidence >= 0.35) return l10n.t('unsure, {0}', pct);
  return l10n.t('a weak guess, {0}', pct);
}
