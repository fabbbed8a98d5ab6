export const WASM_SOURCES: { wat: string; module: string; name: string }[];
export function wasmModuleText(source: { wat: string; name: string }): Promise<string>;
