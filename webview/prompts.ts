/**
 * Prompt picking logic: catalogue look-ups, suggestions from the image, search, the exact text
 * that will be sent. Pure; the picker view renders what these return.
 */
import { CATALOGUE_MODALITIES } from '../src/shared/suggestion';
import { targetDistribution } from '../src/analysis/targetDist';
import { modalityKeyFor, promptText, sitesFor, targetsFor } from '../src/shared/targets';
import * as l10n from '@vscode/l10n';

export const MAX_PROMPTS = 64;
export const MAX_PROMPT_LENGTH = 500;

export { CATALOGUE_MODALITIES, initialChoice, resolveModality, resolveSite } from '../src/shared/suggestion';

export function isRecommended(target: string, modality: string, site: string): boolean {
  const t = target.trim().toLowerCase();
  return targetsFor(modality, site).some((r) => r.toLowerCase() === t);
}

/** Selected targets that the model card does not list for this modality and site. */
export function offListTargets(selection: readonly string[], modality: string, site: string): string[] {
  return selection.filter((t) => !isRecommended(t, modality, site));
}

/**
 * Whether a target's result will be checked for validity (a p-value, "valid" or "likely absent")
 * when run as this modality and site: exactly when the analysis has a reference distribution for
 * it under the modality key (src/analysis/pvalue.ts assessTarget), whatever the catalogue lists.
 */
export function validityCheckable(target: string, modality: string, site: string): boolean {
  const key = modalityKeyFor(modality, site);
  return key !== undefined && targetDistribution(key, target) !== undefined;
}

const quoteList = (targets: readonly string[]) => targets.map((t) => `“${t}”`).join(', ');

/**
 * What the picker says about the selection before a run: targets the catalogue does not list
 * here, and which targets' results will (or will not) be checked for validity. One truth with
 * the legend after the run, which shows the analysis' verdict: both ask validityCheckable's
 * question. Empty when there is nothing to say.
 */
export function selectionNote(selection: readonly string[], modality: string, site: string): string {
  const off = offListTargets(selection, modality, site);
  const unchecked = selection.filter((t) => !validityCheckable(t, modality, site));
  const parts: string[] = [];
  if (off.length > 0) {
    const offChecked = off.filter((t) => validityCheckable(t, modality, site));
    parts.push(
      off.length === 1
        ? l10n.t(
            '{0} is not in the recommended list for {1} · {2}. You can still run it; results may be less reliable.',
            quoteList(off),
            modality,
            site,
          )
        : l10n.t(
            '{0} are not in the recommended list for {1} · {2}. You can still run them; results may be less reliable.',
            quoteList(off),
            modality,
            site,
          ),
    );
    if (offChecked.length > 0)
      parts.push(
        offChecked.length === 1
          ? l10n.t(
              '{0} is still checked for validity (p-value against the {1} reference).',
              quoteList(offChecked),
              modalityKeyFor(modality, site) ?? '',
            )
          : l10n.t(
              '{0} are still checked for validity (p-value against the {1} reference).',
              quoteList(offChecked),
              modalityKeyFor(modality, site) ?? '',
            ),
      );
  }
  if (unchecked.length > 0) {
    const key = modalityKeyFor(modality, site);
    const one = unchecked.length === 1;
    const list = quoteList(unchecked);
    parts.push(
      key
        ? one
          ? l10n.t(
              '{0} cannot be checked for validity: the {1} reference has no distribution for it; its legend says “not assessed”.',
              list,
              key,
            )
          : l10n.t(
              '{0} cannot be checked for validity: the {1} reference has no distribution for them; their legend says “not assessed”.',
              list,
              key,
            )
        : one
          ? l10n.t(
              '{0} cannot be checked for validity: {1} · {2} has no reference distributions; its legend says “not assessed”.',
              list,
              modality,
              site,
            )
          : l10n.t(
              '{0} cannot be checked for validity: {1} · {2} has no reference distributions; their legend says “not assessed”.',
              list,
              modality,
              site,
            ),
    );
  }
  return parts.join(' ');
}

/**
 * The free-text field's placeholder: an example the catalogue lists for this modality and site
 * (its longest name, the most telling), never a made-up one.
 */
export function freeTextPlaceholder(modality: string, site: string): string {
  const listed = targetsFor(modality, site);
  const example = listed.reduce<string | undefined>((a, t) => (!a || t.length > a.length ? t : a), undefined);
  return example ? l10n.t('Other target, e.g. {0}', example) : l10n.t('Other target');
}

export interface SearchHit {
  target: string;
  /** Where the catalogue lists it. */
  places: { modality: string; site: string }[];
}

/**
 * Catalogue targets whose name (or modality/site) contains every word of the query, one hit per
 * target name so each appears once in the list.
 */
export function searchCatalogue(query: string): SearchHit[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [];
  const hits = new Map<string, SearchHit>();
  for (const modality of CATALOGUE_MODALITIES) {
    for (const site of sitesFor(modality)) {
      for (const target of targetsFor(modality, site)) {
        const hay = `${target} ${modality} ${site}`.toLowerCase();
        if (!words.every((w) => hay.includes(w))) continue;
        const hit = hits.get(target) ?? { target, places: [] };
        hit.places.push({ modality, site });
        hits.set(target, hit);
      }
    }
  }
  return [...hits.values()].sort((a, b) => a.target.localeCompare(b.target));
}

/**
 * Adds free text to the selection. '&' separates descriptions on the wire, so text containing it
 * becomes several prompts; duplicates (case-insensitive) are skipped.
 */
export function addPrompts(selection: readonly string[], text: string): string[] {
  const out = [...selection];
  for (const part of text.split('&')) {
    const t = part.trim().replace(/\s+/g, ' ');
    if (!t || t.length > MAX_PROMPT_LENGTH || out.length >= MAX_PROMPTS) continue;
    if (!out.some((s) => s.toLowerCase() === t.toLowerCase())) out.push(t);
  }
  return out;
}

export function removePrompt(selection: readonly string[], target: string): string[] {
  return selection.filter((s) => s.toLowerCase() !== target.toLowerCase());
}

export function toggleTarget(selection: readonly string[], target: string): string[] {
  return selection.some((s) => s.toLowerCase() === target.toLowerCase())
    ? removePrompt(selection, target)
    : addPrompts(selection, target);
}

/** Exactly what the `run` message will carry as text, e.g. 'liver & kidney'. */
export function previewText(selection: readonly string[]): string {
  return promptText(selection);
}

/** A stable, attribute-safe slug for test ids ('left kidney' → 'left-kidney'). */
export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'item'
  );
}
