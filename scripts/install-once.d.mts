export const READY_MARKER: string;
export function installOnce(
  dir: string,
  install: (tempDir: string) => void,
  options?: { timeoutMs?: number; log?: (line: string) => void },
): boolean;
export function writeFileAtomic(file: string, text: string): void;
