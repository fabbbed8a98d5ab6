import type { IntensitySpec, SourceImage } from '../imaging';
import { ctWindowForSite } from '../shared/targets';

/**
 * The model-input intensity for a run: CT images get the window of their site (a window named
 * in `windows`, first that names one, wins: the user's choice, then the configured one), other
 * images the automatic rule. Shared by the viewer, Parse Folder and the CLI.
 */
export function intensityForRun(
  image: SourceImage,
  modality: string | undefined,
  site: string | undefined,
  windows: readonly (string | undefined)[] = [],
): IntensitySpec {
  const isCT = (modality ?? image.modalityHint ?? '').toUpperCase() === 'CT';
  if (image.format === 'raster' || !isCT) return { kind: 'auto' };
  const window = [...windows.filter((w) => w !== 'auto'), site]
    .map((s) => (s ? ctWindowForSite(s) : undefined))
    .find((w) => w !== undefined);
  return { kind: 'ct', site: window ?? 'abdomen' };
}
