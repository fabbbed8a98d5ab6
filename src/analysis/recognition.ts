import { adjustedPValue } from './pvalue';
import { promptText, type ModalityKey } from '../shared/targets';

/**
 * Recognition ("find everything") as the reference does it (BiomedParse
 * `interactive_infer_image_all`, `non_maxima_suppression`, `combine_masks`): prompt every target
 * a modality key knows, drop implausible ones by p-value, suppress overlapping ones, and combine
 * the rest into one label map.
 */

const ABDOMEN_TARGETS = [
  'postcava',
  'aorta',
  'right kidney',
  'left kidney',
  'duodenum',
  'pancreas',
  'liver',
  'spleen',
  'stomach',
  'gallbladder',
  'left adrenal gland',
  'right adrenal gland',
  'esophagus',
] as const;

/** The reference's per-key target lists, in its order (the order breaks ties, so keep it). */
const RECOGNITION_TARGETS: Readonly<Record<ModalityKey, readonly string[]>> = {
  'CT-Abdomen': ABDOMEN_TARGETS,
  'CT-Chest': ['nodule', 'COVID-19 infection', 'tumor'],
  'CT-Liver': ['vessel', 'tumor'],
  // The reference lists the same organs for abdominal MRI as for abdominal CT.
  'MRI-Abdomen': ABDOMEN_TARGETS,
  'MRI-Cardiac': ['left heart ventricle', 'myocardium', 'right heart ventricle'],
  'MRI-FLAIR-Brain': ['edema', 'tumor core'],
  'MRI-T1-Gd-Brain': ['enhancing tumor', 'non-enhancing tumor'],
  Pathology: ['connective tissue cells', 'inflammatory cells', 'neoplastic cells', 'epithelial cells'],
  'X-Ray-Chest': ['left lung', 'right lung'],
  'Ultrasound-Cardiac': ['left heart atrium', 'left heart ventricle'],
  Endoscopy: ['neoplastic polyp', 'non-neoplastic polyp'],
  Fundus: ['optic cup', 'optic disc'],
  Dermoscopy: ['lesion'],
  OCT: ['edema'],
};

/** Targets recognition prompts for a modality key (empty for keys it does not know). */
export function recognitionTargets(modalityKey: string): string[] {
  return Object.prototype.hasOwnProperty.call(RECOGNITION_TARGETS, modalityKey)
    ? [...RECOGNITION_TARGETS[modalityKey as ModalityKey]]
    : [];
}

/** One planned request row: the targets it asks for and the text sent ('a & b & c'). */
export interface PromptChunk {
  targets: string[];
  text: string;
}

/**
 * Splits a key's recognition targets into as few rows as allowed: chunks of at most
 * `maxPerRequest` prompts, in the reference's order.
 */
export function planRecognitionPrompts(modalityKey: string, maxPerRequest: number): PromptChunk[] {
  if (!Number.isInteger(maxPerRequest) || maxPerRequest < 1) {
    throw new Error(`prompts per request must be a positive integer, got ${maxPerRequest}`);
  }
  const targets = recognitionTargets(modalityKey);
  if (targets.length === 0) throw new Error(`no recognition targets for modality key '${modalityKey}'`);
  const chunks: PromptChunk[] = [];
  for (let i = 0; i < targets.length; i += maxPerRequest) {
    const part = targets.slice(i, i + maxPerRequest);
    chunks.push({ targets: part, text: promptText(part) });
  }
  return chunks;
}

export interface RecognitionOptions {
  modalityKey: string;
  /** Drop targets whose adjusted p-value is below this; no filtering when absent or 0 (as the reference). */
  pThreshold?: number;
}

export interface RecognitionResult {
  /** Names of the labels: label value i + 1 in `labelMap` is `labels[i]`; sorted by name. */
  labels: string[];
  /** One label value per pixel (0 background), same pixel count as the inputs. */
  labelMap: Uint8Array;
  /** Pixels per label name in `labelMap`. */
  areas: Record<string, number>;
  /** Adjusted p-value per input target (null: no reference distribution for it). */
  pValues: Record<string, number | null>;
  /** Targets that survived the p-value filter and overlap suppression, highest p-value first. */
  kept: string[];
  /** Targets dropped by the p-value filter. */
  rejected: string[];
  /** Targets skipped by overlap suppression or for an empty mask. */
  suppressed: string[];
  /** Kept targets the combination step discarded (too little of their area won). */
  discarded: string[];
}

// Probability thresholds on the 0–255 scale: p > 0.5 ⇔ v ≥ 128 and p > 0.1 ⇔ v ≥ 26 (v/255).
const HALF = 128;
const TENTH = 26;
/** combine_masks discards a target that wins less than this share of its own p > 0.1 area. */
const COMBINE_KEEP_SHARE = 0.6;

/**
 * Combines per-target probability maps (0–255, model-input geometry) into one label map the way
 * the reference does. `maps` may be a Map or a plain object; targets the key knows are visited in
 * the key's order, others after them in input order (order only matters to break exact ties).
 *
 * @param image model-input image (1, 3 or 4 interleaved channels) the maps were predicted on
 */
export function recognize(
  image: ArrayLike<number>,
  maps: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
  options: RecognitionOptions,
): RecognitionResult {
  const entries: [string, Uint8Array][] =
    maps instanceof Map ? [...maps.entries()] : Object.entries(maps as Record<string, Uint8Array>);
  if (entries.length === 0) throw new Error('recognition needs at least one probability map');
  const n = entries[0][1].length;
  for (const [name, m] of entries) {
    if (m.length !== n) throw new Error(`probability map '${name}' has ${m.length} values, expected ${n}`);
  }
  const order = recognitionTargets(options.modalityKey);
  const rank = (t: string) => {
    const i = order.indexOf(t);
    return i < 0 ? order.length : i;
  };
  entries.sort((a, b) => rank(a[0]) - rank(b[0]));

  // 1. p-values and the optional filter.
  const pValues: Record<string, number | null> = {};
  const rejected: string[] = [];
  let candidates: { name: string; map: Uint8Array; p: number | null }[] = [];
  for (const [name, map] of entries) {
    const p = adjustedPValue(image, map, options.modalityKey, name);
    pValues[name] = p;
    if (options.pThreshold && p !== null && p < options.pThreshold) {
      rejected.push(name);
      continue;
    }
    candidates.push({ name, map, p });
  }

  // 2. Overlap suppression, highest p-value first (stable; unassessable targets last).
  candidates = [...candidates].sort((a, b) => (b.p ?? -Infinity) - (a.p ?? -Infinity));
  const kept: { name: string; map: Uint8Array }[] = [];
  const suppressed: string[] = [];
  for (const c of candidates) {
    let area = 0;
    const overlap = new Array<number>(kept.length).fill(0);
    for (let i = 0; i < n; i++) {
      if (c.map[i] < HALF) continue;
      area++;
      for (let k = 0; k < kept.length; k++) if (kept[k].map[i] >= HALF) overlap[k]++;
    }
    if (area === 0 || overlap.some((o) => o > 0.5 * area)) {
      suppressed.push(c.name);
      continue;
    }
    kept.push({ name: c.name, map: c.map });
  }

  const { labelMap, labels, areas, discarded } = combine(kept, n);
  return { labels, labelMap, areas, pValues, kept: kept.map((k) => k.name), rejected, suppressed, discarded };
}

/** The reference's combine_masks over the kept maps (in kept order), then labels sorted by name. */
function combine(
  kept: readonly { name: string; map: Uint8Array }[],
  n: number,
): { labelMap: Uint8Array; labels: string[]; areas: Record<string, number>; discarded: string[] } {
  const t = kept.length;
  const area10 = new Float64Array(t);
  const sum10 = new Float64Array(t);
  const won = new Float64Array(t);
  const maps = kept.map((k) => k.map);
  // Who wins each p > 0.1 pixel among all kept maps (ties: the earlier one, as Python's stable sort).
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestV = -1;
    for (let k = 0; k < t; k++) {
      const v = maps[k][i];
      if (v < TENTH) continue;
      area10[k]++;
      sum10[k] += v;
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    if (best >= 0) won[best]++;
  }
  let mostConfident = -1;
  let bestMean = -Infinity;
  for (let k = 0; k < t; k++) {
    const mean = area10[k] > 0 ? sum10[k] / area10[k] : 0;
    if (mean > bestMean) {
      bestMean = mean;
      mostConfident = k;
    }
  }
  const active = new Array<boolean>(t);
  const discarded: string[] = [];
  for (let k = 0; k < t; k++) {
    active[k] = k === mostConfident || !(won[k] < COMBINE_KEEP_SHARE * area10[k]);
    if (!active[k]) discarded.push(kept[k].name);
  }

  const labels = kept
    .filter((_, k) => active[k])
    .map((k) => k.name)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  if (labels.length > 255) throw new Error(`too many labels for an 8-bit label map (${labels.length})`);
  const labelOf = kept.map((k, i) => (active[i] ? labels.indexOf(k.name) + 1 : 0));
  const labelMap = new Uint8Array(n);
  const counts = new Float64Array(labels.length + 1);
  for (let i = 0; i < n; i++) {
    let best = -1;
    let bestV = HALF - 1;
    for (let k = 0; k < t; k++) {
      if (!active[k]) continue;
      const v = maps[k][i];
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    if (best >= 0) {
      labelMap[i] = labelOf[best];
      counts[labelOf[best]]++;
    }
  }
  const areas: Record<string, number> = {};
  labels.forEach((name, i) => (areas[name] = counts[i + 1]));
  return { labelMap, labels, areas, discarded };
}
