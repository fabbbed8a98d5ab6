import { ensureWasmMemory, lazyWasm, type WasmMemory } from '../wasmModule';
import { RESIZE_SIMD_WASM } from './simdWasm';

/**
 * The resize's loops in WebAssembly SIMD (simd.wat): the y pass two columns per instruction, the
 * x pass two lines per instruction, the same result bits as the JavaScript loops in bspline.ts. Used where one thread resizes straight to
 * bytes (the slices of a volume: see ModelInputOptions.resizeWorker); the coefficients and the
 * output then live in the module's memory.
 */
export interface ResizeSimd {
  memory: WasmMemory;
  forwardSweep(p: number, rowBytes: number, rows: number, n: number, z: number): void;
  sweepRow(p: number, rowBytes: number, n: number, z: number): void;
  sampleRow(
    p: number,
    rowBytes: number,
    n: number,
    w0: number,
    w1: number,
    w2: number,
    w3: number,
    out: number,
    lo: number,
    hi: number,
  ): void;
  sweepAndSample(
    p: number,
    rowBytes: number,
    n: number,
    z: number,
    a0: number,
    a1: number,
    a2: number,
    a3: number,
    outA: number,
    b0: number,
    b1: number,
    b2: number,
    b3: number,
    outB: number,
    lo: number,
    hi: number,
  ): void;
  prefilterPair(p: number, w0: number, w1: number, n: number, z: number): void;
  samplePair(
    p: number,
    starts: number,
    weights: number,
    from: number,
    to: number,
    outA: number,
    outB: number,
  ): void;
}

/** The most memory the module may hold (it never shrinks); a bigger plan uses the JavaScript loops. */
const MAX_BYTES = 64 * 1024 * 1024;

/** Undefined on a runtime without WebAssembly SIMD, which uses the JavaScript loops. */
const resizeSimd = lazyWasm<ResizeSimd>(RESIZE_SIMD_WASM);

/**
 * Views of the module's memory for one resize: its coefficients, its output bytes, and scratch
 * (16-byte aligned) for the x pass's lines and taps.
 */
export interface SimdArea {
  module: ResizeSimd;
  coefficients: Float64Array;
  out: Uint8Array;
  scratch: ArrayBuffer;
  scratchOffset: number;
}

/**
 * The module with room for `coefficients` doubles, `outBytes` bytes and `scratchBytes` of
 * scratch; undefined when it cannot be used (no SIMD, or a plan beyond MAX_BYTES). The views are
 * valid until the next call.
 */
export function simdArea(coefficients: number, outBytes: number, scratchBytes = 0): SimdArea | undefined {
  const scratchOffset = (coefficients * 8 + outBytes + 15) & ~15;
  const needed = scratchOffset + scratchBytes;
  if (needed > MAX_BYTES) return undefined;
  const module = resizeSimd();
  if (!module) return undefined;
  ensureWasmMemory(module.memory, needed);
  const { buffer } = module.memory;
  return {
    module,
    coefficients: new Float64Array(buffer, 0, coefficients),
    out: new Uint8Array(buffer, coefficients * 8, outBytes),
    scratch: buffer,
    scratchOffset,
  };
}
