import type { SourceImage } from '../imaging';
import { positivePercentiles } from '../imaging/modelInput/intensity';
import { isWindowed } from '../shared/windowed';

/** The display window the viewer starts with, [lower, upper] in the image's own values. */
export interface ViewerWindow {
  lower: number;
  upper: number;
}

/**
 * The viewer's starting window. A high-bit-depth raster image has no window of its own and its
 * full range is usually dominated by a few extreme pixels (burned-in markers, collimator edges),
 * so it starts at the 0.5–99.5 percentiles of its positive values, the bounds the model input
 * uses for it (see resolveIntensity: 'auto' → percentile). Everything else keeps the decoder's
 * window (DICOM WindowCenter/Width, else the value range).
 */
export function viewerDefaultWindow(image: SourceImage): ViewerWindow | undefined {
  if (image.format === 'raster' && isWindowed(image) && image.pixels instanceof Float32Array) {
    const bounds = positivePercentiles(image.pixels, [0.5, 99.5]);
    if (bounds && bounds[1] > bounds[0]) return { lower: bounds[0], upper: bounds[1] };
  }
  return image.defaultWindow;
}
