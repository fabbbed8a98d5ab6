import rawTargetDist from './target_dist.json';

/** Beta(a, b) parameters of the four mask statistics for one target (the reference's target_dist.json). */
export type BetaParams = readonly [number, number];
export type TargetDistribution = readonly [BetaParams, BetaParams, BetaParams, BetaParams];

const TARGET_DIST = rawTargetDist as unknown as Readonly<
  Record<string, Readonly<Record<string, TargetDistribution>>>
>;

/** The reference distribution of a target under a modality key, or undefined when it has none. */
export function targetDistribution(modalityKey: string, target: string): TargetDistribution | undefined {
  // Own-property lookups only: a target named "constructor" must not find Object.prototype.
  if (!Object.prototype.hasOwnProperty.call(TARGET_DIST, modalityKey)) return undefined;
  const byTarget = TARGET_DIST[modalityKey];
  if (!Object.prototype.hasOwnProperty.call(byTarget, target)) return undefined;
  return byTarget[target];
}

/** Modality keys that have reference distributions. */
export function distributionKeys(): string[] {
  return Object.keys(TARGET_DIST);
}

/** Targets with a reference distribution under a modality key (empty for unknown keys). */
export function distributionTargets(modalityKey: string): string[] {
  return Object.prototype.hasOwnProperty.call(TARGET_DIST, modalityKey)
    ? Object.keys(TARGET_DIST[modalityKey])
    : [];
}
