import { ByteRun, bodyText, cutLongStrings } from './byteRuns';
import { EndpointError } from './errors';
import { LiteralSyntaxError, parseLiteral, type RunTable } from './literal';

/** One mask per prompt: value/255 is the probability (threshold 127.5). */
export interface DecodedMask {
  prompt: string;
  /** What the endpoint called it (`text_features`); the prompt when the endpoint sends none. */
  label: string;
  width: number;
  height: number;
  data: Uint8Array;
}

/** Turns a raw piece of a response into something safe and short to quote in a message. */
export type Quote = (text: string) => string;

const MAX_SIDE = 8192;

type DtypeKind = 'uint8' | 'bool' | 'float32' | 'float64';
const DTYPES: Record<string, { kind: DtypeKind; size: number; littleEndian: boolean }> = {};
for (const [names, kind, size] of [
  [['uint8', 'u1', '|u1', '<u1', '>u1', '=u1', 'B'], 'uint8', 1],
  [['bool', 'b1', '|b1', '?', 'bool_'], 'bool', 1],
  [['float32', 'f4', '<f4', '=f4', 'single'], 'float32', 4],
  [['>f4'], 'float32', 4],
  [['float64', 'f8', '<f8', '=f8', 'double'], 'float64', 8],
  [['>f8'], 'float64', 8],
] as [string[], DtypeKind, number][]) {
  for (const name of names) DTYPES[name] = { kind, size, littleEndian: !name.startsWith('>') };
}

/**
 * Parses a whole response body (its bytes as they arrived, or its text) into masks per row.
 * `prompts[r]` are the prompts sent in row r; anything that does not match them exactly (row
 * count, N, dtype, byte count) is an error that quotes what arrived.
 */
export function decodeResponse(
  body: string | Buffer,
  prompts: readonly string[][],
  quote: Quote,
  /** Per row, the size of the image sent: the masks must come back at that size. */
  sizes: readonly (ImageSize | undefined)[] = [],
): DecodedMask[][] {
  const rows = typeof body === 'string' ? responseRows(body, quote) : responseRowsOfBytes(body, quote);
  if (rows.length !== prompts.length) {
    throw badResponse(
      `the endpoint answered ${rows.length} row(s) for ${prompts.length} image(s)`,
      typeof body === 'string' ? body : bodyText(body),
      quote,
    );
  }
  return rows.map((row, r) => decodeRow(row, prompts[r], `row ${r + 1}`, quote, sizes[r]));
}

export interface ImageSize {
  width: number;
  height: number;
}

/** Width and height from a PNG's IHDR; undefined when the bytes are not a PNG header. */
export function pngSize(png: Uint8Array): ImageSize | undefined {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (png.length < 24 || signature.some((b, i) => png[i] !== b)) return undefined;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  if (view.getUint32(12) !== 0x49484452) return undefined; // "IHDR"
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** The keys whose string values hold a literal parsed in place (see LiteralOptions.nestedKeys). */
const MASK_KEYS = ['image_features'];

/** The list inside `{"predictions": [...]}` (how some serving layers wrap the rows), else the value. */
export function unwrapPredictions(parsed: unknown): unknown {
  return parsed && typeof parsed === 'object' && !Array.isArray(parsed) && 'predictions' in parsed
    ? (parsed as { predictions: unknown }).predictions
    : parsed;
}

/**
 * responseRows of the answer's bytes, its mask data read from the bytes (see byteRuns.ts) when
 * every long string is the `data` of a row's image_features; otherwise (any other shape, and
 * every error, quoted from the whole text) responseRows of the text.
 */
function responseRowsOfBytes(body: Buffer, quote: Quote): unknown[] {
  const cut = cutLongStrings(body);
  if (cut && cut.runs.length > 0) {
    const table: RunTable = { values: cut.runs, used: 0 };
    try {
      const parsed = unwrapPredictions(parseLiteral(cut.text, { nestedKeys: MASK_KEYS, runs: table }));
      if (Array.isArray(parsed) && table.used === cut.runs.length && maskDataRuns(parsed) === cut.runs.length)
        return parsed;
    } catch {
      // The text's own parse below says what is wrong.
    }
  }
  return responseRows(cut && cut.runs.length === 0 ? cut.text : bodyText(body), quote);
}

/** How many rows have a ByteRun as image_features.data (each run is used once: see cutLongStrings). */
function maskDataRuns(rows: readonly unknown[]): number {
  let count = 0;
  for (const row of rows) {
    const features =
      row && typeof row === 'object' ? (row as Record<string, unknown>).image_features : undefined;
    const data =
      features && typeof features === 'object' ? (features as Record<string, unknown>).data : undefined;
    if (data instanceof ByteRun) count++;
  }
  return count;
}

function responseRows(body: string, quote: Quote): unknown[] {
  const trimmed = body.trimStart();
  if (trimmed.startsWith('<')) {
    throw badResponse(
      'the endpoint answered with an HTML page instead of JSON (often a gateway or proxy error page; check the scoring URL)',
      body,
      quote,
    );
  }
  let parsed: unknown;
  try {
    // image_features (a literal in a string) comes back parsed: see LiteralOptions.nestedKeys.
    const options = { nestedKeys: MASK_KEYS };
    parsed = parseLiteral(body, options);
    // Score scripts that `return json.dumps(...)` get encoded twice by the serving layer.
    if (typeof parsed === 'string' && /^\s*[[{]/.test(parsed)) parsed = parseLiteral(parsed, options);
  } catch {
    throw badResponse('the response is not valid JSON', body, quote);
  }
  parsed = unwrapPredictions(parsed);
  if (!Array.isArray(parsed))
    throw badResponse(
      'expected a JSON list with one object per image (or {"predictions": [...]})',
      body,
      quote,
    );
  return parsed;
}

/**
 * One answer row ({image_features, text_features}) against the prompts sent in it; `where` names
 * the row in errors. Also reads the rows of a batch job's predictions.csv.
 */
export function decodeRow(
  row: unknown,
  prompts: readonly string[],
  where: string,
  quote: Quote,
  sent: ImageSize | undefined,
): DecodedMask[] {
  // Lazily: stringifying a multi-megabyte row is only worth it when there is an error to quote.
  const raw = () => JSON.stringify(row) ?? String(row);
  if (!row || typeof row !== 'object' || Array.isArray(row))
    throw badResponse(`${where} is not an object with image_features`, raw(), quote);
  const { image_features: features, text_features: labels } = row as Record<string, unknown>;
  let info: unknown = features;
  if (typeof features === 'string') {
    try {
      info = parseLiteral(features);
    } catch (error) {
      const why = error instanceof LiteralSyntaxError ? `: ${error.message}` : '';
      throw badResponse(
        `${where}: image_features is neither JSON nor a Python dict literal${why}`,
        features,
        quote,
      );
    }
  }
  if (!info || typeof info !== 'object' || Array.isArray(info))
    throw badResponse(`${where}: image_features is missing or not an object`, raw(), quote);
  const { data, shape, dtype } = info as Record<string, unknown>;
  const describe = () => `shape ${JSON.stringify(shape)}, dtype ${JSON.stringify(dtype)}`;

  if (!Array.isArray(shape) || shape.length !== 3 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw badResponse(
      `${where}: expected shape [N, H, W] with N = ${prompts.length} prompt(s), got ${describe()}`,
      raw(),
      quote,
    );
  }
  const [n, h, w] = shape as number[];
  if (n !== prompts.length)
    throw badResponse(
      `${where}: expected ${prompts.length} mask(s), one per prompt, got ${describe()}`,
      raw(),
      quote,
    );
  if (h > MAX_SIDE || w > MAX_SIDE)
    throw badResponse(`${where}: mask size ${w}×${h} is beyond ${MAX_SIDE}²`, raw(), quote);
  if (sent && (w !== sent.width || h !== sent.height)) {
    // Masks are read on the grid of the image sent; another size is another model or a resizing
    // scoring script, and mapping them back would misplace every pixel.
    throw badResponse(
      `${where}: the endpoint returned masks of ${w}×${h} where ${sent.width}×${sent.height} was expected (the size of the image sent; shape ${JSON.stringify(shape)})`,
      '',
      quote,
    );
  }
  const type = typeof dtype === 'string' ? DTYPES[dtype] : undefined;
  if (!type)
    throw badResponse(
      `${where}: unsupported dtype ${JSON.stringify(dtype)} (expected uint8, float32 or bool)`,
      raw(),
      quote,
    );
  // A ByteRun: the string as the bytes it arrived in (see byteRuns.ts), the same checks.
  if (typeof data !== 'string' && !(data instanceof ByteRun))
    throw badResponse(`${where}: image_features.data is not a base64 string`, raw(), quote);
  const plane = h * w;
  const expectedBytes = n * plane * type.size;
  // Node's decoder skips characters that are not base64, so garbage could hide in a string of
  // the right length. A string of exactly the canonical length that decodes to the expected
  // byte count has no such characters; anything else (76-column line breaks) gets the full check.
  if (
    data.length !== 4 * Math.ceil(expectedBytes / 3) &&
    !(typeof data === 'string' ? /^[A-Za-z0-9+/=\r\n]*$/.test(data) : data.isBase64Text())
  ) {
    const head = typeof data === 'string' ? data.slice(0, 200) : data.head(200);
    throw badResponse(`${where}: image_features.data is not base64`, head, quote);
  }
  const bytes = typeof data === 'string' ? Buffer.from(data, 'base64') : data.decodeBase64();
  if (bytes.length !== expectedBytes) {
    throw badResponse(
      `${where}: ${describe()} needs ${expectedBytes} bytes, the data holds ${bytes.length}`,
      raw(),
      quote,
    );
  }
  const maps = toUint8(bytes, type, n * plane, where, quote);

  const names = labelsOf(labels, n) ?? prompts;
  return prompts.map((prompt, k) => ({
    prompt,
    label: names[k],
    width: w,
    height: h,
    data: maps.subarray(k * plane, (k + 1) * plane),
  }));
}

/**
 * The endpoint's names for the masks (`text_features`): a list of strings, or that list as a
 * Python or JSON literal in a string (`"['liver', 'kidney']"`, as notebooks that read the
 * answer back with pandas send it). Undefined when missing or unreadable: the masks are what
 * matters, and the prompts name them just as well.
 */
function labelsOf(labels: unknown, n: number): string[] | undefined {
  let list = labels;
  if (typeof list === 'string') {
    try {
      list = parseLiteral(list);
    } catch {
      return undefined;
    }
  }
  if (!Array.isArray(list) || list.length !== n || !list.every((l) => typeof l === 'string'))
    return undefined;
  return list as string[];
}

/** Normalises every dtype to the uint8 probability map the rest of the pipeline uses. */
function toUint8(
  bytes: Buffer,
  type: { kind: DtypeKind; littleEndian: boolean },
  count: number,
  where: string,
  quote: Quote,
): Uint8Array {
  if (type.kind === 'uint8') return new Uint8Array(bytes.buffer, bytes.byteOffset, count);
  const out = new Uint8Array(count);
  if (type.kind === 'bool') {
    for (let i = 0; i < count; i++) out[i] = bytes[i] ? 255 : 0;
    return out;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const size = type.kind === 'float32' ? 4 : 8;
  let worst = 0;
  for (let i = 0; i < count; i++) {
    const v =
      size === 4 ? view.getFloat32(i * 4, type.littleEndian) : view.getFloat64(i * 8, type.littleEndian);
    // Probabilities only: a float map on a 0–255 scale or logits would otherwise be misread silently.
    if (!(v >= -1e-3 && v <= 1 + 1e-3)) {
      worst = v;
      break;
    }
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  if (worst !== 0)
    throw badResponse(
      `${where}: ${type.kind} masks must hold probabilities in [0, 1], found ${worst}`,
      '',
      quote,
    );
  return out;
}

function badResponse(problem: string, received: string, quote: Quote): EndpointError {
  const shown = received ? ` Received: ${quote(received)}` : '';
  return new EndpointError('bad-response', `Unexpected response: ${problem}.${shown}`);
}

/** Characters kept past `max` for redaction, so that a cut never leaves half a key that still matches nothing. */
const REDACT_MARGIN = 4096;

/**
 * Short, secret-free excerpt: base64 runs collapsed, scripts and styles dropped, whitespace
 * folded, length capped. Safe on any size: a body of many megabytes (a response full of base64)
 * is quoted from a bounded window, with no regular expression that backtracks per character.
 */
export function excerpt(text: string, redact: (t: string) => string, max = 300): string {
  const folded = text
    // `+` with a length check, not `{80,}`: V8 backtracks through a bounded quantifier with one
    // stack frame per character, and 6 MB of base64 died with "Maximum call stack size exceeded".
    .replace(/[A-Za-z0-9+/=]+/g, (run) => (run.length >= 80 ? `<${run.length} chars of base64>` : run))
    .replace(/<(script|style)\b[\s\S]*?(?:<\/\1>|$)/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  // Redact before cutting, so that a cut never leaves half a key that no longer matches; only a
  // window a little longer than what is shown, so that redacting stays cheap on huge bodies.
  const window = folded.length > max + REDACT_MARGIN ? folded.slice(0, max + REDACT_MARGIN) : folded;
  const clean = redact(window);
  return `"${clean.length > max ? `${clean.slice(0, max)}…` : clean}"`;
}
