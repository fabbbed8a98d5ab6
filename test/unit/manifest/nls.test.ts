// Every text package.json contributes goes through package.nls.json (ready for translation):
// each `%key%` has its English text, no text is left inline, and no key is unused.
import * as assert from 'node:assert/strict';
import { readNls, readRawManifest } from '../../support/manifest';

/** Fields whose strings people read in VS Code (model-facing descriptions stay in English). */
const TEXT_FIELDS = new Set([
  'displayName',
  'description',
  'markdownDescription',
  'enumDescriptions',
  'title',
  'category',
  'name',
  'contents',
  'userDescription',
  'contextualTitle',
]);
/** Places where those field names hold identifiers or schema text, not UI text. */
const NOT_UI = [
  /^\.name$/,
  /^\.contributes\.languageModelTools\.\d+\.(name|inputSchema\b)/,
  /\.mcpServerDefinitionProviders\./,
];

function walk(value: unknown, at: string, visit: (at: string, field: string, text: string) => void): void {
  if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${at}.${i}`, visit));
  else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string') visit(`${at}.${k}`, k, v);
      else if (k === 'enumDescriptions' && Array.isArray(v))
        v.forEach((t, i) => typeof t === 'string' && visit(`${at}.${k}.${i}`, k, t));
      else walk(v, `${at}.${k}`, visit);
    }
}

describe('package.nls.json', () => {
  const raw = readRawManifest();
  const nls = readNls();

  it('holds the text of every %key% in package.json, and only those', () => {
    const used = new Set<string>();
    walk(raw, '', (_at, _field, text) => {
      const m = /^%(.+)%$/.exec(text);
      if (m) used.add(m[1]);
    });
    assert.deepEqual(
      [...used].filter((k) => !(k in nls)),
      [],
      'keys without text',
    );
    assert.deepEqual(
      Object.keys(nls).filter((k) => !used.has(k)),
      [],
      'unused keys',
    );
    for (const [k, v] of Object.entries(nls)) assert.ok(v.trim().length > 0, `${k} is empty`);
  });

  it('no user-visible contribution text is left inline in package.json', () => {
    const inline: string[] = [];
    walk(raw.contributes, '.contributes', (at, field, text) => {
      if (!TEXT_FIELDS.has(field) || NOT_UI.some((r) => r.test(at))) return;
      if (at.includes('.inputSchema.') || (at.includes('.properties.') && field === 'name')) return;
      if (!/^%.+%$/.test(text)) inline.push(`${at}: ${text.slice(0, 60)}`);
    });
    for (const field of ['displayName', 'description'] as const)
      if (!/^%.+%$/.test(String(raw[field]))) inline.push(`.${field}`);
    assert.deepEqual(inline, []);
  });
});
