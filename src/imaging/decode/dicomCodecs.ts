/**
 * Decoders for compressed DICOM transfer syntaxes, each loaded on first use:
 * - RLE Lossless: ours (rle.ts);
 * - JPEG Baseline and Extended, 8-bit: @cornerstonejs/codec-libjpeg-turbo-8bit;
 * - JPEG Extended, 12-bit (grey): ours (jpeg12.ts);
 * - JPEG Lossless (processes 14, 14 SV1): jpeg-lossless-decoder-js;
 * - JPEG-LS: @cornerstonejs/codec-charls;
 * - JPEG 2000 (incl. lossless-only): @cornerstonejs/codec-openjpeg.
 * Output is native little-endian interleaved bytes of bitsAllocated per sample (RGB for colour
 * JPEG: the codecs undo the YCbCr transform themselves, where jpegColour.ts says there was one).
 */
import { decodeJpeg12, Jpeg12Error } from './jpeg12';
import { jpegColourFacts, withDecidedColourTransform } from './jpegColour';
import { loadCodecFactory } from '../../runtime/optionalModules';
import { decodeRleFrame } from './rle';

export const TRANSFER_SYNTAXES: Record<string, string> = {
  '1.2.840.10008.1.2': 'Implicit VR Little Endian',
  '1.2.840.10008.1.2.1': 'Explicit VR Little Endian',
  '1.2.840.10008.1.2.1.99': 'Deflated Explicit VR Little Endian',
  '1.2.840.10008.1.2.2': 'Explicit VR Big Endian',
  '1.2.840.10008.1.2.5': 'RLE Lossless',
  '1.2.840.10008.1.2.4.50': 'JPEG Baseline (Process 1)',
  '1.2.840.10008.1.2.4.51': 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.57': 'JPEG Lossless, Non-Hierarchical (Process 14)',
  '1.2.840.10008.1.2.4.70':
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
  '1.2.840.10008.1.2.4.80': 'JPEG-LS Lossless',
  '1.2.840.10008.1.2.4.81': 'JPEG-LS Lossy (Near-Lossless)',
  '1.2.840.10008.1.2.4.90': 'JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.91': 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.201': 'High-Throughput JPEG 2000 Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.202': 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
  '1.2.840.10008.1.2.4.203': 'High-Throughput JPEG 2000 Image Compression',
};

export const NATIVE_SYNTAXES = new Set([
  '1.2.840.10008.1.2',
  '1.2.840.10008.1.2.1',
  '1.2.840.10008.1.2.1.99',
  '1.2.840.10008.1.2.2',
]);
const JPEG_BASELINE = '1.2.840.10008.1.2.4.50';
const JPEG_EXTENDED = '1.2.840.10008.1.2.4.51';
const JPEG_LOSSLESS = new Set(['1.2.840.10008.1.2.4.57', '1.2.840.10008.1.2.4.70']);
const JPEG_LS = new Set(['1.2.840.10008.1.2.4.80', '1.2.840.10008.1.2.4.81']);
const JPEG_2000 = new Set(['1.2.840.10008.1.2.4.90', '1.2.840.10008.1.2.4.91']);
const RLE = '1.2.840.10008.1.2.5';

export function describeTransferSyntax(uid: string): string {
  const name = TRANSFER_SYNTAXES[uid];
  return name ? `${name} (${uid})` : uid;
}

export function isSupportedTransferSyntax(uid: string): boolean {
  return (
    NATIVE_SYNTAXES.has(uid) ||
    uid === RLE ||
    uid === JPEG_BASELINE ||
    uid === JPEG_EXTENDED ||
    JPEG_LOSSLESS.has(uid) ||
    JPEG_LS.has(uid) ||
    JPEG_2000.has(uid)
  );
}

export interface FrameLayout {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  pixelRepresentation: number;
  /** PhotometricInterpretation, upper case: decides a colour JPEG's transform when its stream does not. */
  photometric?: string;
}

/** The Emscripten codec objects share this shape. */
interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  decode(): void;
  getFrameInfo(): {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned?: boolean;
  };
  getDecodedBuffer(): Uint8Array;
  delete?(): void;
}
type CodecModule = Record<string, new () => WasmDecoder> & { HEAPU8?: Uint8Array; HEAPU32?: Uint32Array };

const CODEC_FORMATS = { openjpeg: 'JPEG 2000', charls: 'JPEG-LS', 'libjpeg-turbo-8bit': 'JPEG' } as const;

const modules = new Map<string, Promise<CodecModule>>();

function loadCodec(name: 'openjpeg' | 'charls' | 'libjpeg-turbo-8bit'): Promise<CodecModule> {
  // Loaded on first use (then remembered by optionalModules); a codec that cannot be loaded
  // fails only the files that need it.
  const factory = loadCodecFactory(`@cornerstonejs/codec-${name}`) as (
    options?: Record<string, unknown>,
  ) => Promise<CodecModule>;
  let loaded = modules.get(name);
  if (!loaded) {
    // Silence the codecs' own console output ("[INFO] Start to read j2k main header"): the CLI's
    // stdout carries JSON lines only.
    const quiet = (): void => undefined;
    loaded = Promise.resolve(factory({ print: quiet, printErr: quiet }));
    modules.set(name, loaded);
  }
  return loaded;
}

async function decodeWithWasm(
  moduleName: 'openjpeg' | 'charls' | 'libjpeg-turbo-8bit',
  className: string,
  data: Uint8Array,
  layout: FrameLayout,
): Promise<Uint8Array> {
  const codec = await loadCodec(moduleName);
  const format = CODEC_FORMATS[moduleName];
  const Decoder = codec[className];
  let decoder: WasmDecoder | undefined;
  let info: ReturnType<WasmDecoder['getFrameInfo']>;
  let decoded: Uint8Array;
  try {
    decoder = new Decoder();
    decoder.getEncodedBuffer(data.length).set(data);
    decoder.decode();
    info = decoder.getFrameInfo();
    checkFrameInfo(info.width, info.height, info.componentCount, layout, format);
    decoded = toLayout(decoder.getDecodedBuffer(), info.bitsPerSample, layout);
  } catch (error) {
    // A trap inside the module (out-of-bounds access, abort) can leave it unusable: load a fresh
    // one for the next file.
    if (!(typeof error === 'number' || error instanceof CodecError)) modules.delete(moduleName);
    throw new CodecError(codecFailure(format, codec, error));
  } finally {
    try {
      decoder?.delete?.();
    } catch {
      // A module that trapped may refuse to free; it is dropped above.
    }
  }
  return decoded;
}

/** A decoder's failure, said in words (the file and transfer syntax are added by the caller). */
export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

/**
 * Words for what a codec threw. The Emscripten builds throw C++ exceptions as a bare pointer into
 * their memory (a number, different on every run); where that points at a readable message (a
 * `const char*` from libjpeg-turbo, a std::runtime_error's text from CharLS) that message is used,
 * otherwise a plain description.
 */
function codecFailure(format: string, codec: CodecModule, error: unknown): string {
  if (error instanceof CodecError) return error.message;
  if (typeof error === 'number') {
    const message = exceptionText(codec, error);
    return message
      ? `the ${format} data is corrupt (decoder message: ${message})`
      : `the ${format} data is corrupt or not ${format} (the decoder stopped without a message)`;
  }
  const text = error instanceof Error ? error.message : String(error);
  return `the ${format} decoder failed on this data (${text || 'no message'}); the compressed frame is probably corrupt`;
}

/** The text a thrown C++ exception points at, when it is a short readable message. */
function exceptionText(codec: CodecModule, pointer: number): string | undefined {
  const heap = codec.HEAPU8;
  const words = codec.HEAPU32;
  if (!heap || !words || !Number.isInteger(pointer) || pointer <= 0) return undefined;
  // A `const char*` exception holds the string pointer first; a std::runtime_error holds its
  // vtable first and the string pointer after it.
  for (const offset of [0, 4]) {
    const at = (pointer + offset) >>> 2;
    if (at >= words.length) continue;
    const text = cString(heap, words[at]);
    if (text) return text;
  }
  return undefined;
}

function cString(heap: Uint8Array, start: number): string | undefined {
  let text = '';
  for (let i = start; i > 0 && i < heap.length && i < start + 300; i++) {
    const c = heap[i];
    if (c === 0) break;
    if (c === 10 || c === 13 || c === 9) text += ' ';
    else if (c >= 32 && c < 127) text += String.fromCharCode(c);
    else return undefined;
  }
  // Some messages come with leading marker characters ("~~decompressing JPEG image").
  text = text.replace(/^[^A-Za-z0-9]+/, '').trim();
  return text.length >= 4 && /[a-z]{3}/i.test(text) && text.includes(' ') ? text : undefined;
}

function checkFrameInfo(
  width: number,
  height: number,
  components: number,
  layout: FrameLayout,
  format: string,
): void {
  if (!(width > 0 && height > 0 && components > 0)) {
    throw new CodecError(
      `the decoder found no ${format} image in the compressed frame (corrupt or not ${format})`,
    );
  }
  if (width !== layout.columns || height !== layout.rows || components !== layout.samplesPerPixel) {
    throw new CodecError(
      `compressed frame is ${width}×${height}×${components}, but the header says ${layout.columns}×${layout.rows}×${layout.samplesPerPixel}`,
    );
  }
}

/** Copies decoder output (8-bit, or 16-bit little-endian host order) to bitsAllocated-wide samples. */
function toLayout(decoded: Uint8Array, bitsPerSample: number, layout: FrameLayout): Uint8Array {
  const count = layout.rows * layout.columns * layout.samplesPerPixel;
  const outBytes = layout.bitsAllocated / 8;
  const inBytes = bitsPerSample > 8 ? 2 : 1;
  if (inBytes === outBytes) return Uint8Array.from(decoded.subarray(0, count * outBytes));
  const out = new Uint8Array(count * outBytes);
  const view = new DataView(out.buffer);
  for (let i = 0; i < count; i++) {
    const v = inBytes === 1 ? decoded[i] : decoded[2 * i] | (decoded[2 * i + 1] << 8);
    if (outBytes === 1) out[i] = v;
    else view.setUint16(2 * i, v, true);
  }
  return out;
}

/** True when the stream ends with the JPEG end-of-image marker FF D9 (trailing zero padding allowed). */
function endsWithEoi(data: Uint8Array): boolean {
  let end = data.length;
  while (end > 0 && end > data.length - 4 && data[end - 1] === 0) end--;
  return end >= 2 && data[end - 2] === 0xff && data[end - 1] === 0xd9;
}

/** Decodes one compressed frame to native little-endian interleaved bytes. */
export async function decodeCompressedFrame(
  transferSyntax: string,
  data: Uint8Array,
  layout: FrameLayout,
): Promise<Uint8Array> {
  if (transferSyntax === RLE) {
    return decodeRleFrame(data, layout.rows, layout.columns, layout.samplesPerPixel, layout.bitsAllocated);
  }
  const lossyJpeg = transferSyntax === JPEG_BASELINE || transferSyntax === JPEG_EXTENDED;
  if (lossyJpeg && jpegColourFacts(data).precision === 12) {
    // libjpeg-turbo's build here is 8-bit only: 12-bit lossy JPEG has its own decoder. The stream
    // decides, as in GDCM: a 12-bit stream filed under JPEG Baseline is read all the same.
    let decoded: ReturnType<typeof decodeJpeg12>;
    try {
      decoded = decodeJpeg12(data, { width: layout.columns, height: layout.rows });
    } catch (error) {
      throw new CodecError(
        error instanceof Jpeg12Error
          ? error.message
          : `the 12-bit JPEG decoder failed on this data (${String(error)}); the compressed frame is probably corrupt`,
      );
    }
    checkFrameInfo(decoded.width, decoded.height, 1, layout, 'JPEG');
    const bytes = new Uint8Array(
      decoded.samples.buffer,
      decoded.samples.byteOffset,
      decoded.samples.byteLength,
    );
    return toLayout(bytes, 16, layout);
  }
  if (lossyJpeg) {
    return decodeWithWasm(
      'libjpeg-turbo-8bit',
      'JPEGDecoder',
      layout.samplesPerPixel === 3 ? withDecidedColourTransform(data, layout.photometric) : data,
      layout,
    );
  }
  if (JPEG_LOSSLESS.has(transferSyntax)) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Decoder } = require('jpeg-lossless-decoder-js') as {
      Decoder: new () => {
        decode(
          buffer: ArrayBuffer,
          offset: number,
          length: number,
          numBytes?: number,
        ): Uint8Array | Uint16Array | Int16Array;
        frame: { dimX: number; dimY: number; numComp: number };
      };
    };
    const decoder = new Decoder();
    const copy = Uint8Array.from(data);
    let out: Uint8Array | Uint16Array | Int16Array;
    try {
      out = decoder.decode(copy.buffer, 0, copy.length, layout.bitsAllocated / 8);
    } catch (error) {
      throw new CodecError(codecFailure('JPEG Lossless', {}, error));
    }
    if (!decoder.frame)
      throw new CodecError('the decoder found no JPEG Lossless frame (corrupt or not JPEG)');
    checkFrameInfo(decoder.frame.dimX, decoder.frame.dimY, decoder.frame.numComp, layout, 'JPEG Lossless');
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    return toLayout(bytes, out.BYTES_PER_ELEMENT === 2 ? 16 : 8, layout);
  }
  if (JPEG_LS.has(transferSyntax)) {
    // CharLS (asm.js build) spends tens of seconds on a cut-off stream before giving up: refuse
    // it at once. Every complete JPEG-LS stream ends with EOI (FF D9), perhaps zero-padded to an
    // even length.
    if (!endsWithEoi(data)) {
      throw new CodecError(
        'the JPEG-LS data is truncated (no end-of-image marker): the file is cut off or corrupt',
      );
    }
    return decodeWithWasm('charls', 'JpegLSDecoder', data, layout);
  }
  if (JPEG_2000.has(transferSyntax)) return decodeWithWasm('openjpeg', 'J2KDecoder', data, layout);
  throw new Error(`unsupported transfer syntax ${describeTransferSyntax(transferSyntax)}`);
}
