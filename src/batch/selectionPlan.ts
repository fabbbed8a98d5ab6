/**
 * What each of several files picked in the explorer is parsed or recognized as. One quick pick
 * serves the whole selection, but a selection can mix modalities (a CT and a chest X-ray): each
 * file keeps the modality its own DICOM tags or file name give, and only files that say nothing
 * take the one the user picked. A recognition run with "each image's own modality" skips a file
 * that names none rather than borrowing another file's list.
 */
import { modalityKeyFor, type ModalityKey } from '../shared/targets';

export interface Hints {
  modality?: string;
  site?: string;
}

/** The modality and site a parse of one selected file is checked against, and where they came from. */
export function parseModalityFor(
  own: Hints,
  picked: Hints,
): { modality?: string; site?: string; from: 'file' | 'pick' } {
  if (own.modality) return { modality: own.modality, site: own.site, from: 'file' };
  return { modality: picked.modality, site: picked.site, from: 'pick' };
}

/** Recognition with each image's own modality key, or why a file cannot be recognized that way. */
export function ownRecognitionKey(
  fileName: string,
  own: Hints,
): { modalityKey: ModalityKey } | { skip: string } {
  const key = own.modality && own.site ? modalityKeyFor(own.modality, own.site) : undefined;
  if (key) return { modalityKey: key };
  return {
    skip: `${fileName}: its DICOM tags and file name name no modality with a recognition list; recognize it on its own and pick one`,
  };
}
