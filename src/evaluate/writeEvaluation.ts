import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFilesAtomic } from '../export/atomic';
import { compareThumbnail } from '../export/compareOverlay';
import {
  buildSummary,
  evaluationHtml,
  metricsCsv,
  type EvaluatedPair,
  type EvaluationSummary,
  type WorstCase,
} from '../export/evaluationReport';
import { openImage } from '../imaging/open';
import type { Evaluation, PairResult } from './evaluate';
import { loadPair } from './evaluate';
import { binaryOf } from './loadMask';

/** The files an evaluation writes into its output folder. */
export const EVALUATION_FILES = ['metrics.csv', 'summary.json', 'report.html'] as const;

export interface WriteEvaluationOptions {
  /** Replace the files of an earlier evaluation in the folder (refused otherwise). */
  overwrite?: boolean;
  /** Worst cases shown with thumbnails (default 12). */
  worstCases?: number;
  now?: Date;
}

export interface WrittenEvaluation {
  dir: string;
  files: string[];
  summary: EvaluationSummary;
  /** The report's data, for showing it elsewhere (a webview) with another CSP. */
  pairs: EvaluatedPair[];
  worst: WorstCase[];
}

export function evaluatedPairs(pairs: readonly PairResult[]): EvaluatedPair[] {
  return pairs.map((p) => ({
    image: p.image,
    target: p.target,
    modality: p.modality,
    metrics: p.metrics,
    dimensions: p.dims.length === 3 && p.dims[2] > 1 ? 3 : 2,
  }));
}

/**
 * Writes metrics.csv, summary.json and report.html into `outDir` (made if absent) as one unit.
 * Files of the user's own in the folder are left alone; an earlier evaluation's files are
 * replaced only with `overwrite`.
 */
export async function writeEvaluation(
  evaluation: Evaluation,
  outDir: string,
  options: WriteEvaluationOptions = {},
): Promise<WrittenEvaluation> {
  const dir = path.resolve(outDir);
  const stat = await fs.stat(dir).catch(() => undefined);
  if (stat && !stat.isDirectory()) throw new Error(`${dir}: exists and is not a folder`);
  if (stat && !options.overwrite) {
    const existing = (await fs.readdir(dir)).filter((n) =>
      (EVALUATION_FILES as readonly string[]).includes(n),
    );
    if (existing.length)
      throw new Error(
        `${dir} already holds ${existing.join(', ')} from an earlier evaluation; choose another folder or pass --overwrite to replace them`,
      );
  }
  for (const f of [evaluation.pred, evaluation.truth])
    if (path.resolve(f) === dir)
      throw new Error(`${dir}: the output folder must not be the predictions or ground-truth folder itself`);

  const pairs = evaluatedPairs(evaluation.pairs);
  const summary = buildSummary({ ...evaluation, pairs, now: options.now });
  const worst = await worstCases(evaluation.pairs, options.worstCases ?? 12);
  const files = [
    { path: path.join(dir, 'metrics.csv'), data: Buffer.from(metricsCsv(pairs), 'utf8') },
    {
      path: path.join(dir, 'summary.json'),
      data: Buffer.from(JSON.stringify(summary, null, 2) + '\n', 'utf8'),
    },
    { path: path.join(dir, 'report.html'), data: Buffer.from(evaluationHtml(summary, pairs, worst), 'utf8') },
  ];
  await fs.mkdir(dir, { recursive: true });
  await writeFilesAtomic(files);
  return { dir, files: files.map((f) => f.path), summary, pairs, worst };
}

/** The pairs with the lowest Dice (perfect ones, both-empty included, are never shown), with thumbnails. */
async function worstCases(pairs: readonly PairResult[], count: number): Promise<WorstCase[]> {
  const ranked = pairs
    .filter((p) => p.metrics.dice < 1)
    .sort((a, b) => a.metrics.dice - b.metrics.dice || (b.metrics.hd95 ?? 0) - (a.metrics.hd95 ?? 0))
    .slice(0, count);
  const out: WorstCase[] = [];
  for (const p of ranked) {
    const pair = evaluatedPairs([p])[0];
    try {
      const { predMask, truthMask } = await loadPair(
        { dims: p.dims, affine: p.affine, sopInstanceUid: p.sopInstanceUid },
        p.pred,
        p.truth,
      );
      const gray = p.sourceFile && p.dims.length === 2 ? await grayOf(p.sourceFile, p.dims) : undefined;
      const thumb = await compareThumbnail(binaryOf(predMask), binaryOf(truthMask), truthMask.dims, gray);
      out.push({ pair, thumbnailPng: thumb?.png, caption: thumb?.caption });
    } catch {
      // A thumbnail is a nicety: the case is still listed without one.
      out.push({ pair });
    }
  }
  return out;
}

/** The source image as one grey byte per pixel (its default window), when it still exists and fits. */
async function grayOf(file: string, dims: readonly number[]): Promise<Uint8Array | undefined> {
  try {
    const image = await openImage(file);
    if (image.width !== dims[0] || image.height !== dims[1]) return undefined;
    const n = image.width * image.height;
    const lo = image.defaultWindow?.lower ?? image.range.min;
    const hi = image.defaultWindow?.upper ?? image.range.max;
    const scale = hi > lo ? 255 / (hi - lo) : 0;
    const gray = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let v = 0;
      for (let c = 0; c < image.channels; c++) v += image.pixels[i * image.channels + c];
      v /= image.channels;
      gray[i] = Math.max(0, Math.min(255, Math.round((v - lo) * scale)));
    }
    return gray;
  } catch {
    return undefined;
  }
}
