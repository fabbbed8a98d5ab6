/**
 * The slice of dcmjs this module uses, typed here because dcmjs ships no type declarations.
 * Naturalized datasets are plain objects keyed by DICOM keyword.
 */

export type NaturalDataset = Record<string, unknown>;

interface DicomDictLike {
  meta: Record<string, unknown>;
  dict: Record<string, unknown>;
  write(options?: { allowInvalidVRLength?: boolean }): ArrayBuffer;
}

export interface DcmjsApi {
  data: {
    DicomMessage: {
      readFile(
        buffer: ArrayBuffer,
        options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean },
      ): DicomDictLike;
    };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, unknown>): NaturalDataset;
      denaturalizeDataset(dataset: NaturalDataset): Record<string, unknown>;
      uid(): string;
    };
    DicomDict: new (meta: Record<string, unknown>) => DicomDictLike;
  };
  log?: { setLevel?(level: string): void };
}

// dcmjs is CommonJS without types; a typed require keeps strict mode honest about what we use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
export const dcmjs = require('dcmjs') as DcmjsApi;

/** An ArrayBuffer holding exactly the bytes of a Node buffer (dcmjs wants ArrayBuffers). */
export function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
