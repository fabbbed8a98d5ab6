// What a native file is built for, from its header: ELF (Linux), Mach-O (macOS) or PE (Windows),
// and the CPU. Used to check that each platform's .vsix holds binaries for that platform only.

/** CPU names as Node and VS Code's targets spell them. */
const ELF_MACHINES = { 3: 'ia32', 40: 'arm', 62: 'x64', 183: 'arm64' };
const MACHO_CPUS = { 0x01000007: 'x64', 0x0100000c: 'arm64', 7: 'ia32', 12: 'arm' };
const PE_MACHINES = { 0x8664: 'x64', 0xaa64: 'arm64', 0x14c: 'ia32', 0x1c4: 'arm' };

/**
 * `{ format: 'elf' | 'macho' | 'pe', cpu, musl? }` for a native binary, `undefined` for anything
 * else (scripts, WebAssembly, text). `musl` is set for ELF files that name musl's C library.
 * A universal (fat) Mach-O lists each of its CPUs in `cpus`.
 */
export function nativeBinaryInfo(bytes) {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 20 && buf.readUInt32BE(0) === 0x7f454c46) {
    const little = buf[5] === 1;
    const machine = little ? buf.readUInt16LE(18) : buf.readUInt16BE(18);
    // The dynamic loader's or the C library's name is in the string tables; a substring search is
    // enough to tell musl from glibc (sharp's musl builds link libc.musl-<arch>.so.1).
    const musl = buf.includes('libc.musl-') || buf.includes('ld-musl-');
    return { format: 'elf', cpu: ELF_MACHINES[machine] ?? `elf-machine-${machine}`, musl };
  }
  if (buf.length >= 8) {
    const magic = buf.readUInt32LE(0);
    if (magic === 0xfeedfacf || magic === 0xfeedface) {
      const cputype = buf.readUInt32LE(4);
      return { format: 'macho', cpu: MACHO_CPUS[cputype] ?? `macho-cpu-${cputype}` };
    }
    if (buf.readUInt32BE(0) === 0xcafebabe && buf.length >= 8) {
      // Fat binary: big-endian count, then 20-byte entries starting with the CPU type.
      const count = buf.readUInt32BE(4);
      // Java class files share the magic; a fat header has few architectures.
      if (count > 0 && count < 10 && buf.length >= 8 + count * 20) {
        const cpus = [];
        for (let i = 0; i < count; i++) {
          const cputype = buf.readUInt32BE(8 + i * 20);
          cpus.push(MACHO_CPUS[cputype] ?? `macho-cpu-${cputype}`);
        }
        return { format: 'macho', cpu: cpus.length === 1 ? cpus[0] : 'universal', cpus };
      }
    }
  }
  if (buf.length >= 64 && buf[0] === 0x4d && buf[1] === 0x5a) {
    const peOffset = buf.readUInt32LE(60);
    if (peOffset + 6 <= buf.length && buf.readUInt32BE(peOffset) === 0x50450000) {
      const machine = buf.readUInt16LE(peOffset + 4);
      return { format: 'pe', cpu: PE_MACHINES[machine] ?? `pe-machine-${machine}` };
    }
  }
  return undefined;
}
