import { ensureWasmMemory, lazyWasm, type WasmMemory } from '../wasmModule';
import { SCANLINES_SIMD_WASM } from './scanlinesWasm';

/** scanlines.wat: the grey model input's PNG scanlines and their Adler-32, 16 pixels at a time. */
interface ScanlinesSimd {
  memory: WasmMemory;
  greyRows(grey: number, size: number, from: number, to: number, out: number, adler: number): number;
}

const scanlinesSimd = lazyWasm<ScanlinesSimd>(SCANLINES_SIMD_WASM);
let javaScriptOnly = false;

/** For tests: true makes greyScanlineWriter say no, so the JavaScript rows run instead. */
export function useJavaScriptScanlines(on: boolean): void {
  javaScriptOnly = on;
}

/**
 * A writer of the grey model input's scanline rows in WebAssembly SIMD, the same bytes and
 * checksum as greyScanlineRows (prepare.ts): `rows(from, to, adler)` writes rows [from, to) into
 * `scanlines` and returns the Adler-32 continued from `adler`. Undefined where it does not apply
 * (no SIMD in the runtime, or a width that is not a multiple of 16 up to 1024, the widest whose
 * sums fit the module's 32-bit lanes).
 *
 * The grey plane is copied into the module's memory once; each band is written there, then copied
 * into `scanlines` (the deflater reads those on other threads while later images are prepared, so
 * they cannot live in memory this module reuses). The writer is valid until the next call, which
 * overwrites the copy: the caller writes all its bands in one synchronous run.
 */
export function greyScanlineWriter(
  grey: Uint8Array,
  size: number,
  scanlines: Uint8Array,
): ((from: number, to: number, adler: number) => number) | undefined {
  if (javaScriptOnly || size % 16 !== 0 || size > 1024 || grey.length !== size * size) return undefined;
  const module = scanlinesSimd();
  if (!module) return undefined;
  const rowLength = 3 * size + 1;
  const out = (grey.length + 15) & ~15;
  ensureWasmMemory(module.memory, out);
  new Uint8Array(module.memory.buffer, 0, grey.length).set(grey);
  return (from, to, adler) => {
    const bytes = (to - from) * rowLength;
    ensureWasmMemory(module.memory, out + bytes);
    const next = module.greyRows(0, size, from, to, out, adler) >>> 0;
    scanlines.set(new Uint8Array(module.memory.buffer, out, bytes), from * rowLength);
    return next;
  };
}
