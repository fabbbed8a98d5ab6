import { findComponents, type ComponentsResult } from './components';
import { assessTarget, type TargetAssessment } from './pvalue';

/** Everything the viewer and the report show for one target. */
export interface TargetAnalysis extends TargetAssessment {
  target: string;
  detection: ComponentsResult;
}

/**
 * Detection and validity of several targets predicted on one model input: the components of
 * each probability map (in the maps' geometry) and its invalid-prompt verdict.
 *
 * @param image  model-input image (1, 3 or 4 interleaved channels, width × height pixels)
 * @param masks  target → probability map (0–255), width × height each
 */
export function analyzeTargets(
  image: ArrayLike<number>,
  masks: ReadonlyMap<string, Uint8Array> | Readonly<Record<string, Uint8Array>>,
  width: number,
  height: number,
  options: {
    modalityKey?: string;
    pThreshold?: number;
    threshold?: number;
    pixelSpacing?: readonly [number, number];
  } = {},
): TargetAnalysis[] {
  const entries =
    masks instanceof Map ? [...masks.entries()] : Object.entries(masks as Record<string, Uint8Array>);
  return entries.map(([target, mask]) => ({
    target,
    ...assessTarget(image, mask, options.modalityKey, target, { pThreshold: options.pThreshold }),
    detection: findComponents(mask, width, height, {
      threshold: options.threshold,
      pixelSpacing: options.pixelSpacing,
    }),
  }));
}
