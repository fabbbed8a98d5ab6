import assert from 'node:assert/strict';
import { parseLiteral } from '../../../src/endpoint/literal';
import { Redactor } from '../../../src/endpoint/redactor';
import { planRequests } from '../../../src/endpoint/request';
import { decodeResponse, excerpt, pngSize } from '../../../src/endpoint/response';
import { testImagePng } from '../../../src/endpoint/testImage';
import { backoffMs, retryWaitMs, serverRequestedWaitMs } from '../../../src/endpoint/retry';
import { DEFAULT_RETRY, endpointConfig, isLoopbackHost } from '../../../src/endpoint/config';
import { EndpointError } from '../../../src/endpoint/errors';

const quote = (t: string) => excerpt(t, (s) => s);

describe('Redactor', () => {
  it('removes registered secrets, with or without their Bearer prefix, and their URL-encoded form', () => {
    const r = new Redactor();
    r.addSecret('Bearer abc/def+ghi=');
    assert.equal(r.redact('key abc/def+ghi= and abc%2Fdef%2Bghi%3D'), 'key [REDACTED] and [REDACTED]');
  });
  it('removes Bearer tokens, key=/token= values, Authorization headers and JWTs it was never told about', () => {
    const r = new Redactor();
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX2hlcmU';
    const text = `Authorization: Bearer xyz123secret; url https://h/score?key=K3Y&sig=S1G&x=1 {"api_key": "A1B2"} token=${jwt} raw ${jwt}`;
    const out = r.redact(text);
    for (const leaked of ['xyz123secret', 'K3Y', 'S1G', 'A1B2', jwt])
      assert.ok(!out.includes(leaked), `${leaked} in ${out}`);
    assert.match(out, /x=1/);
  });
  it('leaves ordinary prose alone', () => {
    const r = new Redactor();
    r.addSecret('ab'); // too short to register safely
    const text = 'Check the key / re-enter it. HTTP 424; model status code: 500, ab';
    assert.equal(r.redact(text), text);
  });
});

describe('parseLiteral (image_features)', () => {
  it('parses JSON, including its escapes, into objects without a prototype', () => {
    const value = parseLiteral(
      '{"data": "AA==", "shape": [1, 2, 3], "dtype": "uint8", "__proto__": {"x": 1}}',
    ) as object;
    assert.equal(Object.getPrototypeOf(value), null);
    assert.equal(parseLiteral('"a\\/b\\u00e9\\n\\"q\\" true false null"'), 'a/bé\n"q" true false null');
    assert.deepEqual(parseLiteral('[true, false, null, -1e3]'), [true, false, null, -1000]);
    // "__proto__" stays an ordinary key: no prototype pollution from a hostile answer.
    assert.equal(
      JSON.stringify(value),
      '{"data":"AA==","shape":[1,2,3],"dtype":"uint8","__proto__":{"x":1}}',
    );
  });
  it('parses Python dict quoting with tuples, True/None and escapes', () => {
    const value = parseLiteral(
      "{'data': 'AA==', 'shape': (1, 2, 3), 'dtype': 'uint8', 'ok': True, 'n': None, 'q': 'it\\'s', \"d\": -1.5e2,}",
    );
    assert.deepEqual(
      { ...(value as object) },
      { data: 'AA==', shape: [1, 2, 3], dtype: 'uint8', ok: true, n: null, q: "it's", d: -150 },
    );
  });
  it('refuses anything executable or malformed', () => {
    for (const bad of ["{'a': __import__('os')}", "{'a': 1", "{'a': 'x'} + 1", "{'a': lambda: 1}", '']) {
      assert.throws(() => parseLiteral(bad), Error, bad);
    }
  });
});

describe('retry waits', () => {
  it('reads retry-after-ms, x-ms-retry-after-ms, Retry-After seconds and HTTP dates', () => {
    assert.equal(serverRequestedWaitMs({ 'retry-after-ms': '1500' }), 1500);
    assert.equal(serverRequestedWaitMs({ 'x-ms-retry-after-ms': '250' }), 250);
    assert.equal(serverRequestedWaitMs({ 'retry-after': '3' }), 3000);
    const now = Date.parse('Wed, 21 Oct 2026 07:28:00 GMT');
    assert.equal(serverRequestedWaitMs({ 'retry-after': 'Wed, 21 Oct 2026 07:28:05 GMT' }, now), 5000);
    assert.equal(serverRequestedWaitMs({ 'retry-after': 'Wed, 21 Oct 2026 07:27:00 GMT' }, now), 0);
    assert.equal(serverRequestedWaitMs({ 'retry-after': 'soon' }), undefined);
    assert.equal(serverRequestedWaitMs({}), undefined);
  });
  it('backs off exponentially with ±20% jitter, capped per wait', () => {
    const retry = { ...DEFAULT_RETRY, baseDelayMs: 100, maxWaitMs: 700 };
    assert.equal(
      backoffMs(1, retry, () => 0.5),
      100,
    );
    assert.equal(
      backoffMs(3, retry, () => 0.5),
      400,
    );
    assert.equal(Math.round(backoffMs(3, retry, () => 0)), 320);
    assert.equal(Math.round(backoffMs(3, retry, () => 1)), 480);
    assert.equal(retryWaitMs(5, retry, undefined, () => 0.5).waitMs, 700);
    assert.deepEqual(retryWaitMs(1, retry, { 'retry-after': '60' }), { waitMs: 700, fromServer: true });
  });
});

describe('endpointConfig / loopback', () => {
  it('keeps defaults for fields given as undefined', () => {
    const c = endpointConfig({
      url: 'https://x/score',
      name: undefined,
      timeoutMs: undefined,
      retry: { maxRetries: undefined, maxWaitMs: 5 },
    });
    assert.equal(c.name, 'https://x/score');
    assert.equal(c.timeoutMs, 90_000);
    assert.equal(c.retry.maxRetries, DEFAULT_RETRY.maxRetries);
    assert.equal(c.retry.maxWaitMs, 5);
  });
  it('knows loopback hosts', () => {
    for (const h of ['127.0.0.1', '127.255.0.1', '[::1]', '::1', 'localhost', 'LOCALHOST'])
      assert.ok(isLoopbackHost(h), h);
    for (const h of ['128.0.0.1', '10.0.0.1', 'example.com', 'localhost.example.com', '::2'])
      assert.ok(!isLoopbackHost(h), h);
  });
});

describe('decodeResponse', () => {
  const features = (n: number, fill = 200) =>
    JSON.stringify({ data: Buffer.alloc(n * 4, fill).toString('base64'), shape: [n, 2, 2], dtype: 'uint8' });
  it('accepts a plain list, {"predictions": [...]} and a twice-encoded body', () => {
    const rows = [{ image_features: features(2), text_features: ['liver', 'kidney'] }];
    for (const body of [
      JSON.stringify(rows),
      JSON.stringify({ predictions: rows }),
      JSON.stringify(JSON.stringify(rows)),
    ]) {
      const [[a, b]] = decodeResponse(body, [['p1', 'p2']], quote);
      assert.deepEqual(
        [a.prompt, a.label, b.label, a.width, a.height, [...a.data]],
        ['p1', 'liver', 'kidney', 2, 2, [200, 200, 200, 200]],
      );
    }
  });
  it('takes the prompt as label when text_features is missing, and accepts 76-column base64', () => {
    const info = {
      data: Buffer.alloc(4 * 40, 9)
        .toString('base64')
        .replace(/(.{76})/g, '$1\n'),
      shape: [40, 2, 2],
      dtype: 'uint8',
    };
    const [masks] = decodeResponse(
      JSON.stringify([{ image_features: JSON.stringify(info) }]),
      [Array.from({ length: 40 }, (_, i) => `t${i}`)],
      quote,
    );
    assert.equal(masks[39].label, 't39');
    assert.equal(masks[39].data[3], 9);
  });
  it('reads text_features sent as a Python or JSON list in a string (as the batch notebooks send it)', () => {
    for (const labels of ["['liver', 'kidney']", '["liver", "kidney"]', "('liver', 'kidney')"]) {
      const [[a, b]] = decodeResponse(
        JSON.stringify([{ image_features: features(2), text_features: labels }]),
        [['p1', 'p2']],
        quote,
      );
      assert.deepEqual([a.label, b.label, a.data[0]], ['liver', 'kidney', 200], labels);
    }
  });
  it('falls back to the prompts when text_features is unreadable or the wrong length, keeping the masks', () => {
    for (const labels of ['a', "['liver'", '[1, 2]', ['only one'], 42, "['a', 'b', 'c']"]) {
      const [[a, b]] = decodeResponse(
        JSON.stringify([{ image_features: features(2), text_features: labels }]),
        [['p1', 'p2']],
        quote,
      );
      assert.deepEqual([a.label, b.label, b.data[3]], ['p1', 'p2', 200], JSON.stringify(labels));
    }
  });
  it('says the masks are the wrong size for the image sent, in pixels, not values', () => {
    const info = {
      data: Buffer.alloc(2 * 512 * 512, 1).toString('base64'),
      shape: [2, 512, 512],
      dtype: 'uint8',
    };
    assert.throws(
      () =>
        decodeResponse(
          JSON.stringify([{ image_features: JSON.stringify(info) }]),
          [['liver', 'kidney']],
          quote,
          [{ width: 1024, height: 1024 }],
        ),
      (e: EndpointError) =>
        e.kind === 'bad-response' &&
        /row 1: the endpoint returned masks of 512×512 where 1024×1024 was expected/.test(e.message) &&
        !/262144/.test(e.message),
    );
  });
  it('reads the size of the image sent from its PNG header', async () => {
    assert.deepEqual(pngSize(await testImagePng()), { width: 1024, height: 1024 });
    assert.equal(pngSize(Buffer.from('not a png at all, not at all')), undefined);
  });
  it('rejects row-count mismatch and non-base64 data', () => {
    const bad = (body: string, re: RegExp) =>
      assert.throws(
        () => decodeResponse(body, [['a']], quote),
        (e: EndpointError) => e.kind === 'bad-response' && re.test(e.message),
      );
    bad(JSON.stringify([]), /answered 0 row\(s\) for 1 image/);
    bad(
      JSON.stringify([
        { image_features: JSON.stringify({ data: '!!!!', shape: [1, 2, 2], dtype: 'uint8' }) },
      ]),
      /not base64/,
    );
    bad(JSON.stringify({ result: 1 }), /expected a JSON list/);
    bad(
      JSON.stringify([{ image_features: "{'data': __import__('os')}" }]),
      /neither JSON nor a Python dict literal/,
    );
  });
  it('quotes a short excerpt with base64 collapsed', () => {
    const long = 'A'.repeat(5000);
    assert.equal(
      excerpt(`{"data": "${long}"}`, (s) => s),
      '"{"data": "<5000 chars of base64>"}"',
    );
    assert.ok(excerpt('x'.repeat(1000) + ' y', (s) => s).length < 320);
  });
});

describe('planRequests', () => {
  it('builds the Azure ML body exactly', () => {
    const { batches } = planRequests([{ png: Buffer.from('png'), prompts: ['a', 'b'] }], 'azureml', {
      maxBytes: 1e6,
      maxRows: 10,
    });
    assert.deepEqual(JSON.parse(batches[0].body), {
      input_data: { columns: ['image', 'text'], index: [0], data: [['cG5n', 'a & b']] },
      params: {},
    });
  });
  it('builds the MLflow body exactly', () => {
    const { batches } = planRequests([{ png: Buffer.from('png'), prompts: ['a'] }], 'mlflow', {
      maxBytes: 1e6,
      maxRows: 10,
    });
    assert.deepEqual(JSON.parse(batches[0].body), {
      dataframe_split: { columns: ['image', 'text'], index: [0], data: [['cG5n', 'a']] },
    });
  });
  it('writes exactly what JSON.stringify of the frame gives, for both protocols', () => {
    // The body is written out by hand (see requestBody): any difference from the serialiser's
    // output (a missing escape in a prompt, a misplaced comma between rows) is a wrong request.
    const images = [Buffer.from([0xfb, 0xff, 0xfe, 1, 2]), Buffer.from('second png!')].map((png) => ({
      png,
      prompts: ['lésion "T1/T2"', 'back\\slash', 'tab\there', 'line\u2028sep'],
    }));
    for (const protocol of ['azureml', 'mlflow'] as const) {
      const { batches } = planRequests(images, protocol, { maxBytes: 1e6, maxRows: 10 });
      const rows = images.map(({ png, prompts }) => [png.toString('base64'), prompts.join(' & ')]);
      const frame = { columns: ['image', 'text'], index: [0, 1], data: rows };
      const expected = JSON.stringify(
        protocol === 'mlflow' ? { dataframe_split: frame } : { input_data: frame, params: {} },
      );
      assert.equal(batches.length, 1);
      assert.equal(batches[0].body, expected);
    }
  });
  it('groups rows by their exact JSON size, escapes and UTF-8 included', () => {
    // Two images whose rows fill the byte limit exactly share a request; one byte less splits them.
    const prompts = ['lésion "T1/T2"', 'back\\slash'];
    const images = [Buffer.from('png one'), Buffer.from('second png!')].map((png) => ({ png, prompts }));
    const rowBytes = images.map(
      ({ png }) => Buffer.byteLength(JSON.stringify([png.toString('base64'), prompts.join(' & ')])) + 8,
    );
    const exact = 96 + rowBytes[0] + rowBytes[1];
    const plan = (maxBytes: number) => planRequests(images, 'azureml', { maxBytes, maxRows: 10 }).batches;
    assert.deepEqual(
      plan(exact).map((b) => b.inputIndices),
      [[0, 1]],
    );
    assert.deepEqual(
      plan(exact - 1).map((b) => b.inputIndices),
      [[0], [1]],
    );
  });
});
