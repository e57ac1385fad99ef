#!/usr/bin/env node
// Writes elf.json beside it: ELF files as hex, and the facts both readers
// (hook/common/elf.c, cli/src/lib/policy/elf.ts) must give — or the start of
// their one error line. The files are built here field by field so each case
// says what it changes; run it again after editing a case:
//   node test/vectors/formats/elf.mjs
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** elf builds a little-endian ELF: header, program headers at phoff, then the interpreter string. */
function elf({ cls = 2, data = 1, machine = 62, phnum, phentsize, phoff, interp, interpOffset, interpSize, loads = 1, truncate, extraPhnum = 0 }) {
  const is64 = cls === 2;
  const ehsize = is64 ? 64 : 52;
  const entsize = phentsize ?? (is64 ? 56 : 32);
  const count = phnum ?? loads + (interp !== undefined ? 1 : 0) + extraPhnum;
  const headersAt = phoff ?? ehsize;
  const realCount = loads + (interp !== undefined ? 1 : 0) + extraPhnum;
  const stride = Math.max(entsize, is64 ? 56 : 32);
  const interpAt = headersAt + realCount * stride;
  const interpBytes = interp === undefined ? Buffer.alloc(0) : Buffer.from(interp, 'latin1');
  const b = Buffer.alloc(Math.max(ehsize, interpAt + interpBytes.length));
  b.write('\x7fELF', 0, 'latin1');
  b[4] = cls;
  b[5] = data;
  b[6] = 1;
  b.writeUInt16LE(2, 16); // ET_EXEC
  b.writeUInt16LE(machine, 18);
  b.writeUInt32LE(1, 20);
  if (is64) {
    b.writeBigUInt64LE(BigInt(headersAt), 32);
    b.writeUInt16LE(ehsize, 52);
    b.writeUInt16LE(entsize, 54);
    b.writeUInt16LE(count, 56);
  } else {
    b.writeUInt32LE(headersAt, 28);
    b.writeUInt16LE(ehsize, 40);
    b.writeUInt16LE(entsize, 42);
    b.writeUInt16LE(count, 44);
  }
  const types = [...Array(extraPhnum).fill(6 /* PT_PHDR */), ...(interp !== undefined ? [3] : []), ...Array(loads).fill(1)];
  types.forEach((type, i) => {
    const at = headersAt + i * stride;
    if (at + (is64 ? 56 : 32) > b.length) return;
    b.writeUInt32LE(type, at);
    if (type !== 3) return;
    const off = interpOffset ?? interpAt;
    const size = interpSize ?? interpBytes.length;
    if (is64) {
      b.writeBigUInt64LE(BigInt(off), at + 8);
      b.writeBigUInt64LE(BigInt(size), at + 32);
    } else {
      b.writeUInt32LE(off, at + 4);
      b.writeUInt32LE(size, at + 16);
    }
  });
  interpBytes.copy(b, interpAt);
  return truncate === undefined ? b : b.subarray(0, truncate);
}

const X64_LOADER = '/lib64/ld-linux-x86-64.so.2\0';
const cases = [
  ['x86-64, static (PT_LOAD only)', elf({}), { arch: 'x86_64', linkage: 'static' }],
  ['x86-64, dynamic (PT_PHDR, PT_INTERP, PT_LOAD)', elf({ interp: X64_LOADER, extraPhnum: 1 }), { arch: 'x86_64', linkage: 'dynamic', interp: '/lib64/ld-linux-x86-64.so.2' }],
  ['i386, dynamic', elf({ cls: 1, machine: 3, interp: '/lib/ld-linux.so.2\0' }), { arch: 'i386', linkage: 'dynamic', interp: '/lib/ld-linux.so.2' }],
  ['i386, static', elf({ cls: 1, machine: 3 }), { arch: 'i386', linkage: 'static' }],
  ['aarch64, dynamic', elf({ machine: 183, interp: '/lib/ld-linux-aarch64.so.1\0' }), { arch: 'aarch64', linkage: 'dynamic', interp: '/lib/ld-linux-aarch64.so.1' }],
  ['no program headers at all: static', elf({ loads: 0, phnum: 0 }), { arch: 'x86_64', linkage: 'static' }],
  ['the interpreter string stops at its first NUL', elf({ interp: '/lib/ld.so\0junk\0' }), { arch: 'x86_64', linkage: 'dynamic', interp: '/lib/ld.so' }],
  ['the interpreter string without a NUL', elf({ interp: '/lib/ld.so' }), { arch: 'x86_64', linkage: 'dynamic', interp: '/lib/ld.so' }],
  ['PT_INTERP pointing past the end of the file: dynamic, loader unknown', elf({ interp: '', interpOffset: 1 << 20, interpSize: 20 }), { arch: 'x86_64', linkage: 'dynamic', interp: '' }],
  ['program headers past the end of the file: none found, static', elf({ phoff: 1 << 20, phnum: 2, truncate: 64 }), { arch: 'x86_64', linkage: 'static' }],
  ['PT_INTERP beyond the 512th program header is not looked for', elf({ interp: X64_LOADER, extraPhnum: 520 }), { arch: 'x86_64', linkage: 'static' }],
  // The kernel refuses any e_phentsize but sizeof(Elf_Phdr) (binfmt_elf.c, load_elf_phdrs): so do the readers.
  ['an oversized e_phentsize is refused, as the kernel does', elf({ interp: X64_LOADER, phentsize: 64 }), { error: 'program header size 64, expected 56' }],
  ['an undersized e_phentsize is refused', elf({ phentsize: 32 }), { error: 'program header size 32, expected 56' }],
  ['i386 with a 64-bit e_phentsize is refused', elf({ cls: 1, machine: 3, phentsize: 56 }), { error: 'program header size 56, expected 32' }],
  ['not ELF', Buffer.from('#!/bin/sh\necho hi\n'), { error: 'not an ELF file' }],
  ['empty', Buffer.alloc(0), { error: 'not an ELF file' }],
  ['a 64-bit header cut at 40 bytes', elf({ truncate: 40 }), { error: 'truncated ELF header' }],
  ['big-endian', elf({ data: 2 }), { error: 'big-endian ELF, not x86_64, i386 or aarch64' }],
  ['32-bit ARM', elf({ cls: 1, machine: 40 }), { error: 'ELF machine 40 (32-bit), not x86_64, i386 or aarch64' }],
  ['x86-64 machine in a 32-bit file', elf({ cls: 1, machine: 62 }), { error: 'ELF machine 62 (32-bit), not x86_64, i386 or aarch64' }],
  ['an unknown class', elf({ cls: 3, machine: 62, truncate: 64 }), { error: 'ELF machine 62 (?-bit), not x86_64, i386 or aarch64' }],
];

const doc = {
  description: 'ELF facts: the architecture (e_machine, EI_CLASS) and linkage (PT_INTERP) of a file, as hook/common/elf.c and cli/src/lib/policy/elf.ts read them. Generated by elf.mjs; `expect.error` is the start of the one error line.',
  vectors: cases.map(([name, bytes, expect]) => ({ name, hex: bytes.toString('hex'), expect })),
};
fs.writeFileSync(path.join(HERE, 'elf.json'), `${JSON.stringify(doc, null, 2)}\n`);
console.log(`elf.json: ${cases.length} vectors`);
