import fs from 'node:fs';

/**
 * The CSV dialect of Azure ML batch files, as pandas writes and reads it (RFC 4180): fields
 * separated by ',', records by '\n' (a '\r' before it is dropped), a field quoted with '"' when it
 * holds ',', '"' or a line break, and '"' inside a quoted field doubled.
 */

/** One field as pandas' `to_csv` writes it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;

/** Where one record lies in the file, and its short fields. */
export interface ScannedRecord {
  /** 1-based record number in the file (the line a person would look for, when no field spans lines). */
  number: number;
  /** Byte range [start, end) of the record, without its line break. */
  start: number;
  end: number;
  /** Each field's text when at most `keepBytes` long (unquoted, unescaped), else undefined. */
  fields: (string | undefined)[];
  /** Byte length of each field as written. */
  lengths: number[];
  /** The record ended inside a quoted field (the file ended there): it is cut short. */
  unterminated: boolean;
}

/**
 * Reads a CSV file record by record without holding more than one chunk and the short fields in
 * memory: the predictions of a batch job run to gigabytes (every row carries its masks), and the
 * import only needs to know where each record lies and which input row it answers. Long fields
 * are measured, not kept; `readRecord` fetches a whole record later.
 */
export async function* scanCsvRecords(
  file: string,
  options: {
    keepBytes?: number;
    signal?: AbortSignal;
    /** Read size (tests use tiny ones). */
    chunkBytes?: number;
  } = {},
): AsyncGenerator<ScannedRecord> {
  const keepBytes = options.keepBytes ?? 4096;
  const stream = fs.createReadStream(file, { highWaterMark: options.chunkBytes ?? 1 << 20 });
  let offset = 0; // file offset of the current chunk
  let number = 0;
  let recordStart = 0;
  let fields: (string | undefined)[] = [];
  let lengths: number[] = [];
  let fieldBytes: number[] = []; // bytes of the current field (unescaped), while short
  let fieldLength = 0;
  let kept = true;
  // States: 0 start of field, 1 unquoted, 2 quoted, 3 quote seen inside a quoted field.
  let state = 0;
  let sawAny = false;
  let lastByteCR = false;

  const endField = () => {
    fields.push(kept ? Buffer.from(fieldBytes).toString('utf8') : undefined);
    lengths.push(fieldLength);
    fieldBytes = [];
    fieldLength = 0;
    kept = true;
    state = 0;
  };
  const addByte = (b: number) => {
    fieldLength++;
    if (!kept) return;
    if (fieldBytes.length >= keepBytes) {
      kept = false;
      fieldBytes = [];
    } else fieldBytes.push(b);
  };

  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      options.signal?.throwIfAborted();
      let i = 0;
      while (i < chunk.length) {
        if (state === 2) {
          // Inside quotes: jump to the next quote (base64 and JSON bodies are long runs without).
          const q = chunk.indexOf(QUOTE, i);
          const stop = q < 0 ? chunk.length : q;
          const run = stop - i;
          if (run > 0) {
            if (kept && fieldBytes.length + run <= keepBytes) {
              for (let k = i; k < stop; k++) fieldBytes.push(chunk[k]);
            } else if (kept) {
              kept = false;
              fieldBytes = [];
            }
            fieldLength += run;
          }
          i = stop;
          if (q >= 0) {
            fieldLength++;
            state = 3;
            i++;
          }
          continue;
        }
        const b = chunk[i];
        sawAny = true;
        if (state === 3) {
          if (b === QUOTE) {
            // A doubled quote: one quote in the value.
            addByte(b);
            state = 2;
            i++;
            continue;
          }
          state = 1; // closing quote seen; what follows is handled as after an unquoted field
        }
        // A '\r' outside quotes waits for the next byte: before '\n' it is the line break's.
        const pendingCR = lastByteCR;
        lastByteCR = false;
        if (b === LF) {
          const end = offset + i - (pendingCR ? 1 : 0);
          endField();
          number++;
          yield { number, start: recordStart, end, fields, lengths, unterminated: false };
          fields = [];
          lengths = [];
          recordStart = offset + i + 1;
          sawAny = false;
          i++;
          continue;
        }
        if (pendingCR) addByte(CR);
        if (b === COMMA) endField();
        else if (b === QUOTE && state === 0) {
          state = 2;
          fieldLength++;
        } else if (b === CR) {
          lastByteCR = true;
          if (state === 0) state = 1;
        } else {
          addByte(b);
          if (state === 0) state = 1;
        }
        i++;
      }
      offset += chunk.length;
    }
  } finally {
    stream.destroy();
  }
  if (sawAny || fields.length > 0 || state === 2 || state === 3) {
    const unterminated = state === 2;
    const end = offset - (lastByteCR ? 1 : 0);
    endField();
    number++;
    yield { number, start: recordStart, end, fields, lengths, unterminated };
  }
}

/** The fields of one whole record's text (no line break at its end), unquoted and unescaped. */
export function parseCsvRecord(text: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (text.charCodeAt(i) === QUOTE) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const q = text.indexOf('"', from);
        if (q < 0) {
          value += text.slice(from);
          i = text.length;
          break;
        }
        value += text.slice(from, q);
        if (text.charCodeAt(q + 1) === QUOTE) {
          value += '"';
          from = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Anything between the closing quote and the separator belongs to the field, as pandas reads it.
      const comma = text.indexOf(',', i);
      value += text.slice(i, comma < 0 ? text.length : comma);
      fields.push(value);
      if (comma < 0) return fields;
      i = comma + 1;
    } else {
      const comma = text.indexOf(',', i);
      fields.push(text.slice(i, comma < 0 ? text.length : comma));
      if (comma < 0) return fields;
      i = comma + 1;
    }
  }
}

/** Reads bytes [start, end) of a file: one record that `scanCsvRecords` found. */
export async function readRecord(file: string, start: number, end: number): Promise<string> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const buffer = Buffer.allocUnsafe(end - start);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
      if (bytesRead === 0)
        throw new Error(`${file}: ended before byte ${end} (was it changed during the import?)`);
      read += bytesRead;
    }
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}
