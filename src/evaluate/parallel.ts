import * as os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ImageJob, PairResult, Skipped } from './evaluate';
import type { WorkerAnswer } from './worker';
import { workerEntry } from '../runtime/workerEntry';

/**
 * The images of an evaluation spread over worker threads, one image at a time per worker, so
 * that decoding and scoring use every core (the calling thread only hands out images). The
 * results are the same as in one thread: each image is scored alone and the caller sorts.
 * Undefined when workers are not worth it or cannot start (one core, few images, no worker
 * file); the caller then scores in its own thread. Images a worker could not finish (it failed
 * or exited) are handed back in `left` for the caller to score.
 */

/** Below this many images the workers' start-up costs more than it saves. */
export const MIN_PARALLEL_IMAGES = 8;

export async function evaluateInWorkers(
  jobs: readonly ImageJob[],
  options: { signal?: AbortSignal; onDone?(): void; threads?: number },
): Promise<{ pairs: PairResult[]; skipped: Skipped[]; left: ImageJob[] } | undefined> {
  const threads = Math.min(options.threads ?? os.availableParallelism(), 8, Math.ceil(jobs.length / 4));
  if (jobs.length < MIN_PARALLEL_IMAGES || threads < 2 || process.env.MEDIMAGEPARSE_EVALUATE_WORKERS === '0')
    return undefined;
  const entry = workerEntry('evaluate-worker.js', __dirname);
  if (!entry) return undefined;
  const pairs: PairResult[] = [];
  const skipped: Skipped[] = [];
  const finished = new Set<number>();
  let next = 0;
  const runOne = (): Promise<void> =>
    new Promise((resolve) => {
      let worker: Worker;
      try {
        worker = new Worker(entry.code, { eval: entry.eval });
      } catch {
        resolve();
        return;
      }
      let current = -1;
      const stop = () => {
        options.signal?.removeEventListener('abort', stop);
        void worker.terminate();
        resolve();
      };
      const feed = () => {
        if (options.signal?.aborted || next >= jobs.length) return stop();
        current = next++;
        worker.postMessage({ index: current, job: jobs[current] });
      };
      options.signal?.addEventListener('abort', stop);
      worker.on('message', (m: WorkerAnswer | 'ready') => {
        if (m === 'ready') return feed();
        pairs.push(...m.pairs);
        skipped.push(...m.skipped);
        finished.add(m.index);
        options.onDone?.();
        feed();
      });
      // A worker that fails leaves its image (and the rest, if it was the last) to the caller.
      worker.on('error', stop);
      worker.on('exit', () => resolve());
    });
  await Promise.all(Array.from({ length: threads }, runOne));
  if (options.signal?.aborted) return { pairs, skipped, left: [] };
  return { pairs, skipped, left: jobs.filter((_j, i) => !finished.has(i)) };
}
