import { isAscii } from 'node:buffer';

/**
 * Reading an answer without making it one string. A 2D answer is a few hundred bytes of JSON
 * around megabytes of base64 (two 1024² masks: 2.8 MB). As one string, those megabytes are an
 * external string to V8, and V8 answers external memory with full mark-compact collections:
 * about one every fourth slice of a volume run, each ~20 ms of CPU over the collector's threads.
 * Kept as bytes, they are decoded in small pieces, which the cheap young-generation collection
 * frees.
 */

/** A string of the answer at least this long is kept as bytes (see cutLongStrings). */
const LONG_STRING = 1 << 16;
/** Characters of base64 decoded at a time: a multiple of 4, and a small young-generation string. */
const DECODE_PIECE = 1 << 16;

/** A long string of an answer, kept as the ASCII bytes it arrived in. */
export class ByteRun {
  constructor(readonly bytes: Buffer) {}

  get length(): number {
    return this.bytes.length;
  }

  /** Its first `n` characters, for messages. */
  head(n: number): string {
    return this.bytes.toString('latin1', 0, Math.min(n, this.bytes.length));
  }

  /** Every character is base64 (or a line break of Python's 76-column form). */
  isBase64Text(): boolean {
    for (let from = 0; from < this.bytes.length; from += DECODE_PIECE) {
      const piece = this.bytes.toString('latin1', from, Math.min(from + DECODE_PIECE, this.bytes.length));
      if (!/^[A-Za-z0-9+/=\r\n]*$/.test(piece)) return false;
    }
    return true;
  }

  /**
   * Buffer.from(<this string>, 'base64'), byte for byte. Plain base64 is decoded piece by piece:
   * each piece is whole groups of four characters, so the pieces' bytes join into the whole's.
   * When they come to fewer bytes than plain base64 of this length gives (a character that is
   * not base64 anywhere, or a line break), the whole string is decoded at once, as Buffer.from
   * would.
   */
  decodeBase64(): Buffer {
    const { bytes } = this;
    if (bytes.length % 4 === 0) {
      const out = Buffer.allocUnsafe((bytes.length / 4) * 3);
      let written = 0;
      for (let from = 0; from < bytes.length; from += DECODE_PIECE) {
        const piece = bytes.toString('latin1', from, Math.min(from + DECODE_PIECE, bytes.length));
        written += out.write(piece, written, 'base64');
      }
      const padding =
        bytes.length === 0 || bytes[bytes.length - 1] !== 0x3d ? 0 : bytes[bytes.length - 2] === 0x3d ? 2 : 1;
      if (written === out.length - padding) return out.subarray(0, written);
    }
    return Buffer.from(bytes.toString('latin1'), 'base64');
  }

  /** In JSON (an error message quoting the answer): a marker, never megabytes. */
  toJSON(): string {
    return `<${this.bytes.length} characters>`;
  }
}

/**
 * The answer as text with its long strings cut out: each string content of at least 64 kB that
 * holds no quote, backslash or non-ASCII byte becomes the placeholder `\0<k>\0` (see
 * LiteralOptions.runs) and runs[k] its bytes. Such a content is copied verbatim by any parse (it
 * holds nothing the grammar looks at), so parsing the text with the runs gives what parsing the
 * whole answer gives, wherever every run comes back as a whole string. Undefined when the answer
 * holds a NUL of its own (placeholders would be ambiguous).
 *
 * Strings are found between quote characters (`"` or `'`, found by the native indexOf): a string
 * nested in a JSON string ends in `\"`, so a trailing backslash is left out of the run.
 */
export function cutLongStrings(body: Buffer): { text: string; runs: ByteRun[] } | undefined {
  if (body.indexOf(0) >= 0) return undefined;
  const runs: ByteRun[] = [];
  const parts: string[] = [];
  let copied = 0; // body bytes [0, copied) are in parts
  let double = body.indexOf(0x22);
  let single = body.indexOf(0x27);
  let open = -1; // the quote before the current stretch
  while (double >= 0 || single >= 0) {
    let quote: number;
    if (single < 0 || (double >= 0 && double < single)) {
      quote = double;
      double = body.indexOf(0x22, quote + 1);
    } else {
      quote = single;
      single = body.indexOf(0x27, quote + 1);
    }
    const start = open + 1;
    let end = quote;
    if (end - start > LONG_STRING) {
      if (body[end - 1] === 0x5c) end--; // the backslash of an escaped closing quote
      const run = body.subarray(start, end);
      if (run.indexOf(0x5c) < 0 && isAscii(run)) {
        parts.push(textOf(body, copied, start), `\0${runs.length}\0`);
        runs.push(new ByteRun(run));
        copied = end;
      }
    }
    open = quote;
  }
  parts.push(textOf(body, copied, body.length));
  return { text: parts.join(''), runs };
}

/** The whole answer as a string: latin1 for ASCII (3× faster than utf8, the same text), else utf8. */
export function bodyText(body: Buffer): string {
  return textOf(body, 0, body.length);
}

function textOf(body: Buffer, from: number, to: number): string {
  const part = body.subarray(from, to);
  return isAscii(part) ? part.toString('latin1') : part.toString('utf8');
}
