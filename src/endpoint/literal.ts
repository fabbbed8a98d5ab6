/**
 * A strict parser for endpoint responses and the value inside `image_features`. Endpoints send
 * JSON, but the reference documentation (and score scripts that call `str(dict)`) use Python
 * literal syntax: single quotes, True/False/None, tuples. This accepts JSON and exactly those
 * literals, nothing executable; it never evaluates anything.
 *
 * It is also the fast path: a response holds one huge base64 string, which this copies out with
 * one `indexOf` and one slice, where JSON.parse validates and copies it character by character
 * (about 3× slower on a 16-mask answer, measured in bench/endpoint.bench.ts).
 */
export class LiteralSyntaxError extends Error {}

export interface LiteralOptions {
  /**
   * Dict keys whose value, when it is a string holding a literal itself (`image_features`:
   * `"{\"data\": \"<megabytes of base64>\", ...}"`), is returned parsed, exactly as
   * parseLiteral of that string would give it (the string itself when that fails or gives a
   * string). Why: the
   * escapes make the unescaped string a concatenation that parsing it again copies whole (V8
   * flattens it), megabytes per answer; parsed here, its long runs are never copied.
   */
  nestedKeys?: readonly string[];
  /**
   * Values for NUL-delimited placeholders in the text (`\0<k>\0`, the whole content of a string
   * stands for values[k]), shared with the nested strings of `nestedKeys`; `used` counts the
   * placeholders read back. A caller that cut long strings out of the text (see cutLongStrings)
   * knows the parse is the text's own when every value was used where it expects it.
   */
  runs?: RunTable;
}

export interface RunTable {
  readonly values: readonly unknown[];
  used: number;
}

export function parseLiteral(text: string, options: LiteralOptions = {}): unknown {
  return new LiteralParser(text, options.nestedKeys, options.runs, !!options.runs).parseDocument();
}

/** A run at least this long between two escapes of a nested string is kept out of its re-parse. */
const LONG_RUN = 1 << 16;

/**
 * parseLiteral of the string made of `pieces` (raw runs and unescaped characters, in order), with
 * each long run that holds no quote, backslash or NUL replaced by a NUL-delimited placeholder
 * the parser maps back to the run itself. Such a run can only ever be read as the whole content
 * of one string (it holds nothing else the grammar looks at), so the result is the same as the
 * full parse whenever every placeholder came back as a whole string; otherwise (and when the
 * rest holds a NUL of its own) undefined, and the caller parses the whole string.
 */
function parseNested(pieces: readonly string[]): { value: unknown } | undefined {
  const runs: string[] = [];
  let rest = '';
  for (const piece of pieces) {
    if (
      piece.length >= LONG_RUN &&
      piece.indexOf('"') < 0 &&
      piece.indexOf("'") < 0 &&
      piece.indexOf('\\') < 0 &&
      piece.indexOf('\0') < 0
    ) {
      rest += `\0${runs.length}\0`;
      runs.push(piece);
    } else rest += piece;
  }
  if (runs.length === 0 || rest.split('\0').length !== 2 * runs.length + 1) return undefined;
  const table: RunTable = { values: runs, used: 0 };
  try {
    const value = new LiteralParser(rest, undefined, table).parseDocument();
    return table.used === runs.length ? { value } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * parseLiteral of a nested string, or the string itself when it is not a literal. With `table`,
 * its placeholders are read from it (and, when the parse fails, none counted as used).
 */
function parseWhole(text: string, table?: RunTable): { value: unknown } {
  const used = table?.used ?? 0;
  try {
    return { value: new LiteralParser(text, undefined, table).parseDocument() };
  } catch {
    if (table) table.used = used;
    return { value: text };
  }
}

class LiteralParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly nestedKeys?: readonly string[],
    /** Values of the text's placeholders (see LiteralOptions.runs, parseNested). */
    private readonly runs?: RunTable,
    /** Nested strings hold placeholders of `runs` too (the caller cut the long strings out). */
    private readonly nestedShareRuns = false,
  ) {}

  parseDocument(): unknown {
    const value = this.value(0);
    this.skipSpace();
    if (this.pos !== this.text.length) this.fail('unexpected text after the value');
    return value;
  }

  private fail(what: string): never {
    throw new LiteralSyntaxError(`${what} at character ${this.pos}`);
  }

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  private value(depth: number): unknown {
    if (depth > 32) this.fail('nesting too deep');
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === '{') return this.dict(depth);
    if (c === '[') return this.sequence(']', depth);
    if (c === '(') return this.sequence(')', depth);
    if (c === "'" || c === '"') return this.string();
    if ((c === 'b' || c === 'u') && (this.text[this.pos + 1] === "'" || this.text[this.pos + 1] === '"')) {
      this.pos++;
      return this.string();
    }
    const word = /^(True|False|None|true|false|null)\b/.exec(this.text.slice(this.pos, this.pos + 6));
    if (word) {
      this.pos += word[1].length;
      return word[1] === 'True' || word[1] === 'true'
        ? true
        : word[1] === 'False' || word[1] === 'false'
          ? false
          : null;
    }
    const num = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 40));
    if (num) {
      this.pos += num[0].length;
      return Number(num[0]);
    }
    return this.fail(c === undefined ? 'unexpected end' : `unexpected '${c}'`);
  }

  private dict(depth: number): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = Object.create(null);
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = this.value(depth + 1);
      if (typeof key !== 'string') this.fail('a dict key that is not a string');
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail("expected ':'");
      this.pos++;
      this.skipSpace();
      const quote = this.text[this.pos];
      if (this.nestedKeys?.includes(key as string) && (quote === '"' || quote === "'")) {
        const pieces: string[] = [];
        const text = this.string(pieces);
        if (typeof text !== 'string') {
          out[key as string] = text; // the whole string was a placeholder: its value as it is
        } else {
          const parsed = (
            this.nestedShareRuns ? parseWhole(text, this.runs) : (parseNested(pieces) ?? parseWhole(text))
          ).value;
          // A string inside (encoded twice) stays as sent: the caller's own parse decides about it.
          out[key as string] = typeof parsed === 'string' ? text : parsed;
        }
      } else {
        out[key as string] = this.value(depth + 1);
      }
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== '}') this.fail("expected ',' or '}'");
    }
  }

  private sequence(close: string, depth: number): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === close) {
        this.pos++;
        return out;
      }
      out.push(this.value(depth + 1));
      this.skipSpace();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] !== close) this.fail(`expected ',' or '${close}'`);
    }
  }

  /**
   * A quoted string; its raw runs and unescaped characters are also appended to `pieces`. A string
   * that is a whole placeholder gives its value instead (see `runs`).
   */
  private string(pieces?: string[]): unknown {
    const quote = this.text[this.pos++];
    let out = '';
    for (;;) {
      // indexOf keeps a multi-megabyte base64 string to one slice instead of a per-character
      // loop; the backslash search is bounded by the closing quote so that many short strings in
      // a long text stay linear.
      const end = this.text.indexOf(quote, this.pos);
      if (end < 0) this.fail('unterminated string');
      const rel = this.text.slice(this.pos, end).indexOf('\\');
      const esc = rel < 0 ? -1 : this.pos + rel;
      if (esc < 0) {
        const run = this.text.slice(this.pos, end);
        pieces?.push(run);
        out += run;
        this.pos = end + 1;
        return this.runs && out.charCodeAt(0) === 0 ? this.placeholder(out) : out;
      }
      const run = this.text.slice(this.pos, esc);
      this.pos = esc + 1;
      const escaped = this.escape();
      pieces?.push(run, escaped);
      out += run + escaped;
    }
  }

  /** A string read from a text with placeholders: a whole placeholder stands for its value. */
  private placeholder(text: string): unknown {
    const match = /^\0(\d+)\0$/.exec(text);
    const table = this.runs as RunTable;
    if (!match || Number(match[1]) >= table.values.length) return text;
    table.used++;
    return table.values[Number(match[1])];
  }

  private escape(): string {
    const c = this.text[this.pos++];
    switch (c) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'b':
        return '\b';
      case 'f':
        return '\f';
      case '\\':
      case "'":
      case '"':
      case '/':
        return c;
      case '\n':
        return '';
      case 'x':
      case 'u': {
        const len = c === 'x' ? 2 : 4;
        const hex = this.text.slice(this.pos, this.pos + len);
        if (!/^[0-9a-fA-F]+$/.test(hex) || hex.length !== len) this.fail('bad escape');
        this.pos += len;
        return String.fromCharCode(parseInt(hex, 16));
      }
      default:
        return this.fail(`unsupported escape '\\${c ?? ''}'`);
    }
  }
}
