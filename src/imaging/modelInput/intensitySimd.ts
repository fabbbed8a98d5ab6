import { ensureWasmMemory, lazyWasm, type WasmMemory } from '../wasmModule';
import { INTENSITY_SIMD_WASM } from './intensityWasm';

/** intensity.wat: applyIntensityInto's clip and stretch, two values per instruction. */
interface IntensitySimd {
  memory: WasmMemory;
  clip(input: number, n: number, lower: number, upper: number, out: number, range: number): void;
  stretch(p: number, n: number, min: number, span: number): void;
}

/**
 * The most values mapped here (a 1024² image: 12 MB of the module's memory, which never shrinks);
 * bigger images use the JavaScript loops.
 */
const MAX_VALUES = 1024 * 1024;

const intensitySimd = lazyWasm<IntensitySimd>(INTENSITY_SIMD_WASM);
let javaScriptOnly = false;

/** For tests: true makes clipAndStretchSimd say no, so the JavaScript loops run instead. */
export function useJavaScriptIntensity(on: boolean): void {
  javaScriptOnly = on;
}

/**
 * applyIntensityInto's passes in WebAssembly SIMD, the same bits as clipInto and stretchInPlace
 * (intensity.ts): the pixels clipped to [lower, upper], then, when `stretch` and the clipped
 * values are not all equal, stretched from their min..max to 0..255; with the clipped values'
 * min and max. The values are a view of the module's memory, valid until the next call. Undefined
 * where this does not apply (no SIMD in the runtime, or an image over MAX_VALUES): the caller then
 * runs the JavaScript loops.
 */
export function clipAndStretchSimd(
  pixels: Float32Array,
  lower: number,
  upper: number,
  stretch: boolean,
): { values: Float64Array; min: number; max: number } | undefined {
  const n = pixels.length;
  if (javaScriptOnly || n === 0 || n > MAX_VALUES) return undefined;
  const module = intensitySimd();
  if (!module) return undefined;
  // An even count for the module: an odd image repeats its last value, which changes neither
  // the range nor any other value.
  const even = n + (n & 1);
  const outAt = (even * 4 + 15) & ~15;
  const rangeAt = outAt + even * 8;
  ensureWasmMemory(module.memory, rangeAt + 16);
  const { buffer } = module.memory;
  const input = new Float32Array(buffer, 0, even);
  input.set(pixels);
  if (even > n) input[n] = pixels[n - 1];
  module.clip(0, even, lower, upper, outAt, rangeAt);
  const [min, max] = new Float64Array(buffer, rangeAt, 2);
  const span = max - min;
  if (stretch && span > 0) module.stretch(outAt, even, min, span);
  return { values: new Float64Array(buffer, outAt, n), min, max };
}
