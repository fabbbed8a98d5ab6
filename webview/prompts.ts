/**
 * Prompt picking logic: catalogue look-ups, suggestions from the image, search, the exact text
 * that will be sent. Pure; the picker view renders what these return.
 */
import { CATALOGUE_MODALITIES } from '../src/shared/suggestion';
import { promptText, sitesFor, targetsFor } from '../src/shared/targets';

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
