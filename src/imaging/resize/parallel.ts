import { Worker } from 'node:worker_threads';
import {
  planResize,
  resizeAsPlanned,
  resizeColumns,
  resizeRows,
  startResize,
  type ByteOutput,
  type PlaneSource,
  type ResizeOutput,
  type ResizePlan,
} from './bspline';
import {
  cell,
  CELLS,
  COLUMNS_CELL,
  DONE,
  MAIN,
  OPEN,
  ROWS_CELL,
  ROWS_DONE_CELL,
  WORKER,
  type ResizeJob,
} from './protocol';
import { workerEntry } from '../../runtime/workerEntry';

/**
 * resizePlane on two threads: the main thread and one small persistent worker each take half of
 * the source rows (x pass), then half of the output columns (y pass). Both passes are independent
 * per row and per column respectively, so the result is bit-identical to resizePlane.
 *
 * The worker is optional. It is started on first use and never waited for: the job is posted,
 * the main thread does its own half, then claims the worker's half if the worker has not (still
 * starting, busy, gone) and does it too. It is unref'd (never keeps the process alive) and
 * terminated after IDLE_MS without work. If it cannot start, everything runs in this thread.
 * Synchronous like resizePlane: the main thread blocks (Atomics.wait) only while the worker is
 * actually computing a half it has claimed, which it would otherwise compute itself.
 */
/** Source planes smaller than this are resized in the calling thread. */
export const MIN_PARALLEL_PIXELS = 64 * 64;

export function resizePlaneParallel(
  source: PlaneSource,
  outWidth: number,
  outHeight: number,
  out: Float64Array,
): Float64Array {
  resizeParallel(source, outWidth, outHeight, out);
  return out;
}

/**
 * resizePlaneParallel straight to the model input's bytes (see ByteOutput). False, with nothing
 * written, when the plane's resize cannot write bytes (its y axis keeps its size: see planResize);
 * the caller then resizes to doubles.
 */
export function resizePlaneToBytesParallel(
  source: PlaneSource,
  outWidth: number,
  outHeight: number,
  out: Uint8Array,
  bytes: ByteOutput,
  /** False: all in this thread (see ModelInputOptions.resizeWorker). */
  useWorker = true,
): boolean {
  return resizeParallel(source, outWidth, outHeight, out, bytes, useWorker);
}

function resizeParallel(
  source: PlaneSource,
  outWidth: number,
  outHeight: number,
  out: ResizeOutput,
  bytes?: ByteOutput,
  useWorker = true,
): boolean {
  if (out.length !== outWidth * outHeight) throw new Error('resize output buffer has the wrong size');
  const inThisThread = (): boolean => {
    const plan = planResize(source, outWidth, outHeight, bytes);
    if (bytes && !plan.bytes) return false;
    resizeAsPlanned(plan, out);
    return true;
  };
  // The y pass writes 1024² outputs whatever the source size, so even a 512² CT gains from the
  // split: interleaved A/B runs (60 each) gave 39 vs 46 ms for the CT model input, 45 vs 50 for a
  // NIfTI slice, 38 vs 43 for a 512² JPEG. Only tiny planes are not worth a message.
  if (!useWorker || source.width * source.height < MIN_PARALLEL_PIXELS) return inThisThread();
  const worker = usableWorker();
  if (!worker || !(out.buffer instanceof SharedArrayBuffer) || source.height < 2 * MIN_ROWS)
    return inThisThread();
  const shared = { ...source, data: sharedSource(source.data) };
  const plan = planResize(shared, outWidth, outHeight, bytes);
  if (bytes && !plan.bytes) return false;
  const buffers = sharedScratch(plan.rowsLength, plan.coefficientsLength);
  startResize(plan, buffers.coefficients);
  // The split: source rows in halves (in groups of four, as the x pass prefilters them), output
  // columns of the band the x pass can make non-zero in halves. Padding rows and the columns outside
  // the band are left to the main thread's half and the worker's by place.
  const rowsSplit = source.padTop + ((source.height >> 3) << 2);
  const columnsSplit = plan.x.o0 + (plan.band >> 1);
  const id = (jobCounter = (jobCounter % 0x0ffffff) + 1);
  const control = controlCells();
  Atomics.store(control, ROWS_CELL, cell(id, OPEN));
  Atomics.store(control, COLUMNS_CELL, cell(id, OPEN));
  const job: ResizeJob = {
    job: id,
    control,
    plan,
    out,
    rows: buffers.rows,
    coefficients: buffers.coefficients,
    rowsFrom: rowsSplit,
    rowsTo: source.paddedHeight,
    columnsFrom: columnsSplit,
    columnsTo: outWidth,
  };
  worker.postMessage(job);
  resizeRows(plan, out, buffers.rows, buffers.coefficients, 0, rowsSplit);
  if (!finishHalf(control, ROWS_CELL, id))
    resizeRows(plan, out, buffers.rows, buffers.coefficients, rowsSplit, source.paddedHeight);
  if (plan.mode === 'x') {
    Atomics.store(control, COLUMNS_CELL, cell(id, MAIN));
  } else {
    Atomics.store(control, ROWS_DONE_CELL, id);
    Atomics.notify(control, ROWS_DONE_CELL);
    resizeColumns(plan, out, buffers.rows, buffers.coefficients, 0, columnsSplit);
    if (!finishHalf(control, COLUMNS_CELL, id))
      resizeColumns(plan, out, buffers.rows, buffers.coefficients, columnsSplit, outWidth);
  }
  scheduleIdleStop();
  return true;
}

/** Below this many source rows per thread the message round trip is not worth it. */
const MIN_ROWS = 32;
/** The worker is stopped after this long without a job (a new one starts on the next image). */
const IDLE_MS = 5000;
/** How long the main thread waits for a half the worker has claimed before giving up on it. */
const CLAIMED_WAIT_MS = 10_000;

/**
 * After the main thread's own half: true when the worker did (or is doing, and now finished) the
 * other half; false when the main thread claimed it and must do it itself.
 */
function finishHalf(control: Int32Array, index: number, id: number): boolean {
  if (Atomics.compareExchange(control, index, cell(id, OPEN), cell(id, MAIN)) === cell(id, OPEN))
    return false;
  const deadline = Date.now() + CLAIMED_WAIT_MS;
  for (;;) {
    const state = Atomics.load(control, index);
    if (state === cell(id, DONE)) {
      workerHalves++;
      return true;
    }
    const left = deadline - Date.now();
    if (state !== cell(id, WORKER) || left <= 0) break;
    Atomics.wait(control, index, state, left);
  }
  // A worker that stalls mid-half is dropped with the buffers it may still write to; the half is
  // redone here. (Never seen; it keeps a wedged worker from wedging the extension.)
  abandonWorker();
  return false;
}

let worker: Worker | undefined;
let workerFailed = false;
let ready: Promise<boolean> | undefined;
let idleTimer: NodeJS.Timeout | undefined;
let jobCounter = 0;
let workerHalves = 0;

/** How many halves the worker has done since the process started (tests, diagnostics). */
export function resizeWorkerHalves(): number {
  return workerHalves;
}
let control: Int32Array | undefined;

function controlCells(): Int32Array {
  control ??= new Int32Array(new SharedArrayBuffer(CELLS * 4));
  return control;
}

/** The running worker, starting it if needed (the first job may then be done all here). */
function usableWorker(): Worker | undefined {
  if (workerFailed || typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined')
    return undefined;
  // An escape hatch (and the benchmark's comparison): MEDIMAGEPARSE_RESIZE_WORKER=0 keeps it all here.
  if (process.env.MEDIMAGEPARSE_RESIZE_WORKER === '0') return undefined;
  if (!worker) startWorker();
  return worker;
}

function startWorker(): void {
  const entry = workerEntry('imaging-worker.js', __dirname);
  if (!entry) {
    workerFailed = true;
    return;
  }
  try {
    const started = new Worker(entry.code, { eval: entry.eval });
    started.unref();
    worker = started;
    ready = new Promise<boolean>((resolve) => {
      started.once('message', () => resolve(true));
      started.once('error', () => resolve(false));
      started.once('exit', () => resolve(false));
    });
    // A worker that fails to load or dies is never used again; the resize carries on here.
    started.on('error', () => {
      workerFailed = true;
      if (worker === started) worker = undefined;
    });
    started.on('exit', () => {
      if (worker === started) worker = undefined;
    });
  } catch {
    workerFailed = true;
    worker = undefined;
  }
}

function scheduleIdleStop(): void {
  if (idleTimer) idleTimer.refresh();
  else {
    idleTimer = setTimeout(() => {
      idleTimer = undefined;
      if (bandedJobs > 0) scheduleIdleStop();
      else void stopResizeWorker();
    }, IDLE_MS);
    idleTimer.unref();
  }
}

function abandonWorker(): void {
  workerFailed = true;
  scratch = undefined;
  control = undefined;
  void stopResizeWorker();
}

/** Stops the worker now (it is restarted on the next resize). */
export async function stopResizeWorker(): Promise<void> {
  if (idleTimer) clearTimeout(idleTimer);
  idleTimer = undefined;
  const running = worker;
  worker = undefined;
  ready = undefined;
  lastCopy = undefined; // a huge image's shared copy is not kept beyond its use
  if (running) await running.terminate();
}

/**
 * Starts the worker if needed and resolves true once it runs (false when it cannot). Only needed
 * by tests and benchmarks that want the two-thread path from the first call.
 */
export function resizeWorkerReady(): Promise<boolean> {
  usableWorker();
  return ready ?? Promise.resolve(false);
}

/** The intermediates both threads write, in shared memory; reused between calls like resizePlane's. */
let scratch: { rows: Float64Array; coefficients: Float64Array; source?: Float32Array } | undefined;
function sharedScratch(
  rowsLength: number,
  coefficientsLength: number,
): { rows: Float64Array; coefficients: Float64Array } {
  scratch ??= { rows: new Float64Array(0), coefficients: new Float64Array(0) };
  if (scratch.rows.length < rowsLength) scratch.rows = sharedFloat64(rowsLength);
  if (scratch.coefficients.length < coefficientsLength)
    scratch.coefficients = sharedFloat64(coefficientsLength);
  return {
    rows: scratch.rows.subarray(0, rowsLength),
    coefficients: scratch.coefficients.subarray(0, coefficientsLength),
  };
}

function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(length * 8));
}

/** sharedSource copying in chunks between turns of the event loop (a 10000² image is 100 MB or more). */
async function sharedSourceLater(data: PlaneSource['data']): Promise<PlaneSource['data']> {
  if (data.buffer instanceof SharedArrayBuffer || lastCopy?.of === data) return sharedSource(data);
  const copy = emptySharedLike(data);
  const chunk = (8 << 20) / data.BYTES_PER_ELEMENT;
  for (let from = 0; from < data.length; from += chunk) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    copy.set(data.subarray(from, Math.min(data.length, from + chunk)), from);
  }
  lastCopy = { of: data, copy };
  return copy;
}

function emptySharedLike(data: PlaneSource['data']): PlaneSource['data'] {
  const length = data.length;
  if (data instanceof Float64Array) return sharedFloat64(length);
  if (data instanceof Uint8Array) return new Uint8Array(new SharedArrayBuffer(length));
  return new Float32Array(new SharedArrayBuffer(length * 4));
}

/** The source as the worker can read it: as it is when already in shared memory, else a copy. */
let lastCopy: { of: PlaneSource['data']; copy: PlaneSource['data'] } | undefined;
function sharedSource(data: PlaneSource['data']): PlaneSource['data'] {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  // The channels of one colour image come one after the other: copied once for all three. (Kept
  // only as long as the next source differs; a changed array of the same identity is not expected.)
  if (lastCopy?.of === data) return lastCopy.copy;
  const copy = emptySharedLike(data);
  copy.set(data);
  lastCopy = { of: data, copy };
  return copy;
}

/**
 * Work (roughly multiply-adds, over all channels) above which a model input is resized by
 * resizePlaneInBands. The ordinary model inputs (a 512² CT: ~1 M; a 1634² colour JPEG: ~40 M, about
 * 60 ms of each thread here) stay below it and keep the synchronous path: its buffers are reused,
 * which the banded path's cannot be (it costs twice the CPU for such an image).
 */
export const BANDED_WORK = 48_000_000;
/** Work done between two yields to the event loop in resizePlaneInBands (~3–10 ms of one thread). */
const BAND_WORK = 3_000_000;
/** How long the banded resize waits for a half the worker claimed (a huge plane's half on a busy machine). */
const BANDED_CLAIMED_WAIT_MS = 120_000;

/** What resizing this plane costs, in multiply-adds (see BANDED_WORK). */
export function resizeWork(plan: ResizePlan): number {
  return rowsWork(plan) * plan.source.height + columnsWork(plan) * plan.band;
}

function rowsWork(plan: ResizePlan): number {
  const { x } = plan;
  if (x.copy) return plan.source.width;
  return (x.hi - x.lo) * (x.kernel?.length ?? 1) + 2 * (x.w1 - x.w0) + 4 * (x.o1 - x.o0);
}

function columnsWork(plan: ResizePlan): number {
  const { y } = plan;
  if (plan.mode === 'x') return 0;
  return (y.hi - y.lo) * (y.kernel?.length ?? 1) + 2 * (y.w1 - y.w0) + 4 * (y.o1 - y.o0);
}

/**
 * resizePlaneParallel for planes too big to resize in one go on the extension host's thread: the
 * same split and the same result bits, but the calling thread does its share in bands of rows
 * (then of columns), each well under 100 ms, and yields to the event loop between them; it waits
 * for the worker's halves asynchronously. Everything it keeps across a yield is its own (buffers,
 * job cells): other resizes may run in between.
 */
export async function resizePlaneInBands(
  source: PlaneSource,
  outWidth: number,
  outHeight: number,
  out: Float64Array,
  scratch: BandScratch = {},
): Promise<Float64Array> {
  if (out.length !== outWidth * outHeight) throw new Error('resize output buffer has the wrong size');
  const posted = usableWorker();
  const shareable = posted !== undefined && out.buffer instanceof SharedArrayBuffer;
  const planned = shareable ? { ...source, data: await sharedSourceLater(source.data) } : source;
  const plan = planResize(planned, outWidth, outHeight);
  const rows = (scratch.rows = bandBuffer(scratch.rows, plan.rowsLength, shareable));
  const c = (scratch.coefficients = bandBuffer(scratch.coefficients, plan.coefficientsLength, shareable));
  startResize(plan, c);
  const ph = source.paddedHeight;
  const rowsPerBand = Math.max(LINE_GROUP, Math.floor(BAND_WORK / rowsWork(plan) / LINE_GROUP) * LINE_GROUP);
  const columnsPerBand = Math.max(1, Math.floor(BAND_WORK / Math.max(1, columnsWork(plan))));
  const doRows = async (from: number, to: number) => {
    // Padding rows cost nothing (or a fill): in one go, the image's rows in bands.
    const lo = Math.max(from, Math.min(to, source.padTop));
    const hi = Math.max(lo, Math.min(to, source.padTop + source.height));
    if (from < lo) resizeRows(plan, out, rows, c, from, lo);
    await inBands(lo, hi, rowsPerBand, (a, b) => resizeRows(plan, out, rows, c, a, b));
    if (hi < to) resizeRows(plan, out, rows, c, hi, to);
  };
  const doColumns = (from: number, to: number) =>
    inBands(from, to, columnsPerBand, (a, b) => resizeColumns(plan, out, rows, c, a, b));
  if (!posted || !shareable || source.height < 2 * MIN_ROWS) {
    await doRows(0, ph);
    await doColumns(0, outWidth);
    return out;
  }
  const rowsSplit = source.padTop + ((source.height >> 3) << 2);
  const columnsSplit = plan.x.o0 + (plan.band >> 1);
  const id = (jobCounter = (jobCounter % 0x0ffffff) + 1);
  // Cells of its own: a synchronous resize may post (and reset its cells) while this one waits.
  const control = new Int32Array(new SharedArrayBuffer(CELLS * 4));
  Atomics.store(control, ROWS_CELL, cell(id, OPEN));
  Atomics.store(control, COLUMNS_CELL, cell(id, OPEN));
  const job: ResizeJob = {
    job: id,
    control,
    plan,
    out,
    rows,
    coefficients: c,
    rowsFrom: rowsSplit,
    rowsTo: ph,
    columnsFrom: columnsSplit,
    columnsTo: outWidth,
  };
  posted.postMessage(job);
  const to = posted;
  bandedJobs++;
  try {
    await bandedHalves();
  } finally {
    bandedJobs--;
    scheduleIdleStop();
    // A worker given up on mid-half may still write to these buffers: not for the next plane.
    if (workerFailed) scratch.rows = scratch.coefficients = undefined;
  }
  return out;

  async function bandedHalves(): Promise<void> {
    await doRows(0, rowsSplit);
    if (!(await finishHalfLater(control, ROWS_CELL, id, to))) await doRows(rowsSplit, ph);
    if (plan.mode === 'x') {
      Atomics.store(control, COLUMNS_CELL, cell(id, MAIN));
    } else {
      Atomics.store(control, ROWS_DONE_CELL, id);
      Atomics.notify(control, ROWS_DONE_CELL);
      await doColumns(0, columnsSplit);
      if (!(await finishHalfLater(control, COLUMNS_CELL, id, to))) await doColumns(columnsSplit, outWidth);
    }
  }
}

/**
 * The intermediates of resizePlaneInBands, kept by a caller that resizes several planes one after
 * the other (the channels of one colour image): a 10000² channel's are 160 MB, and fresh ones per
 * channel were still held, uncollected, when the next channel allocated its own.
 */
export interface BandScratch {
  rows?: Float64Array;
  coefficients?: Float64Array;
}

/** `kept` when it is long enough (and in shared memory when the worker reads it), else a new buffer. */
function bandBuffer(kept: Float64Array | undefined, length: number, shared: boolean): Float64Array {
  if (kept && kept.buffer.byteLength >= length * 8 && (!shared || kept.buffer instanceof SharedArrayBuffer))
    return new Float64Array(kept.buffer, 0, length);
  return shared ? sharedFloat64(length) : new Float64Array(length);
}

/** Banded resizes under way: the idle stop waits for them (it would cut the worker's half short). */
let bandedJobs = 0;

/** The x pass prefilters rows in groups of four: bands are whole groups. */
const LINE_GROUP = 4;

/** run(a, b) over [from, to) in bands of `size`, yielding to the event loop before each. */
async function inBands(
  from: number,
  to: number,
  size: number,
  run: (a: number, b: number) => void,
): Promise<void> {
  for (let a = from; a < to; a += size) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    run(a, Math.min(to, a + size));
  }
}

/** finishHalf without blocking: polls the cell between turns of the event loop. */
async function finishHalfLater(
  control: Int32Array,
  index: number,
  id: number,
  posted: Worker,
): Promise<boolean> {
  if (Atomics.compareExchange(control, index, cell(id, OPEN), cell(id, MAIN)) === cell(id, OPEN))
    return false;
  const deadline = Date.now() + BANDED_CLAIMED_WAIT_MS;
  for (;;) {
    const state = Atomics.load(control, index);
    if (state === cell(id, DONE)) {
      workerHalves++;
      return true;
    }
    // A worker that was stopped or died: its half is redone here. One that stalls is also not
    // used again.
    if (worker !== posted) return false;
    if (state !== cell(id, WORKER) || Date.now() > deadline) break;
    await new Promise<void>((resolve) => setTimeout(resolve, 2));
  }
  abandonWorker();
  return false;
}
