import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { phantomSliceMasks, phantomSliceOf } from '../../src/demo/phantomAnswers';

/**
 * A loopback 2D endpoint (Azure ML protocol) for the synthetic phantom that tells a test which
 * slices it was asked for: each request's slice is read from the slice code the phantom carries
 * (as the demo does), answered with that slice's exact labels, and logged. `hold()` keeps
 * requests waiting (unanswered) until `release()`, so a test can cancel a run at a known point.
 * Each request is also recorded with its prompts and the SHA-256 of the image it carried, so a
 * test can tell whether two runs sent the very same model input.
 * Unlike the demo, its answers are not marked as reference annotations.
 */
export interface PhantomSliceRequest {
  slice: number;
  /** The prompts of the request's text, in the order sent. */
  prompts: string[];
  /** Of the decoded image (the PNG sent), to compare model inputs across runs. */
  imageSha256: string;
}

export interface PhantomSliceServer {
  url: string;
  /** Slices answered, in the order their answers were sent. */
  readonly answered: number[];
  /** Slices whose requests arrived and are waiting (held). */
  readonly waiting: number[];
  /** Every slice a request arrived for, answered or not. */
  readonly received: number[];
  /** Every request for a phantom slice, in arrival order, answered or not. */
  readonly requests: PhantomSliceRequest[];
  /** Keep new and later requests waiting after `afterAnswers` more answers. */
  holdAfter(afterAnswers: number): void;
  /** Answers the waiting requests and stops holding. */
  release(): void;
  /** Forgets the logs (between runs of a test). */
  reset(): void;
  close(): Promise<void>;
}

export async function startPhantomSliceServer(): Promise<PhantomSliceServer> {
  const answered: number[] = [];
  const received: number[] = [];
  const requests: PhantomSliceRequest[] = [];
  const held: { slice: number; go: () => void }[] = [];
  let holdAt = Infinity;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let gone = false;
    res.on('close', () => (gone = !res.writableFinished));
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          input_data: { data: [string, string][] };
        };
        const [[image, text]] = body.input_data.data;
        const png = Buffer.from(image, 'base64');
        const slice = await phantomSliceOf(png);
        if (slice === undefined) {
          res.writeHead(400, { 'content-type': 'text/plain' }).end('not a phantom slice');
          return;
        }
        const prompts = text.split('&').map((p) => p.trim());
        received.push(slice);
        requests.push({ slice, prompts, imageSha256: createHash('sha256').update(png).digest('hex') });
        if (answered.length >= holdAt) {
          await new Promise<void>((go) => held.push({ slice, go }));
          if (gone || res.destroyed) return; // the client gave up (cancelled)
        }
        const data = Buffer.alloc(prompts.length * 1024 * 1024);
        phantomSliceMasks(slice, prompts).forEach((mask, p) => mask && data.set(mask, p * 1024 * 1024));
        answered.push(slice);
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify([
            {
              image_features: JSON.stringify({
                data: data.toString('base64'),
                shape: [prompts.length, 1024, 1024],
                dtype: 'uint8',
              }),
              text_features: prompts,
            },
          ]),
        );
      } catch (error) {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/score`,
    answered,
    received,
    requests,
    get waiting() {
      return held.map((h) => h.slice);
    },
    holdAfter(afterAnswers) {
      holdAt = answered.length + afterAnswers;
    },
    release() {
      holdAt = Infinity;
      held.splice(0).forEach((h) => h.go());
    },
    reset() {
      answered.length = 0;
      received.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        holdAt = Infinity;
        held.splice(0).forEach((h) => h.go());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
