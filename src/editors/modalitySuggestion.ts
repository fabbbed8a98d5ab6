import type { SourceImage } from '../imaging';
import { guessModality } from '../imaging/guessModality';
import type { ImageSuggestion } from '../shared/protocol';
import { suggestionFor } from '../shared/suggestion';

/** A modality and site the user chose for a file (remembered in the workspace). */
export interface ModalityChoice {
  modality: string;
  site: string;
}

/**
 * What to suggest for an image, first that applies: the user's own earlier choice for this file;
 * what its DICOM tags or file name say; a guess from its pixels (with how sure it is). Pure, so
 * the viewer and the explorer's Parse… agree and the order is unit-tested.
 */
export function suggestionForImage(image: SourceImage, remembered?: ModalityChoice): ImageSuggestion {
  if (remembered) return { modality: remembered.modality, site: remembered.site, source: 'remembered' };
  if (image.modalityHint) return { modality: image.modalityHint, site: image.bodyPartHint, source: 'file' };
  const guess = guessModality(image);
  if (!guess) return { site: image.bodyPartHint };
  const known = suggestionFor({ modality: guess.modality, site: image.bodyPartHint ?? guess.site });
  return {
    modality: known.modality ?? guess.modality,
    site: known.site ?? guess.site,
    source: 'image',
    confidence: guess.confidence,
    reason: guess.reason,
  };
}

export { confidenceWords } from '../shared/suggestion';
