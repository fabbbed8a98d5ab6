import type { EndpointProtocol } from './config';
import { EndpointError } from './errors';

/** One image (the 1024² model-input PNG) and the target descriptions to segment in it. */
export interface ParseInput {
  png: Buffer;
  prompts: string[];
}

/** A group of images sent as one HTTP request; `inputIndices` point back into the caller's list. */
export interface RequestBatch {
  inputIndices: number[];
  body: string;
}

const COLUMNS = ['image', 'text'] as const;
// The envelope around the rows: `{"input_data":{"columns":[…],"index":[…],"data":[…]},"params":{}}`.
const ENVELOPE_BYTES = 96;

/** The model splits the text on '&', so a prompt may not contain one itself. */
export function validatePrompts(prompts: readonly string[], imageIndex: number): string[] {
  if (prompts.length === 0)
    throw new EndpointError(
      'bad-request',
      `Image ${imageIndex + 1}: no prompt given; name at least one target (e.g. "liver").`,
    );
  return prompts.map((raw) => {
    const prompt = raw.trim();
    if (!prompt)
      throw new EndpointError(
        'bad-request',
        `Image ${imageIndex + 1}: an empty prompt; remove it or name a target.`,
      );
    if (prompt.includes('&')) {
      throw new EndpointError(
        'bad-request',
        `Image ${imageIndex + 1}: the prompt "${prompt}" contains '&', which separates prompts; give each target as its own prompt.`,
      );
    }
    return prompt;
  });
}

function rowOf(input: ParseInput, prompts: string[]): [string, string] {
  // Plain base64: the reference server decodes both this and Python's 76-column encodebytes form.
  return [input.png.toString('base64'), prompts.join(' & ')];
}

/**
 * Buffer.byteLength(JSON.stringify(row)) without stringifying the image again (half a megabyte
 * per model input): base64 needs no escaping, so only the text is serialised.
 */
function rowJsonBytes([image, text]: [string, string]): number {
  return image.length + Buffer.byteLength(JSON.stringify(text)) + 5; // ["<image>",<text>]
}

/**
 * The request's JSON, character for character what JSON.stringify of the frame gives. Written out
 * rather than stringified: JSON.stringify scans every character of each base64 image for escapes
 * (about 1 ms per model input), and base64 never needs one.
 */
export function requestBody(protocol: EndpointProtocol, rows: [string, string][]): string {
  const data = rows.map(([image, text]) => `["${image}",${JSON.stringify(text)}]`).join(',');
  const frame = `{"columns":${JSON.stringify(COLUMNS)},"index":${JSON.stringify(rows.map((_, i) => i))},"data":[${data}]}`;
  return protocol === 'mlflow' ? `{"dataframe_split":${frame}}` : `{"input_data":${frame},"params":{}}`;
}

/**
 * Groups images into requests in order, several per request when they fit, so that no request
 * has more than `maxRows` rows or more than `maxBytes` of body. An image that alone exceeds the
 * byte limit is an error rather than a request the server will reject with a vaguer 413.
 */
export function planRequests(
  inputs: readonly ParseInput[],
  protocol: EndpointProtocol,
  limits: { maxBytes: number; maxRows: number },
): { batches: RequestBatch[]; prompts: string[][] } {
  const prompts = inputs.map((input, i) => validatePrompts(input.prompts, i));
  const rows = inputs.map((input, i) => rowOf(input, prompts[i]));
  const rowBytes = rows.map((row) => rowJsonBytes(row) + 8);
  const maxRows = Math.max(1, Math.floor(limits.maxRows));
  const batches: RequestBatch[] = [];
  let current: number[] = [];
  let currentBytes = ENVELOPE_BYTES;
  const flush = () => {
    if (current.length === 0) return;
    batches.push({
      inputIndices: current,
      body: requestBody(
        protocol,
        current.map((i) => rows[i]),
      ),
    });
    current = [];
    currentBytes = ENVELOPE_BYTES;
  };
  rows.forEach((_, i) => {
    if (ENVELOPE_BYTES + rowBytes[i] > limits.maxBytes) {
      throw new EndpointError(
        'bad-request',
        `Image ${i + 1}: its request would be ${formatBytes(ENVELOPE_BYTES + rowBytes[i])}, over the endpoint's request size limit of ${formatBytes(limits.maxBytes)}; raise the limit in the endpoint settings.`,
      );
    }
    if (current.length >= maxRows || currentBytes + rowBytes[i] > limits.maxBytes) flush();
    current.push(i);
    currentBytes += rowBytes[i];
  });
  flush();
  return { batches, prompts };
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} kB`;
  return `${bytes} bytes`;
}
