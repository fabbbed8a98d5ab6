import * as path from 'node:path';
import { compareMasks, type MaskDims, type PairMetrics } from '../analysis/metrics';
import { discoverMasks, type MaskedImage, type MaskRef } from './discover';
import { loadMask, MaskCache, type LoadedMask } from './loadMask';
import { evaluateInWorkers } from './parallel';

/**
 * Evaluation of predictions against ground truth: pairs each predicted image with the truth of
 * the same stem and each predicted target with the truth's target of the same name, and computes
 * the metrics of every pair. Pairs that cannot be made (no truth for a target, a target not
 * predicted, grids that differ) are listed with the reason, never silently dropped.
 */

export interface PairResult {
  /** The image as the user knows it (source file name, else stem). */
  image: string;
  target: string;
  /** Modality key from the prediction's report, 'unknown' otherwise. */
  modality: string;
  metrics: PairMetrics;
  /** Null: prompted and nothing found (an empty prediction). */
  pred: MaskRef | null;
  truth: MaskRef;
  /** Grid of the pair ([width, height] or [x, y, slices]) and the spacing used, when known. */
  dims: number[];
  spacing?: number[];
  /** The source image, for thumbnails. */
  sourceFile?: string;
  /** The prediction's grid placement, to read a DICOM SEG truth again. */
  affine?: number[][];
  sopInstanceUid?: string;
}

export interface Skipped {
  image: string;
  target?: string;
  reason: string;
}

export interface Evaluation {
  pred: string;
  truth: string;
  pairs: PairResult[];
  skipped: Skipped[];
  /** Predicted images with no ground truth of the same stem. */
  predWithoutTruth: string[];
  /** Ground-truth images no prediction was made for (not an error: a truth folder may hold more). */
  truthWithoutPred: number;
  warnings: string[];
}

export interface EvaluateOptions {
  signal?: AbortSignal;
  onProgress?(done: number, total: number): void;
  /** Images evaluated at once in one thread (mask decoding overlaps the metrics); default 4. */
  concurrency?: number;
  /** Worker threads for many images (default: one per core; 1 keeps everything in this thread). */
  threads?: number;
}

export async function evaluateFolders(
  predFolder: string,
  truthFolder: string,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const pred = await discoverMasks(predFolder, { resultFoldersOnly: true });
  const truth = await discoverMasks(truthFolder);
  const warnings = [...pred.warnings, ...truth.warnings];
  if (pred.images.length === 0)
    throw new Error(
      `${path.resolve(predFolder)}: no predictions found (result folders <image>.medimageparse, or masks named <image stem>_<target>.png)`,
    );

  const truthByKey = new Map<string, MaskedImage[]>();
  for (const t of truth.images)
    for (const key of [t.key, ...t.aliases]) {
      const list = truthByKey.get(key) ?? [];
      list.push(t);
      truthByKey.set(key, list);
    }

  const skipped: Skipped[] = [];
  const predWithoutTruth: string[] = [];
  const usedTruth = new Set<MaskedImage>();
  const jobs: ImageJob[] = [];
  for (const p of pred.images) {
    const matches = [...new Set([p.key, ...p.aliases].flatMap((k) => truthByKey.get(k) ?? []))];
    if (matches.length === 0) {
      predWithoutTruth.push(p.image);
      continue;
    }
    const truthTargets = new Map<string, { name: string; mask: MaskRef }>();
    for (const t of matches) {
      usedTruth.add(t);
      for (const [k, v] of t.targets) {
        if (!v.mask) continue;
        if (truthTargets.has(k) && truthTargets.get(k)!.mask.file !== v.mask.file)
          warnings.push(
            `${p.image} · ${v.name}: ground truth in both ${truthTargets.get(k)!.mask.file} and ${v.mask.file}; using the first`,
          );
        else truthTargets.set(k, { name: v.name, mask: v.mask });
      }
    }
    for (const [k, v] of truthTargets)
      if (!p.targets.has(k)) skipped.push({ image: p.image, target: v.name, reason: 'not predicted' });
    jobs.push({ predImage: p, truthTargets });
  }

  const pairs: PairResult[] = [];
  let done = 0;
  // Many images: spread over worker threads; what they leave (or all, where workers do not
  // start) is scored here, a few images at once so that decoding overlaps the metrics.
  const inWorkers = await evaluateInWorkers(jobs, {
    signal: options.signal,
    threads: options.threads,
    onDone: () => options.onProgress?.(++done, jobs.length),
  });
  if (inWorkers) {
    pairs.push(...inWorkers.pairs);
    skipped.push(...inWorkers.skipped);
  }
  const here = inWorkers ? inWorkers.left : jobs;
  let next = 0;
  const worker = async () => {
    const cache = new MaskCache();
    while (next < here.length) {
      if (options.signal?.aborted) return;
      const job = here[next++];
      await evaluateImage(job.predImage, job.truthTargets, cache, pairs, skipped);
      cache.clear();
      options.onProgress?.(++done, jobs.length);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, 16)) }, worker));
  pairs.sort((a, b) => a.image.localeCompare(b.image) || a.target.localeCompare(b.target));
  skipped.sort((a, b) => a.image.localeCompare(b.image) || (a.target ?? '').localeCompare(b.target ?? ''));
  return {
    pred: path.resolve(predFolder),
    truth: path.resolve(truthFolder),
    pairs,
    skipped,
    predWithoutTruth,
    truthWithoutPred: truth.images.filter((t) => !usedTruth.has(t)).length,
    warnings,
  };
}

/** One predicted image and the ground truth of its targets: what a worker scores at a time. */
export interface ImageJob {
  predImage: MaskedImage;
  truthTargets: Map<string, { name: string; mask: MaskRef }>;
}

/** Scores every predicted target of one image against its truth into `pairs` / `skipped`. */
export async function evaluateImage(
  p: MaskedImage,
  truthTargets: Map<string, { name: string; mask: MaskRef }>,
  cache: MaskCache,
  pairs: PairResult[],
  skipped: Skipped[],
): Promise<void> {
  for (const [k, predTarget] of p.targets) {
    const truthTarget = truthTargets.get(k);
    if (!truthTarget) {
      skipped.push({ image: p.image, target: predTarget.name, reason: 'no ground truth for this target' });
      continue;
    }
    try {
      const { truthMask, predMask, spacing } = await loadPair(p, predTarget.mask, truthTarget.mask, cache);
      pairs.push({
        image: p.image,
        target: predTarget.name,
        modality: p.modality ?? 'unknown',
        metrics: compareMasks(predMask.mask, truthMask.mask, truthMask.dims as unknown as MaskDims, spacing, {
          pred: predMask.insideFrom,
          truth: truthMask.insideFrom,
        }),
        pred: predTarget.mask,
        truth: truthTarget.mask,
        dims: [...truthMask.dims],
        spacing,
        sourceFile: p.sourceFile,
        affine: p.affine,
        sopInstanceUid: p.sopInstanceUid,
      });
    } catch (error) {
      skipped.push({
        image: p.image,
        target: predTarget.name,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
}

/**
 * The two masks of a pair on one grid, and the spacing to measure with: the truth file's own
 * (a NIfTI's), else the prediction file's, else the prediction report's; none for plain PNGs,
 * where a pixel counts as 1.
 */
export async function loadPair(
  p: Pick<MaskedImage, 'spacing' | 'dims' | 'affine' | 'sopInstanceUid'>,
  predRef: MaskRef | null,
  truthRef: MaskRef,
  cache: MaskCache = new MaskCache(),
): Promise<{ predMask: LoadedMask; truthMask: LoadedMask; spacing?: number[] }> {
  const loadedPred = predRef ? await loadMask(predRef, cache) : undefined;
  // A DICOM SEG's frames are placed on the prediction's grid.
  const dims = loadedPred?.dims ?? p.dims;
  const truthMask = await loadMask(
    truthRef,
    cache,
    dims && { dims, affine: p.affine, sopInstanceUid: p.sopInstanceUid },
  );
  const predMask = loadedPred ?? {
    mask: new Uint8Array(truthMask.mask.length),
    dims: truthMask.dims,
    spacing: undefined,
    insideFrom: 1,
  };
  if (!predRef && p.dims && p.dims.join('×') !== truthMask.dims.join('×'))
    throw new Error(
      `the prediction is ${p.dims.join('×')} but the ground truth ${truthRef.file} is ${truthMask.dims.join('×')}`,
    );
  if (predMask.dims.join('×') !== truthMask.dims.join('×'))
    throw new Error(
      `${predRef!.file} is ${predMask.dims.join('×')} but the ground truth ${truthRef.file} is ${truthMask.dims.join('×')}`,
    );
  const spacing =
    truthMask.spacing ??
    predMask.spacing ??
    (p.spacing?.length === truthMask.dims.length ? p.spacing : undefined);
  return { predMask, truthMask, spacing };
}
