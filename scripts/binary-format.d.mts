export interface NativeBinaryInfo {
  format: 'elf' | 'macho' | 'pe';
  cpu: string;
  musl?: boolean;
  cpus?: string[];
}
export function nativeBinaryInfo(bytes: Uint8Array): NativeBinaryInfo | undefined;
