/**
 * The words of the "what leaves this machine" confirmation, kept apart from the dialog (no
 * `vscode` here) so they are unit-tested.
 * Localized with @vscode/l10n (configured from vscode.l10n.bundle at activation), and built on
 * each call so the bundle is in place before the first text is made.
 */
import * as l10n from '@vscode/l10n';

/**
 * Images that carry no DICOM tags: nothing says whether text is burned into their pixels (DICOM
 * has BurnedInAnnotation; a PNG, a JPEG or a NIfTI file has nothing of the kind).
 */
export function hasNoDicomTags(image: { format: string }): boolean {
  return image.format !== 'dicom';
}

/** What the confirmation adds for an image without DICOM tags. */
export function untaggedNote(): string {
  return l10n.t(
    'This image has no DICOM tags, so nothing marks text burned into it: photos, screenshots and exported frames (an endoscopy or ultrasound frame, a scanned slide) often show a name, birth date or record number in the pixels, and all pixels are sent. Look at the whole image first.',
  );
}

/** A file that is an ordinary picture by its name (PNG, JPEG, TIFF, BMP, WebP): no DICOM tags. */
export function isUntaggedRasterName(file: string): boolean {
  return /\.(png|jpe?g|tiff?|bmp|webp)$/i.test(file);
}

export interface PrivacyDetailOptions {
  /** Bytes of one model input PNG, when known. */
  sampleBytes?: number;
  /** The image to be sent has no DICOM tags (a photo, a screenshot, an exported frame). */
  untagged?: boolean;
}

/** The dialog's detail text. */
export function privacyDetail(options: PrivacyDetailOptions = {}): string {
  const size = options.sampleBytes
    ? l10n.t(' (about {0} kB per image)', Math.round(options.sampleBytes / 1024))
    : '';
  const parts = [
    l10n.t(
      'What leaves this machine: a 1024×1024 PNG of pixel values{0} and the prompt text. No DICOM tags, file names or other metadata are sent. Make sure the pixels show no patient identity (burned-in text).',
      size,
    ),
  ];
  if (options.untagged) parts.push(untaggedNote());
  parts.push(
    l10n.t(
      'MedImageParse is for research use only and not for clinical use: its output must not inform diagnosis or treatment.',
    ),
  );
  return parts.join(' ');
}

/**
 * The workspace-state key of a confirmation: once per endpoint, and once more for images without
 * DICOM tags, so the first photo sent still gets the paragraph about burned-in identity even when
 * DICOM files were confirmed before.
 */
export function privacyConfirmationKey(endpointName: string, untagged: boolean): string {
  return `medimageparse.privacyConfirmed.${endpointName}${untagged ? '.untagged' : ''}`;
}
