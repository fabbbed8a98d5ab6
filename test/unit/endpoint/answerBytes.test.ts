import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import {
  dropAnswerBuffers,
  readAnswer,
  readAnswerHead,
  releaseAnswer,
} from '../../../src/endpoint/answerBytes';
import { startFaultServer, type FaultServer } from '../../support/faultServer';
import { makeClient, SMALL_PNG } from './helpers';

const MAX = 1 << 30;
const tooLong = () => new Error('too long');

/** A stream that sends `bytes` in chunks of `chunk`, then ends (or is destroyed, with `cut`). */
function streamOf(bytes: Buffer, chunk = 1000, cut?: number): PassThrough {
  const stream = new PassThrough();
  setImmediate(() => {
    const end = cut ?? bytes.length;
    for (let at = 0; at < end; at += chunk) stream.write(bytes.subarray(at, Math.min(end, at + chunk)));
    if (cut === undefined) stream.end();
    else stream.destroy();
  });
  return stream;
}

/** Distinct bytes, so a copy that lands in the wrong place or a stale buffer shows. */
const answerOf = (length: number, seed: number) =>
  Buffer.from(Array.from({ length }, (_, i) => (i * 7 + seed) & 255));

describe('endpoint answer bytes: read into reused buffers', () => {
  it('reads every byte, with or without a Content-Length, across many chunks', async () => {
    const bytes = answerOf(700_000, 1);
    assert.deepEqual(await readAnswer(streamOf(bytes, 65_536), bytes.length, MAX, tooLong), bytes);
    // Unknown length: the buffer starts small and grows.
    assert.deepEqual(await readAnswer(streamOf(bytes, 4096), undefined, MAX, tooLong), bytes);
    // A wrong Content-Length (a gzip'd answer's is the compressed size): still every byte.
    assert.deepEqual(await readAnswer(streamOf(bytes), 100, MAX, tooLong), bytes);
    assert.deepEqual(await readAnswer(streamOf(Buffer.alloc(0)), 0, MAX, tooLong), Buffer.alloc(0));
  });

  it('a released answer lends its memory to the next one; one still held never does', async () => {
    const first = await readAnswer(streamOf(answerOf(50_000, 2)), 50_000, MAX, tooLong);
    const held = await readAnswer(streamOf(answerOf(50_000, 3)), 50_000, MAX, tooLong);
    assert.notEqual(held.buffer, first.buffer);
    releaseAnswer(first);
    const next = await readAnswer(streamOf(answerOf(40_000, 4)), 40_000, MAX, tooLong);
    assert.equal(next.buffer, first.buffer, 'the released buffer was not used again');
    assert.deepEqual(next, answerOf(40_000, 4));
    assert.deepEqual(held, answerOf(50_000, 3), 'an answer still held was overwritten');
    releaseAnswer(held);
    releaseAnswer(held); // twice: still lent out only once
    const a = await readAnswer(streamOf(answerOf(50_000, 5)), 50_000, MAX, tooLong);
    const b = await readAnswer(streamOf(answerOf(50_000, 6)), 50_000, MAX, tooLong);
    assert.notEqual(a.buffer, b.buffer);
    assert.deepEqual(a, answerOf(50_000, 5));
    releaseAnswer(next);
    releaseAnswer(a);
    releaseAnswer(b);
  });

  it('holds no big answer, and nothing once let go (as after an idle while)', async () => {
    dropAnswerBuffers();
    const big = await readAnswer(streamOf(answerOf(17 << 20, 11), 1 << 20), 17 << 20, MAX, tooLong);
    releaseAnswer(big);
    const after = await readAnswer(streamOf(answerOf(1000, 12)), 17 << 20, MAX, tooLong);
    assert.notEqual(after.buffer, big.buffer, 'a buffer over 16 MB was kept');
    const small = await readAnswer(streamOf(answerOf(1000, 13)), 1000, MAX, tooLong);
    releaseAnswer(small);
    dropAnswerBuffers();
    // More answers held at once than buffers are ever kept: none may be the one let go.
    for (let k = 0; k < 5; k++) {
      const next = await readAnswer(streamOf(answerOf(1000, 14)), 1000, MAX, tooLong);
      assert.notEqual(next.buffer, small.buffer, 'a buffer was kept after being let go');
    }
  });

  it('never takes in a buffer it did not make (a slice of Node’s shared pool)', async () => {
    const foreign = Buffer.from('shared pool bytes');
    releaseAnswer(foreign);
    const answer = await readAnswer(streamOf(answerOf(10, 7)), 10, MAX, tooLong);
    assert.notEqual(answer.buffer, foreign.buffer);
    assert.equal(foreign.toString(), 'shared pool bytes');
  });

  it('an answer past the limit: rejected with the caller’s error, the stream destroyed', async () => {
    const stream = streamOf(answerOf(5000, 8));
    await assert.rejects(readAnswer(stream, undefined, 4096, tooLong), /too long/);
    assert.ok(stream.destroyed);
  });

  it('a connection dropped mid-answer: rejected, not a hang or a short answer', async () => {
    await assert.rejects(
      readAnswer(streamOf(answerOf(5000, 9), 1000, 2000), 5000, MAX, tooLong),
      /premature/i,
    );
  });

  it('an error answer: its first bytes, whatever follows', async () => {
    const bytes = answerOf(10_000, 10);
    assert.deepEqual(await readAnswerHead(streamOf(bytes), 4096), bytes.subarray(0, 4096));
    assert.deepEqual(await readAnswerHead(streamOf(bytes, 1000, 3000), 4096), bytes.subarray(0, 3000));
  });

  describe('through the client', () => {
    let server: FaultServer;
    before(async () => {
      server = await startFaultServer({ size: 32 });
    });
    after(() => server.close());

    const answer = (value: number) =>
      JSON.stringify([
        {
          image_features: JSON.stringify({
            data: Buffer.alloc(32 * 32, value).toString('base64'),
            shape: [1, 32, 32],
            dtype: 'uint8',
          }),
          text_features: ['liver'],
        },
      ]);

    it('masks already returned stay as they were while later answers reuse the memory', async () => {
      const { client } = makeClient(server.url);
      const one = [{ png: SMALL_PNG, prompts: ['liver'] }];
      const kept = [];
      for (const value of [200, 0, 17, 255, 3, 90]) {
        server.enqueue({ type: 'body', body: answer(value), contentType: 'application/json' });
        const [result] = await client.parse(one);
        kept.push({ value, data: result.masks[0].data });
      }
      for (const { value, data } of kept)
        assert.ok(
          data.every((v) => v === value),
          `mask of ${value} changed`,
        );
    });
  });
});
