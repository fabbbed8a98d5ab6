/**
 * The evaluation worker (node:worker_threads): scores the images it is sent, one at a time, and
 * posts back their pairs and skipped targets (see parallel.ts). Bundled as
 * dist/evaluate-worker.js; under tsx it runs this file.
 */
import { parentPort } from 'node:worker_threads';
import { evaluateImage, type ImageJob, type PairResult, type Skipped } from './evaluate';
import { MaskCache } from './loadMask';

export interface WorkerJob {
  index: number;
  job: ImageJob;
}

export interface WorkerAnswer {
  index: number;
  pairs: PairResult[];
  skipped: Skipped[];
}

parentPort?.on('message', (message: WorkerJob) => {
  void (async () => {
    const pairs: PairResult[] = [];
    const skipped: Skipped[] = [];
    const cache = new MaskCache();
    await evaluateImage(message.job.predImage, message.job.truthTargets, cache, pairs, skipped);
    const answer: WorkerAnswer = { index: message.index, pairs, skipped };
    parentPort!.postMessage(answer);
  })();
});
parentPort?.postMessage('ready');
