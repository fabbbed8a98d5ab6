import assert from 'node:assert/strict';
import { parseLiteral } from '../../../src/endpoint/literal';
import { decodeResponse } from '../../../src/endpoint/response';

/**
 * parseLiteral's nestedKeys: a string value under those keys comes back parsed, exactly as
 * parsing the string on its own gives it, whatever its escapes, and as the string itself when it
 * is not a literal. Long base64 runs take the path that never copies them; the odd cases (quotes,
 * escapes or NULs inside or next to a long run) must fall back to the full parse.
 */
const LONG = 'QUJD'.repeat(40_000); // 160 000 characters of base64

/** The value under image_features: parsed on its own (the reference), and through nestedKeys. */
function both(outer: string): { nested: unknown; reference: unknown } {
  const plain = parseLiteral(outer) as { image_features: unknown }[];
  const inner = plain[0].image_features;
  let reference: unknown = inner;
  if (typeof inner === 'string') {
    try {
      reference = parseLiteral(inner);
    } catch {
      reference = inner;
    }
    if (typeof reference === 'string') reference = inner; // encoded twice: left as sent
  }
  const nested = (parseLiteral(outer, { nestedKeys: ['image_features'] }) as { image_features: unknown }[])[0]
    .image_features;
  return { nested, reference };
}

describe('endpoint: nested image_features literals', () => {
  const cases: [string, unknown][] = [
    ['JSON in a JSON string', JSON.stringify({ data: LONG, shape: [1, 2, 3], dtype: 'uint8' })],
    ['two long runs', JSON.stringify({ data: LONG, other: `${LONG}Zz`, shape: [1] })],
    ['Python dict in a JSON string', `{'data': '${LONG}', 'shape': (1, 2, 3), 'dtype': 'uint8', 'ok': True}`],
    ['a quote inside the long run', JSON.stringify({ data: `${LONG}'${LONG}`, shape: [1] })],
    ['an escape right after the long run', JSON.stringify({ data: `${LONG}\n`, shape: [1] })],
    ['an escape right before the long run', JSON.stringify({ data: `\t${LONG}`, shape: [1] })],
    ['a NUL elsewhere', JSON.stringify({ data: LONG, note: '\u00000\u0000' })],
    ['a NUL in the long run', JSON.stringify({ data: `${LONG}\u0000${LONG}` })],
    ['placeholder look-alike', JSON.stringify({ '\u00000\u0000': LONG })],
    ['the long run as a key', JSON.stringify({ [LONG]: 1 })],
    ['the long run outside any string', `{"data": ${'1'.repeat(70_000)}}`],
    ['not a literal', `{"data": "${LONG}" oops`],
    ['short', JSON.stringify({ data: 'QUJD', shape: [1] })],
    ['encoded twice', JSON.stringify(JSON.stringify({ data: LONG }))],
  ];
  for (const [name, inner] of cases) {
    it(name, () => {
      const outer = JSON.stringify([{ image_features: inner, text_features: ['a'] }]);
      const { nested, reference } = both(outer);
      assert.deepEqual(nested, reference);
    });
  }

  it('only under the keys asked for, and any depth of the document', () => {
    const inner = JSON.stringify({ data: LONG });
    const outer = JSON.stringify({ predictions: [{ image_features: inner, other: inner }] });
    const parsed = parseLiteral(outer, { nestedKeys: ['image_features'] }) as {
      predictions: { image_features: unknown; other: unknown }[];
    };
    assert.deepEqual(parsed.predictions[0].image_features, parseLiteral(inner));
    assert.equal(parsed.predictions[0].other, inner);
  });

  it('decodes masks sent as a JSON string in JSON, a Python literal, or an object alike', () => {
    const masks = Buffer.alloc(2 * 300 * 200);
    for (let i = 0; i < masks.length; i++) masks[i] = (i * 37) % 251;
    const info = { data: masks.toString('base64'), shape: [2, 300, 200], dtype: 'uint8' };
    const bodies = [
      JSON.stringify([{ image_features: JSON.stringify(info) }]),
      JSON.stringify([
        { image_features: `{'data': '${info.data}', 'shape': (2, 300, 200), 'dtype': 'uint8'}` },
      ]),
      JSON.stringify([{ image_features: info }]),
      JSON.stringify(JSON.stringify([{ image_features: JSON.stringify(info) }])), // encoded twice
    ];
    for (const body of bodies) {
      const [row] = decodeResponse(body, [['a', 'b']], (t) => t.slice(0, 100), [{ width: 200, height: 300 }]);
      assert.deepEqual(Buffer.from(row[0].data), masks.subarray(0, 60_000));
      assert.deepEqual(Buffer.from(row[1].data), masks.subarray(60_000));
    }
  });
});
