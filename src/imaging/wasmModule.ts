/** The runtime's WebAssembly API (the project's TypeScript libraries do not declare it). */
const wasm = (
  globalThis as unknown as {
    WebAssembly?: {
      Module: new (bytes: Uint8Array) => object;
      Instance: new (module: object) => { exports: unknown };
    };
  }
).WebAssembly;

/** The memory every module of ours exports: grown by the caller, never shrunk. */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

/**
 * One instance of a module of ours (base64 of its binary, see scripts/wasm.mjs), or undefined on
 * a runtime that cannot run it (no WebAssembly, or no SIMD): the caller then uses its JavaScript
 * loops, which give the same bytes.
 */
function instantiateWasm<Exports>(base64: string): Exports | undefined {
  try {
    if (!wasm) return undefined;
    return new wasm.Instance(new wasm.Module(Buffer.from(base64, 'base64'))).exports as Exports;
  } catch {
    return undefined;
  }
}

/**
 * instantiateWasm once, on first use: the getter returns the same instance every time after, or
 * undefined every time on a runtime that cannot run the module.
 */
export function lazyWasm<Exports>(base64: string): () => Exports | undefined {
  let instance: Exports | null | undefined;
  return () => {
    if (instance === undefined) instance = instantiateWasm<Exports>(base64) ?? null;
    return instance ?? undefined;
  };
}

/** Grows `memory` to at least `bytes`; its buffer must be fetched again afterwards. */
export function ensureWasmMemory(memory: WasmMemory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / 65536));
}
