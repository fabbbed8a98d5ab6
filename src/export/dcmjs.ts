import { loadDcmjs } from '../runtime/optionalModules';

/**
 * The slice of dcmjs this module uses, typed here because dcmjs ships no type declarations.
 * Naturalized datasets are plain objects keyed by DICOM keyword.
 */

export type NaturalDataset = Record<string, unknown>;

interface Logger {
  getLevel?(): number;
  setLevel?(level: string | number): void;
}

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
  log?: Logger & { getLogger?(name: string): Logger };
}

/**
 * dcmjs, loaded on first use (about 700 kB of script that a window which never exports a SEG
 * should not pay for): getters, so importing this module loads nothing. A failed load throws
 * MissingModuleError (see runtime/optionalModules).
 */
export const dcmjs: DcmjsApi = {
  get data() {
    return loadDcmjs().data;
  },
  get log() {
    return loadDcmjs().log;
  },
};

/** An ArrayBuffer holding exactly the bytes of a Node buffer (dcmjs wants ArrayBuffers). */
export function toArrayBuffer(buf: Uint8Array): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}

/**
 * Runs `fn` with dcmjs's loggers silenced: reading real files logs a warning per
 * private or unusual tag ("Invalid vr type xs"), which is noise in a CLI or an output channel.
 */
export function quietly<T>(fn: () => T): T {
  // The VR complaints go to a separate "validation.dcmjs" logger at error level.
  const loggers = [dcmjs.log, dcmjs.log?.getLogger?.('validation.dcmjs')].filter((l): l is Logger => !!l);
  const previous = loggers.map((l) => l.getLevel?.());
  loggers.forEach((l) => l.setLevel?.('silent'));
  try {
    return fn();
  } finally {
    loggers.forEach((l, i) => {
      const level = previous[i];
      if (level !== undefined) l.setLevel?.(level);
    });
  }
}
