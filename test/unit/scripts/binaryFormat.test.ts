import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

type BinaryFormat = typeof import('../../../scripts/binary-format.mjs', {
  with: { 'resolution-mode': 'import' },
});
let info: BinaryFormat['nativeBinaryInfo'];

function elf(machine: number, extra = ''): Buffer {
  const b = Buffer.alloc(64 + extra.length);
  b.writeUInt32BE(0x7f454c46, 0);
  b[4] = 2; // 64-bit
  b[5] = 1; // little-endian
  b.writeUInt16LE(machine, 18);
  b.write(extra, 64, 'latin1');
  return b;
}

function macho(cputype: number): Buffer {
  const b = Buffer.alloc(32);
  b.writeUInt32LE(0xfeedfacf, 0);
  b.writeUInt32LE(cputype, 4);
  return b;
}

function pe(machine: number): Buffer {
  const b = Buffer.alloc(256);
  b.write('MZ', 0, 'latin1');
  b.writeUInt32LE(128, 60);
  b.writeUInt32BE(0x50450000, 128);
  b.writeUInt16LE(machine, 132);
  return b;
}

describe('Native binary headers (package checks)', () => {
  before(async () => {
    ({ nativeBinaryInfo: info } = await import('../../../scripts/binary-format.mjs'));
  });

  it('tells ELF machines apart, and musl from glibc', () => {
    assert.deepEqual(info(elf(62, 'libc.so.6')), { format: 'elf', cpu: 'x64', musl: false });
    assert.deepEqual(info(elf(183, 'libc.musl-aarch64.so.1')), { format: 'elf', cpu: 'arm64', musl: true });
    assert.equal(info(elf(40))?.cpu, 'arm');
  });

  it('reads Mach-O CPU types, thin and fat', () => {
    assert.deepEqual(info(macho(0x0100000c)), { format: 'macho', cpu: 'arm64' });
    assert.deepEqual(info(macho(0x01000007)), { format: 'macho', cpu: 'x64' });
    const fat = Buffer.alloc(48);
    fat.writeUInt32BE(0xcafebabe, 0);
    fat.writeUInt32BE(2, 4);
    fat.writeUInt32BE(0x01000007, 8);
    fat.writeUInt32BE(0x0100000c, 28);
    assert.deepEqual(info(fat), { format: 'macho', cpu: 'universal', cpus: ['x64', 'arm64'] });
  });

  it('reads the PE machine of Windows DLLs', () => {
    assert.deepEqual(info(pe(0x8664)), { format: 'pe', cpu: 'x64' });
    assert.deepEqual(info(pe(0xaa64)), { format: 'pe', cpu: 'arm64' });
  });

  it('says nothing for scripts, WebAssembly and text', () => {
    assert.equal(info(Buffer.from('#!/usr/bin/env node\nconsole.log(1)\n')), undefined);
    assert.equal(info(Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), undefined);
    assert.equal(info(Buffer.from('MZ is not enough')), undefined);
  });

  it("recognises this machine's own sharp binary", () => {
    const lib = path.join(
      __dirname,
      '..',
      '..',
      '..',
      'node_modules',
      '@img',
      `sharp-${process.platform}-${process.arch}`,
      'lib',
    );
    if (!fs.existsSync(lib)) return;
    const node = fs.readdirSync(lib).find((f) => f.endsWith('.node'));
    assert.ok(node);
    const found = info(fs.readFileSync(path.join(lib, node)));
    assert.equal(found?.cpu, process.arch);
    assert.equal(found?.format, { linux: 'elf', darwin: 'macho', win32: 'pe' }[process.platform as string]);
  });
});
