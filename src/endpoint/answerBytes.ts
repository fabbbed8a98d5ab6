import { finished, type Readable } from 'node:stream';

/**
 * The bytes of an endpoint's answer, read from its response stream into buffers that are used
 * again for the next answer (releaseAnswer) rather than into axios' list of chunks joined by
 * Buffer.concat.
 *
 * Why: a volume in slice mode gets a 3 MB answer per slice, and each one lived across a young
 * collection or two while it arrived and was decoded, so V8 promoted it with its memory outside
 * the heap; that memory is only given back by a full collection, and it counts towards the old
 * generation's limit, so a run of 200 slices triggered a full mark-compact every dozen slices
 * (54 in the volume benchmark's run; 15 with reused buffers, and about 2 ms less CPU per slice).
 */

/** Answers in flight at once: the slice workers' (2 by default), with room. */
const POOLED_BUFFERS = 4;
/**
 * A bigger buffer (a 3D answer, a 2D one with many prompts) is left to the garbage collector: the
 * extension host keeps what it holds here for as long as answers keep coming.
 */
const POOLED_MAX_BYTES = 16 * 1024 * 1024;
/** Held buffers are let go after this long without an answer: no memory kept for an idle run. */
const IDLE_MS = 30_000;
/** The first buffer for an answer of unknown length (chunked transfer): it grows by doubling. */
const UNKNOWN_LENGTH_START = 256 * 1024;

const free: Buffer[] = [];
/** The buffers take() made: only those may come back (a Buffer of Node's shared pool must not). */
const ours = new WeakSet<ArrayBufferLike>();
let idleTimer: NodeJS.Timeout | undefined;

/**
 * Reads the stream to its end into one buffer (a released one when one is big enough). Rejects
 * with the stream's error, a premature close, or `tooLong()` once the answer passes `maxBytes`
 * (the stream is then destroyed). `expectedBytes`: the Content-Length, when the server sent one.
 */
export function readAnswer(
  stream: Readable,
  expectedBytes: number | undefined,
  maxBytes: number,
  tooLong: () => Error,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffer = take(
      expectedBytes !== undefined && expectedBytes <= maxBytes ? expectedBytes : UNKNOWN_LENGTH_START,
    );
    let length = 0;
    let failed = false;
    stream.on('data', (chunk: Buffer) => {
      if (failed) return;
      const end = length + chunk.length;
      if (end > maxBytes) {
        failed = true;
        stream.destroy();
        reject(tooLong());
        return;
      }
      if (end > buffer.length) {
        const bigger = take(Math.min(maxBytes, Math.max(end, buffer.length * 2)));
        buffer.copy(bigger, 0, 0, length);
        releaseAnswer(buffer);
        buffer = bigger;
      }
      chunk.copy(buffer, length);
      length = end;
    });
    // `finished` also reports a stream destroyed before its end (a dropped connection), which
    // emits neither 'end' nor always 'error'.
    finished(stream, (error) => {
      if (failed) return;
      if (error) {
        failed = true;
        releaseAnswer(buffer);
        reject(error);
      } else {
        resolve(buffer.subarray(0, length));
      }
    });
  });
}

/**
 * Reads at most `maxBytes` of the stream (an error answer, quoted in the message): the rest is
 * discarded. Resolves with what arrived even if the stream fails: an excerpt is all that is used.
 */
export function readAnswerHead(stream: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const done = () => resolve(Buffer.concat(chunks, Math.min(length, maxBytes)));
    stream.on('data', (chunk: Buffer) => {
      if (length >= maxBytes) return;
      chunks.push(chunk);
      length += chunk.length;
      if (length >= maxBytes) {
        stream.destroy();
        done();
      }
    });
    finished(stream, done);
  });
}

/**
 * Gives an answer's buffer back for the next answer. Only once nothing reads it any more: the
 * decoded masks are copies, so right after decoding.
 */
export function releaseAnswer(body: Buffer): void {
  if (!ours.has(body.buffer)) return;
  const whole = Buffer.from(body.buffer);
  if (whole.length > POOLED_MAX_BYTES || free.some((b) => b.buffer === whole.buffer)) return;
  if (free.length >= POOLED_BUFFERS) {
    // Keep the biggest: the next answers are most likely the same size as the last ones.
    const smallest = free.reduce((s, b, i) => (b.length < free[s].length ? i : s), 0);
    if (free[smallest].length >= whole.length) return;
    free.splice(smallest, 1);
  }
  free.push(whole);
  clearTimeout(idleTimer);
  idleTimer = setTimeout(dropAnswerBuffers, IDLE_MS);
  idleTimer.unref(); // never what keeps a process alive
}

/** Lets go of every held buffer (after IDLE_MS without an answer; tests call it directly). */
export function dropAnswerBuffers(): void {
  free.length = 0;
}

/** The smallest released buffer of at least `bytes`, else a new one (its contents undefined). */
function take(bytes: number): Buffer {
  let best = -1;
  free.forEach((b, i) => {
    if (b.length >= bytes && (best < 0 || b.length < free[best].length)) best = i;
  });
  if (best >= 0) return free.splice(best, 1)[0];
  const made = Buffer.allocUnsafeSlow(bytes);
  ours.add(made.buffer);
  return made;
}
