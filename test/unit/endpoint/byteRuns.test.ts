import assert from 'node:assert/strict';
import { ByteRun, cutLongStrings } from '../../../src/endpoint/byteRuns';
import { EndpointError } from '../../../src/endpoint/errors';
import { parseLiteral, type RunTable } from '../../../src/endpoint/literal';
import { decodeResponse, type DecodedMask } from '../../../src/endpoint/response';

/**
 * An answer read from its bytes (the client's path: its long base64 strings never become one
 * string) must give exactly what the same answer read as text gives: the same masks, or the same
 * error. And the usual answers must really take the byte path, or the full-collection churn it
 * removes comes back unnoticed.
 */

const SIZE = { width: 200, height: 300 };
const masks = Buffer.alloc(2 * 300 * 200); // 120 000 bytes: 160 000 characters of base64
for (let i = 0; i < masks.length; i++) masks[i] = (i * 37 + (i >> 9)) % 251;
const data = masks.toString('base64');
const info = { data, shape: [2, 300, 200], dtype: 'uint8' };
const quote = (t: string) => t.slice(0, 120);

type Outcome = { masks: DecodedMask[][] } | { error: string };
function outcome(body: string | Buffer, prompts = [['a', 'b']], sizes = [SIZE]): Outcome {
  try {
    return { masks: decodeResponse(body, prompts, quote, sizes) };
  } catch (error) {
    assert.ok(error instanceof EndpointError, String(error));
    // The problem, without the quoted excerpt (which may show a long run as a marker).
    return { error: error.message.replace(/ Received: .*/s, '') };
  }
}

/** decodeResponse of the bytes and of the text agree; returns the outcome. */
function agree(text: string, prompts = [['a', 'b']], sizes = [SIZE]): Outcome {
  const fromText = outcome(text, prompts, sizes);
  const fromBytes = outcome(Buffer.from(text, 'utf8'), prompts, sizes);
  assert.deepEqual(fromBytes, fromText);
  return fromBytes;
}

/** Whether the bytes path reads `text` with its long strings kept as bytes (no full text). */
function takesBytePath(text: string): boolean {
  const cut = cutLongStrings(Buffer.from(text, 'utf8'));
  if (!cut || cut.runs.length === 0) return false;
  const table: RunTable = { values: cut.runs, used: 0 };
  try {
    parseLiteral(cut.text, { nestedKeys: ['image_features'], runs: table });
  } catch {
    return false;
  }
  return table.used === cut.runs.length;
}

describe('endpoint: answers read from their bytes', () => {
  const usual: [string, string][] = [
    [
      'JSON in a JSON string (the reference scoring script)',
      JSON.stringify([{ image_features: JSON.stringify(info), text_features: ['a', 'b'] }]),
    ],
    [
      'a Python dict in a JSON string',
      JSON.stringify([{ image_features: `{'data': '${data}', 'shape': (2, 300, 200), 'dtype': 'uint8'}` }]),
    ],
    ['an object', JSON.stringify([{ image_features: info, text_features: "['a', 'b']" }])],
    ['under predictions', JSON.stringify({ predictions: [{ image_features: JSON.stringify(info) }] })],
    [
      'Python quoting throughout',
      `[{'image_features': "{'data': '${data}', 'shape': [2, 300, 200], 'dtype': 'uint8'}"}]`,
    ],
  ];
  for (const [name, text] of usual) {
    it(`${name}: the same masks, with the base64 kept as bytes`, () => {
      const result = agree(text);
      assert.ok('masks' in result, JSON.stringify(result));
      assert.deepEqual(Buffer.from(result.masks[0][0].data), masks.subarray(0, 60_000));
      assert.deepEqual(Buffer.from(result.masks[0][1].data), masks.subarray(60_000));
      assert.ok(takesBytePath(text), 'the answer was read as one string');
    });
  }

  it('two rows, each with its own masks', () => {
    const other = Buffer.from(masks).reverse();
    const rows = [info, { ...info, data: other.toString('base64') }].map((i) => ({
      image_features: JSON.stringify(i),
    }));
    const result = agree(
      JSON.stringify(rows),
      [
        ['a', 'b'],
        ['c', 'd'],
      ],
      [SIZE, SIZE],
    );
    assert.ok('masks' in result);
    assert.deepEqual(Buffer.from(result.masks[1][0].data), other.subarray(0, 60_000));
    assert.ok(takesBytePath(JSON.stringify(rows)));
  });

  it('labels in UTF-8 next to the long run', () => {
    const text = JSON.stringify([
      { image_features: JSON.stringify(info), text_features: ['lésion', 'rein gauche'] },
    ]);
    const result = agree(text);
    assert.ok('masks' in result);
    assert.deepEqual(
      result.masks[0].map((m) => m.label),
      ['lésion', 'rein gauche'],
    );
  });

  // Odd answers fall back to the whole text, and so read the same as before (masks or error).
  const odd: [string, string][] = [
    [
      '76-column base64 (escaped line breaks)',
      JSON.stringify([{ image_features: { ...info, data: data.replace(/.{76}/g, '$&\n') } }]),
    ],
    ['encoded twice', JSON.stringify(JSON.stringify([{ image_features: JSON.stringify(info) }]))],
    [
      'a quote inside the data',
      JSON.stringify([
        { image_features: { ...info, data: `${data.slice(0, 90_000)}'${data.slice(90_000)}` } },
      ]),
    ],
    [
      'a stray character in the data',
      JSON.stringify([
        { image_features: { ...info, data: `${data.slice(0, 90_000)}*${data.slice(90_001)}` } },
      ]),
    ],
    ['one character missing', JSON.stringify([{ image_features: { ...info, data: data.slice(1) } }])],
    [
      'the long string elsewhere than the data',
      JSON.stringify([{ image_features: { ...info, data: 'QUJD' }, note: data }]),
    ],
    [
      'the long string as text_features',
      JSON.stringify([{ image_features: JSON.stringify(info), text_features: data }]),
    ],
    ['the long string as a key', JSON.stringify([{ [data]: 1 }])],
    [
      'a long label holding a quote (runs that are only part of a string)',
      JSON.stringify([
        { image_features: JSON.stringify(info), text_features: [`${data.slice(0, 70_000)}'x`, 'b'] },
      ]),
    ],
    [
      'a NUL in the answer',
      JSON.stringify([{ image_features: JSON.stringify(info), text_features: ['a\u0000', 'b'] }]),
    ],
    ['a placeholder look-alike', JSON.stringify([{ image_features: { ...info, data: '\u00000\u0000' } }])],
    [
      'a long list of numbers',
      JSON.stringify([{ image_features: { ...info, data: [...masks.subarray(0, 30_000)] } }]),
    ],
    ['not JSON', `[{"image_features": "${data}" oops`],
    [
      'data that is not base64 at all',
      JSON.stringify([{ image_features: { ...info, data: 'é'.repeat(100_000) } }]),
    ],
  ];
  for (const [name, text] of odd) {
    it(`${name}: the same outcome as the whole text`, () => {
      agree(text);
    });
  }

  it('decodes a long run exactly as Buffer.from(string, "base64") does, pieces or not', () => {
    for (const length of [65_535, 65_536, 65_537, 196_607, 196_608, 196_609]) {
      const bytes = Buffer.alloc(length);
      for (let i = 0; i < length; i++) bytes[i] = (i * 131 + 7) % 256;
      const text = bytes.toString('base64');
      for (const variant of [
        text,
        text.replace(/.{76}/g, '$&\n'),
        `${text.slice(0, 70_000)}*${text.slice(70_001)}`,
      ]) {
        const run = new ByteRun(Buffer.from(variant, 'latin1'));
        assert.deepEqual(run.decodeBase64(), Buffer.from(variant, 'base64'), `${length} bytes`);
      }
    }
  });

  it('cuts only whole string contents out of the text, and leaves the rest as it was', () => {
    const text = JSON.stringify([{ image_features: JSON.stringify(info), text_features: ['a', 'b'] }]);
    const cut = cutLongStrings(Buffer.from(text));
    assert.ok(cut);
    assert.equal(cut.runs.length, 1);
    assert.equal(cut.runs[0].bytes.toString('latin1'), data);
    assert.equal(cut.text, text.replace(data, '\u00000\u0000'));
    assert.equal(JSON.stringify({ x: cut.runs[0] }), `{"x":"<${data.length} characters>"}`);
  });
});
