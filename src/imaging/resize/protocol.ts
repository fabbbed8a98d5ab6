import type { ResizeOutput, ResizePlan } from './bspline';

/**
 * The two-thread resize's job board, shared by the main thread and the worker. A job's two phases
 * (rows, then columns) each have a "far" half meant for the worker; whoever claims a half first
 * with compare-and-exchange does it, so a worker that is late, busy or gone never costs a wait,
 * and a stale message can never claim a newer job's half (cells hold job id × 4 + state).
 */
export const ROWS_CELL = 0;
export const COLUMNS_CELL = 1;
/** Set to the job id once both halves of the row phase are done: the columns may start. */
export const ROWS_DONE_CELL = 2;
export const CELLS = 3;

export const OPEN = 0;
export const WORKER = 1;
export const DONE = 2;
export const MAIN = 3;

export function cell(job: number, state: number): number {
  return ((job & 0x0fffffff) << 2) | state;
}

export interface ResizeJob {
  job: number;
  control: Int32Array;
  /** Planned once by the main thread (planning scans a padded source for its magnitude). */
  plan: ResizePlan;
  out: ResizeOutput;
  rows: Float64Array;
  coefficients: Float64Array;
  /** The worker's rows [rowsFrom, rowsTo) and output columns [columnsFrom, columnsTo). */
  rowsFrom: number;
  rowsTo: number;
  columnsFrom: number;
  columnsTo: number;
}
