import { MODALITY_KEYS, RECOMMENDED_TARGETS, modalityKeyFor, type ModalityKey } from './targets';

/**
 * Suggests a catalogue modality and site from what a file says: the DICOM Modality and
 * BodyPartExamined, or words in its file name ("06_CT_abdomen.png", "chest_xray.jpg").
 * A suggestion only: the user always picks.
 */
export function guessModalitySite(hints: { modality?: string; bodyPart?: string; fileName?: string }): {
  modality?: string;
  site?: string;
} {
  const text = [hints.modality, hints.bodyPart, hints.fileName]
    .filter(Boolean)
    .join(' ')
    .toLowerCase()
    .replace(/[_\-.+]+/g, ' ');
  const words = new Set(text.split(/\s+/));
  const has = (...w: string[]) => w.some((x) => words.has(x) || (x.includes(' ') && text.includes(x)));
  let modality: string | undefined;
  const dicomModality = hints.modality?.toUpperCase();
  if (dicomModality === 'CT' || has('ct')) modality = 'CT';
  else if (dicomModality === 'MR' || has('mri', 'mr'))
    modality = has('flair') ? 'MRI-FLAIR' : has('t1', 'gd') ? 'MRI-T1-Gd' : has('t2') ? 'MRI-T2' : 'MRI';
  else if (['CR', 'DX', 'DR'].includes(dicomModality ?? '') || has('xray', 'x ray', 'cxr', 'radiograph'))
    modality = 'X-Ray';
  else if (dicomModality === 'US' || has('ultrasound', 'us', 'echo', 'camus')) modality = 'ultrasound';
  else if (dicomModality === 'SM' || has('pathology', 'histology', 'he', 'wsi')) modality = 'pathology';
  else if (dicomModality === 'ES' || has('endoscope', 'endoscopy', 'colonoscopy', 'polyp'))
    modality = 'endoscope';
  else if (has('dermoscopy', 'skin', 'lesion', 'isic')) modality = 'dermoscopy';
  else if (has('fundus')) modality = 'fundus';
  else if (dicomModality === 'OPT' || has('oct', 'dme')) modality = 'OCT';
  if (!modality) return {};
  const sites = Object.keys(
    (RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>)[modality] ?? {},
  );
  const site =
    sites.find((s) => words.has(s)) ??
    (has('chest', 'thorax') && sites.includes('lung') ? 'lung' : undefined) ??
    (has('chest') && sites.includes('chest') ? 'chest' : undefined) ??
    (has('cardiac', 'heart', 'echo', 'camus') && sites.includes('heart') ? 'heart' : undefined) ??
    (sites.length === 1 ? sites[0] : undefined);
  return { modality, site };
}

/** The modality key for a guess, if the reference has one. */
export function guessModalityKey(hints: {
  modality?: string;
  bodyPart?: string;
  fileName?: string;
}): ModalityKey | undefined {
  const { modality, site } = guessModalitySite(hints);
  return modality && site ? modalityKeyFor(modality, site) : undefined;
}

export { MODALITY_KEYS };
