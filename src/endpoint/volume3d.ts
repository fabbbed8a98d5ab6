import { EndpointError } from './errors';
import { LiteralSyntaxError, parseLiteral } from './literal';
import { unwrapPredictions, type Quote } from './response';

/**
 * The MedImageParse 3D protocol, as Microsoft documents its online endpoint: one volume
 * (a base64 .nii.gz) and one target per request,
 *   {"input_data": {"columns": ["image", "text"], "index": [0], "data": [[<b64 .nii.gz>, "<target>"]]}}
 * answered by
 *   [{"nifti_file": "{\"data\": \"<b64 .nii.gz mask>\"}"}]
 * where `nifti_file` is a JSON string inside the JSON (score scripts that `str()` a dict send
 * Python quoting instead, which is accepted too).
 */

export function volume3dRequestBody(niftiGz: Uint8Array, target: string): string {
  if (!target.trim()) throw new EndpointError('bad-request', 'The 3D model needs a non-empty target.');
  const image = Buffer.from(niftiGz.buffer, niftiGz.byteOffset, niftiGz.byteLength).toString('base64');
  return JSON.stringify({
    input_data: { columns: ['image', 'text'], index: [0], data: [[image, target.trim()]] },
  });
}

/** The mask volume (.nii.gz or .nii bytes) of a 3D answer. */
export function decodeVolume3dResponse(body: string, quote: Quote): Buffer {
  const fail = (problem: string, received: string) =>
    new EndpointError(
      'bad-response',
      `Unexpected 3D response: ${problem}.${received ? ` Received: ${quote(received)}` : ''}`,
    );
  let parsed: unknown;
  try {
    parsed = parseLiteral(body);
    if (typeof parsed === 'string' && /^\s*[[{]/.test(parsed)) parsed = parseLiteral(parsed);
  } catch {
    throw fail('the response is not valid JSON', body);
  }
  parsed = unwrapPredictions(parsed);
  const row = Array.isArray(parsed) ? parsed[0] : parsed;
  if (Array.isArray(parsed) && parsed.length !== 1)
    throw fail(`expected one row, got ${parsed.length}`, body);
  if (!row || typeof row !== 'object' || !('nifti_file' in row)) {
    throw fail('expected [{"nifti_file": …}] (is this a 2D endpoint? it answers with image_features)', body);
  }
  let file: unknown = (row as { nifti_file: unknown }).nifti_file;
  if (typeof file === 'string') {
    try {
      file = parseLiteral(file);
    } catch (error) {
      const why = error instanceof LiteralSyntaxError ? `: ${error.message}` : '';
      throw fail(`nifti_file is neither JSON nor a Python dict literal${why}`, file as string);
    }
  }
  const data = file && typeof file === 'object' ? (file as { data?: unknown }).data : undefined;
  if (typeof data !== 'string' || data.length === 0) throw fail('nifti_file has no "data" string', body);
  // Checked as a NIfTI by the caller: Buffer.from skips characters that are not base64.
  return Buffer.from(data, 'base64');
}
