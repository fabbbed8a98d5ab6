/**
 * The recommended-targets catalogue of the MedImageParse model card, organised
 * modality → site → targets, and the small helpers around it.
 *
 * Imported by the webview bundle too: no Node imports, no DOM, data and pure functions only.
 * Spellings are the model's own ("public symphysis" is how the model was trained), so never
 * "fix" them: the text sent to the endpoint must match what the model learnt.
 */

/** modality → site → targets, exactly as the model card lists them. */
export const RECOMMENDED_TARGETS = {
  CT: {
    abdomen: [
      'adrenal gland',
      'aorta',
      'bladder',
      'duodenum',
      'esophagus',
      'gallbladder',
      'kidney',
      'kidney cyst',
      'kidney tumor',
      'left adrenal gland',
      'left kidney',
      'liver',
      'pancreas',
      'postcava',
      'right adrenal gland',
      'right kidney',
      'spleen',
      'stomach',
      'tumor',
    ],
    colon: ['tumor'],
    liver: ['liver', 'tumor'],
    lung: ['COVID-19 infection', 'nodule'],
    pelvis: ['uterus'],
  },
  'MRI-FLAIR': {
    brain: ['edema', 'lower-grade glioma', 'tumor', 'tumor core', 'whole tumor'],
  },
  'MRI-T1-Gd': {
    brain: ['enhancing tumor', 'tumor core'],
  },
  'MRI-T2': {
    prostate: ['prostate peripheral zone', 'prostate transitional zone'],
  },
  MRI: {
    abdomen: [
      'aorta',
      'esophagus',
      'gallbladder',
      'kidney',
      'left kidney',
      'liver',
      'pancreas',
      'postcava',
      'right kidney',
      'spleen',
      'stomach',
    ],
    brain: ['anterior hippocampus', 'posterior hippocampus'],
    heart: ['left heart atrium', 'left heart ventricle', 'myocardium', 'right heart ventricle'],
    prostate: ['prostate'],
  },
  OCT: {
    retinal: ['edema'],
  },
  'X-Ray': {
    chest: ['COVID-19 infection', 'left lung', 'lung', 'lung opacity', 'right lung', 'viral pneumonia'],
  },
  dermoscopy: {
    skin: ['lesion', 'melanoma'],
  },
  endoscope: {
    colon: ['neoplastic polyp', 'non-neoplastic polyp', 'polyp'],
  },
  fundus: {
    retinal: ['optic cup', 'optic disc'],
  },
  pathology: {
    bladder: ['neoplastic cells'],
    breast: ['epithelial cells', 'neoplastic cells'],
    cervix: ['neoplastic cells'],
    colon: ['glandular structure', 'neoplastic cells'],
    esophagus: ['neoplastic cells'],
    kidney: ['neoplastic cells'],
    liver: ['epithelial cells', 'neoplastic cells'],
    ovarian: ['epithelial cells', 'neoplastic cells'],
    prostate: ['neoplastic cells'],
    skin: ['neoplastic cells'],
    stomach: ['neoplastic cells'],
    testis: ['epithelial cells'],
    thyroid: ['epithelial cells', 'neoplastic cells'],
    uterus: ['neoplastic cells'],
  },
  ultrasound: {
    breast: ['benign tumor', 'malignant tumor', 'tumor'],
    heart: ['left heart atrium', 'left heart ventricle'],
    transperineal: ['fetal head', 'public symphysis'],
  },
} as const satisfies Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;

export type CatalogueModality = keyof typeof RECOMMENDED_TARGETS;

/** Modality keys of the reference's per-key target lists and p-value distributions. */
export const MODALITY_KEYS = [
  'CT-Abdomen',
  'CT-Chest',
  'CT-Liver',
  'MRI-Abdomen',
  'MRI-Cardiac',
  'MRI-FLAIR-Brain',
  'MRI-T1-Gd-Brain',
  'Pathology',
  'X-Ray-Chest',
  'Ultrasound-Cardiac',
  'Endoscopy',
  'Fundus',
  'Dermoscopy',
  'OCT',
] as const;

export type ModalityKey = (typeof MODALITY_KEYS)[number];

/** Window names the imaging stage knows (HU ranges live there); one per CT site of the catalogue. */
export type CtWindowName = 'abdomen' | 'lung' | 'pelvis' | 'liver' | 'colon' | 'pancreas';

const CT_WINDOW_BY_SITE: Readonly<Record<string, CtWindowName>> = {
  abdomen: 'abdomen',
  colon: 'colon',
  liver: 'liver',
  lung: 'lung',
  chest: 'lung',
  pelvis: 'pelvis',
  pancreas: 'pancreas',
};

/** The CT intensity window for a catalogue site (e.g. 'lung' → 'lung'); undefined when none fits. */
export function ctWindowForSite(site: string): CtWindowName | undefined {
  return CT_WINDOW_BY_SITE[site.trim().toLowerCase()];
}

// (modality, site) → key. Pairs not listed have no reference list/distribution, on purpose:
// guessing a neighbouring key would judge a target against the wrong population.
const KEY_BY_MODALITY_SITE: Readonly<Record<string, Readonly<Record<string, ModalityKey>>>> = {
  ct: { abdomen: 'CT-Abdomen', lung: 'CT-Chest', chest: 'CT-Chest', liver: 'CT-Liver' },
  mri: { abdomen: 'MRI-Abdomen', heart: 'MRI-Cardiac', cardiac: 'MRI-Cardiac' },
  'mri-flair': { brain: 'MRI-FLAIR-Brain' },
  'mri-t1-gd': { brain: 'MRI-T1-Gd-Brain' },
  'x-ray': { chest: 'X-Ray-Chest' },
  ultrasound: { heart: 'Ultrasound-Cardiac', cardiac: 'Ultrasound-Cardiac' },
  endoscope: { colon: 'Endoscopy' },
  endoscopy: { colon: 'Endoscopy' },
  fundus: { retinal: 'Fundus' },
  dermoscopy: { skin: 'Dermoscopy' },
  oct: { retinal: 'OCT' },
};

/**
 * The modality key (CT-Abdomen, X-Ray-Chest, Pathology…) for what the user picked in the viewer,
 * or undefined when the reference has no list for that pair. Case-insensitive.
 * Every pathology site maps to 'Pathology' (the reference has one pathology population).
 */
export function modalityKeyFor(modality: string, site: string): ModalityKey | undefined {
  const m = modality.trim().toLowerCase();
  if (m === 'pathology') return 'Pathology';
  return KEY_BY_MODALITY_SITE[m]?.[site.trim().toLowerCase()];
}

// key → the catalogue modality and site it stands for (the inverse of the table above).
const MODALITY_SITE_BY_KEY: Readonly<Record<ModalityKey, { modality: string; site?: string }>> = {
  'CT-Abdomen': { modality: 'CT', site: 'abdomen' },
  'CT-Chest': { modality: 'CT', site: 'lung' },
  'CT-Liver': { modality: 'CT', site: 'liver' },
  'MRI-Abdomen': { modality: 'MRI', site: 'abdomen' },
  'MRI-Cardiac': { modality: 'MRI', site: 'heart' },
  'MRI-FLAIR-Brain': { modality: 'MRI-FLAIR', site: 'brain' },
  'MRI-T1-Gd-Brain': { modality: 'MRI-T1-Gd', site: 'brain' },
  Pathology: { modality: 'pathology' },
  'X-Ray-Chest': { modality: 'X-Ray', site: 'chest' },
  'Ultrasound-Cardiac': { modality: 'ultrasound', site: 'heart' },
  Endoscopy: { modality: 'endoscope', site: 'colon' },
  Fundus: { modality: 'fundus', site: 'retinal' },
  Dermoscopy: { modality: 'dermoscopy', site: 'skin' },
  OCT: { modality: 'OCT', site: 'retinal' },
};

/** The modality key spelt as given, in its own spelling (case-insensitive), or undefined. */
export function resolveModalityKey(text: string): ModalityKey | undefined {
  const key = text.trim().toLowerCase();
  return MODALITY_KEYS.find((k) => k.toLowerCase() === key);
}

/** The catalogue modality and site of a modality key (for the CT window and the report). */
export function modalityForKey(key: ModalityKey): { modality: string; site?: string } {
  return MODALITY_SITE_BY_KEY[key];
}

/** Target names joined the way the endpoint expects several descriptions in one row: 'a & b'. */
export function promptText(targets: readonly string[]): string {
  return targets.map((t) => t.trim()).join(' & ');
}

/**
 * The model card's long form, "<target> in <site> <modality>" (e.g. "neoplastic cells in breast
 * pathology"). Not sent by default: target names alone are what the p-value distributions and
 * recognition lists are keyed on.
 */
export function suggestedPrompt(target: string, site: string, modality: string): string {
  return `${target} in ${site} ${modality}`;
}

/** Sites the catalogue lists for a modality (empty for unknown modalities). */
export function sitesFor(modality: string): string[] {
  const sites = (RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>)[modality];
  return sites ? Object.keys(sites) : [];
}

/** Recommended targets for a modality and site (empty when the pair is not in the catalogue). */
export function targetsFor(modality: string, site: string): readonly string[] {
  const sites = (RECOMMENDED_TARGETS as Record<string, Record<string, readonly string[]>>)[modality];
  return sites?.[site] ?? [];
}
