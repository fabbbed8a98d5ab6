import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { maskFor } from './pixelServer';

/**
 * An offline stand-in for an Azure ML batch deployment of MedImageParse: reads the input CSV files
 * as the MLflow batch scoring does (pandas read_csv: the header, the unnamed index column, then
 * image and text), computes each row's masks from the pixels it received (the pixel server's
 * rule: prompt `bright` is every model-input pixel with red in 192…252, `medium` 64…191, anything
 * else empty), and writes predictions.csv as the job's APPEND_ROW output does (pandas to_csv,
 * no header): the row's position in its file, image_features as a JSON string, text_features as
 * a Python-style list string, and the input file's name when several files were read.
 * The CSV reading and writing here is its own, so that it checks the product's rather than
 * repeating it.
 */

export interface SimulatedRow {
  file: string;
  position: number;
  /** The fields as written (position, image_features, text_features[, file]). */
  fields: string[];
}

export interface SimulateOptions {
  /** Write the file-name column (Azure ML does when the job read several files). Default: when more than one file. */
  fileColumn?: boolean;
  /** Shuffle the rows with this seed (rows of parallel workers arrive in any order). */
  shuffleSeed?: number;
  /** Rows the job never writes (a mini-batch that failed for good). */
  drop?: { file: string; position: number }[];
  /** Rows whose features come back damaged, and how. */
  corrupt?: { file: string; position: number; how: 'truncated-json' | 'wrong-mask-count' | 'not-base64' }[];
  /** Rows written twice (a retried mini-batch). */
  duplicate?: { file: string; position: number }[];
  /** Extra records that answer nothing (another job's rows, garbage). */
  extraLines?: string[];
}

/** RFC 4180 parsing of a whole small file (test inputs): records of fields. */
export function readCsv(text: string): string[][] {
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      record.push(field);
      field = '';
    } else if (c === '\n') {
      record.push(field.endsWith('\r') ? field.slice(0, -1) : field);
      records.push(record);
      record = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}

function toCsvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.split('"').join('""')}"` : value;
}

/** Python's repr of a list of strings, as str(list) writes text_features. */
function pythonList(items: string[]): string {
  return `[${items.map((s) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(', ')}]`;
}

function random(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** The masks a row's image and text get (N × H × W bytes), and the shape. */
export async function rowMasks(
  imageBase64: string,
  text: string,
): Promise<{ data: Buffer; shape: number[]; prompts: string[] }> {
  const { data, info } = await sharp(Buffer.from(imageBase64, 'base64'))
    .raw()
    .toBuffer({ resolveWithObject: true });
  const red = new Uint8Array(info.width * info.height);
  for (let i = 0; i < red.length; i++) red[i] = data[i * info.channels];
  const prompts = text.split('&').map((p) => p.trim());
  return {
    data: Buffer.concat(prompts.map((p) => maskFor(p, red))),
    shape: [prompts.length, info.height, info.width],
    prompts,
  };
}

/** Scores the input files and writes `outFile` (predictions.csv); returns the rows as written. */
export async function simulateBatchJob(
  inputFiles: string[],
  outFile: string,
  options: SimulateOptions = {},
): Promise<SimulatedRow[]> {
  const fileColumn = options.fileColumn ?? inputFiles.length > 1;
  const is = <T extends { file: string; position: number }>(
    list: T[] | undefined,
    file: string,
    position: number,
  ) => list?.find((r) => r.file === file && r.position === position);
  const rows: SimulatedRow[] = [];
  for (const input of inputFiles) {
    const records = readCsv(fs.readFileSync(input, 'utf8'));
    const header = records.shift();
    if (!header || header.join(',') !== ',image,text')
      throw new Error(`${input}: header is ${JSON.stringify(header)}`);
    const name = path.basename(input);
    // pandas numbers the rows it read 0, 1, 2…: that index is column 0 of the output.
    for (const [position, record] of records.entries()) {
      if (record.length !== 3) throw new Error(`${input}: record ${position} has ${record.length} fields`);
      if (is(options.drop, name, position)) continue;
      const [, image, text] = record;
      const masks = await rowMasks(image, text);
      let features = JSON.stringify({
        data: masks.data.toString('base64'),
        shape: masks.shape,
        dtype: 'uint8',
      })
        .replace('","shape":', '", "shape": ')
        .replace('],"dtype":', '], "dtype": ')
        .replace('{"data":', '{"data": ');
      const damage = is(options.corrupt, name, position);
      if (damage?.how === 'truncated-json') features = features.slice(0, features.length / 2);
      if (damage?.how === 'wrong-mask-count')
        features = JSON.stringify({
          data: masks.data.subarray(0, masks.shape[1] * masks.shape[2]).toString('base64'),
          shape: [1, masks.shape[1], masks.shape[2]],
          dtype: 'uint8',
        });
      if (damage?.how === 'not-base64')
        features = JSON.stringify({ data: '@@@@', shape: masks.shape, dtype: 'uint8' });
      const fields = [String(position), features, pythonList(masks.prompts), ...(fileColumn ? [name] : [])];
      rows.push({ file: name, position, fields });
      if (is(options.duplicate, name, position)) rows.push({ file: name, position, fields });
    }
  }
  if (options.shuffleSeed !== undefined) {
    const next = random(options.shuffleSeed);
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [rows[i], rows[j]] = [rows[j], rows[i]];
    }
  }
  const lines = rows.map((r) => r.fields.map(toCsvField).join(',') + '\n');
  fs.writeFileSync(outFile, lines.join('') + (options.extraLines ?? []).map((l) => l + '\n').join(''));
  return rows;
}
