/**
 * Analysis stage: turn probability maps into answers (where, how big, how many, is it there,
 * what is everything). Plain Node, no `vscode`.
 */
export {
  findComponents,
  DEFAULT_MASK_THRESHOLD,
  type BoundingBox,
  type Component,
  type ComponentOptions,
  type ComponentsResult,
} from './components';
export {
  adjustedPValue,
  assessTarget,
  maskStatistics,
  maskFound,
  DEFAULT_P_THRESHOLD,
  type TargetAssessment,
  type TargetStatus,
} from './pvalue';
export {
  recognize,
  recognitionTargets,
  planRecognitionPrompts,
  type PromptChunk,
  type RecognitionOptions,
  type RecognitionResult,
} from './recognition';
export { targetDistribution, distributionKeys, distributionTargets } from './targetDist';
export { analyzeTargets, type TargetAnalysis } from './analyze';
