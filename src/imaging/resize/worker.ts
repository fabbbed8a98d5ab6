/**
 * The resize worker (node:worker_threads): does the halves of a job it manages to claim (see
 * protocol.ts and parallel.ts). Bundled as dist/imaging-worker.js; under tsx it runs this file.
 */
import { parentPort } from 'node:worker_threads';
import { resizeColumns, resizeRows } from './bspline';
import {
  cell,
  COLUMNS_CELL,
  DONE,
  OPEN,
  ROWS_CELL,
  ROWS_DONE_CELL,
  WORKER,
  type ResizeJob,
} from './protocol';

/** How long the worker waits for the main thread's half of the rows before giving the job up. */
const ROWS_WAIT_MS = 60_000;

function run(job: ResizeJob): void {
  const { control, job: id } = job;
  const plan = job.plan;
  if (Atomics.compareExchange(control, ROWS_CELL, cell(id, OPEN), cell(id, WORKER)) === cell(id, OPEN)) {
    resizeRows(plan, job.out, job.rows, job.coefficients, job.rowsFrom, job.rowsTo);
    Atomics.store(control, ROWS_CELL, cell(id, DONE));
    Atomics.notify(control, ROWS_CELL);
  }
  if (job.columnsTo <= job.columnsFrom || Atomics.load(control, COLUMNS_CELL) !== cell(id, OPEN)) return;
  const deadline = Date.now() + ROWS_WAIT_MS;
  for (;;) {
    const done = Atomics.load(control, ROWS_DONE_CELL);
    if (done === id) break;
    if (Atomics.load(control, COLUMNS_CELL) !== cell(id, OPEN)) return; // the main thread took it
    const left = deadline - Date.now();
    if (left <= 0) return;
    Atomics.wait(control, ROWS_DONE_CELL, done, left);
  }
  if (Atomics.compareExchange(control, COLUMNS_CELL, cell(id, OPEN), cell(id, WORKER)) === cell(id, OPEN)) {
    resizeColumns(plan, job.out, job.rows, job.coefficients, job.columnsFrom, job.columnsTo);
    Atomics.store(control, COLUMNS_CELL, cell(id, DONE));
    Atomics.notify(control, COLUMNS_CELL);
  }
}

parentPort?.on('message', (job: ResizeJob) => run(job));
parentPort?.postMessage('ready');
