export type {
  CtSite,
  DicomInfo,
  IntensitySpec,
  ModelInput,
  ModelInputGeometry,
  OpenOptions,
  SourceImage,
} from './types';
export { ImagingError } from './errors';
export { openImage } from './open';
export {
  parseIntensitySpec,
  CT_WINDOWS,
  CT_SITES,
  resolveIntensity,
  type ResolvedIntensity,
} from './modelInput/intensity';
export { prepareModelInput, modelInputPixels, type ModelInputOptions } from './modelInput/prepare';
export { maskToSource, modelToSource, sourceToModel, modelInputGeometry, MODEL_INPUT_SIZE } from './geometry';
