/**
 * ELF headers: the architecture (e_machine and EI_CLASS) and the linkage
 * (a PT_INTERP program header means a dynamic loader, which LD_PRELOAD
 * needs) of a program, from its first bytes. Parsing is pure; reading goes
 * through a small positional reader so callers decide which file is read.
 */
import type { ElfArch } from './types';

/** ElfFacts is what vaoci needs from an ELF header. */
export interface ElfFacts {
  arch: ElfArch;
  linkage: 'static' | 'dynamic';
  /** interp is the PT_INTERP path (the dynamic loader), when dynamic. */
  interp?: string;
}

/** ReadAt reads up to `length` bytes at `offset` (fewer at the end of the file). */
export type ReadAt = (offset: number, length: number) => Buffer;

/** EM_X86_64 is x86-64's e_machine. */
export const EM_X86_64 = 62;
/** EM_386 is i386's e_machine. */
export const EM_386 = 3;
/** EM_AARCH64 is AArch64's e_machine. */
export const EM_AARCH64 = 183;
const ELFCLASS32 = 1;
const ELFCLASS64 = 2;
const PT_INTERP = 3;
const PHNUM_MAX = 512;
const INTERP_MAX = 4096;

/** ElfError is a file that is not an ELF vaoci can use; its message names why (the caller adds the path). */
export class ElfError extends Error {}

/** archOf maps e_machine and EI_CLASS to an architecture, or explains why not. */
export function archOf(machine: number, elfClass: number): ElfArch {
  if (machine === EM_X86_64 && elfClass === ELFCLASS64) return 'x86_64';
  if (machine === EM_386 && elfClass === ELFCLASS32) return 'i386';
  if (machine === EM_AARCH64 && elfClass === ELFCLASS64) return 'aarch64';
  const bits = elfClass === ELFCLASS32 ? '32' : elfClass === ELFCLASS64 ? '64' : '?';
  throw new ElfError(`ELF machine ${machine} (${bits}-bit), not x86_64, i386 or aarch64`);
}

/** isElf says whether a buffer starts with the ELF magic. */
export function isElf(head: Buffer): boolean {
  return head.length >= 4 && head[0] === 0x7f && head.toString('latin1', 1, 4) === 'ELF';
}

/** readElf reads the header and program headers through `read`. Throws ElfError. */
export function readElf(read: ReadAt): ElfFacts {
  const h = read(0, 64);
  if (!isElf(h)) throw new ElfError('not an ELF file');
  const is64 = h[4] === ELFCLASS64;
  if (h.length < (is64 ? 64 : 52)) throw new ElfError('truncated ELF header');
  if (h[5] !== 1) throw new ElfError('big-endian ELF, not x86_64, i386 or aarch64');
  const arch = archOf(h.readUInt16LE(18), h[4]);
  const phoff = is64 ? Number(h.readBigUInt64LE(32)) : h.readUInt32LE(28);
  const phentsize = h.readUInt16LE(is64 ? 54 : 42);
  const phnum = Math.min(h.readUInt16LE(is64 ? 56 : 44), PHNUM_MAX);
  if (phnum === 0) return { arch, linkage: 'static' };
  // The kernel runs no ELF whose e_phentsize is not its Elf_Phdr's (binfmt_elf.c, load_elf_phdrs).
  if (phentsize !== (is64 ? 56 : 32)) throw new ElfError(`program header size ${phentsize}, expected ${is64 ? 56 : 32}`);
  const ph = read(phoff, phnum * phentsize);
  for (let i = 0; (i + 1) * phentsize <= ph.length; i++) {
    const at = i * phentsize;
    if (ph.readUInt32LE(at) !== PT_INTERP) continue;
    const offset = is64 ? Number(ph.readBigUInt64LE(at + 8)) : ph.readUInt32LE(at + 4);
    const size = is64 ? Number(ph.readBigUInt64LE(at + 32)) : ph.readUInt32LE(at + 16);
    const text = read(offset, Math.min(size, INTERP_MAX)).toString('latin1');
    return { arch, linkage: 'dynamic', interp: text.replace(/\0.*$/s, '') };
  }
  return { arch, linkage: 'static' };
}

/** readerFor makes a ReadAt over an open file descriptor (positional reads, looped until full or EOF). */
export function readerFor(fd: number, readSync: (fd: number, b: Buffer, o: number, l: number, p: number) => number): ReadAt {
  return (offset, length) => {
    const buf = Buffer.alloc(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, offset + got);
      if (n === 0) break;
      got += n;
    }
    return buf.subarray(0, got);
  };
}
