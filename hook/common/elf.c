/* ELF facts from a file's first bytes (cli/src/lib/policy/elf.ts): the
 * architecture from e_machine and EI_CLASS, and the linkage (a PT_INTERP
 * program header names the dynamic loader LD_PRELOAD needs). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "detect.h"
#include "util.h"

#define EM_X86_64_ 62
#define EM_386_ 3
#define EM_AARCH64_ 183
#define PT_INTERP_ 3
#define PHNUM_MAX 512

/* read_at reads up to len bytes at off (fewer at the end of the file). */
static ssize_t read_at(int fd, void *buf, size_t len, uint64_t off) {
  size_t got = 0;
  while (got < len) {
    ssize_t r = pread(fd, (char *)buf + got, len - got, (off_t)(off + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return -1;
    if (r == 0)
      break;
    got += (size_t)r;
  }
  return (ssize_t)got;
}

static uint16_t u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t u32(const uint8_t *p) { return (uint32_t)u16(p) | (uint32_t)u16(p + 2) << 16; }
static uint64_t u64(const uint8_t *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

static int arch_of(unsigned machine, int elf_class, vaoci_error_t *err) {
  if (machine == EM_X86_64_ && elf_class == 2)
    return VAOCI_ENTRY_ARCH_X86_64;
  if (machine == EM_386_ && elf_class == 1)
    return VAOCI_ENTRY_ARCH_I386;
  if (machine == EM_AARCH64_ && elf_class == 2)
    return VAOCI_ENTRY_ARCH_AARCH64;
  return vaoci_make_error(err, VAOCI_E_INVALID, 0, "ELF machine %u (%s-bit), not x86_64, i386 or aarch64", machine,
                          elf_class == 1 ? "32" : elf_class == 2 ? "64" : "?");
}

/* find_interp scans the program headers for PT_INTERP. */
static int find_interp(int fd, const uint8_t *h, int is64, struct vaoci_elf *out, vaoci_error_t *err) {
  uint64_t phoff = is64 ? u64(h + 32) : u32(h + 28);
  unsigned entsize = u16(h + (is64 ? 54 : 42)), phnum = u16(h + (is64 ? 56 : 44));
  uint8_t ph[64];
  out->linkage = VAOCI_LINKAGE_STATIC;
  if (phnum == 0)
    return 0;
  /* The kernel runs no ELF whose e_phentsize is not its Elf_Phdr's (binfmt_elf.c, load_elf_phdrs). */
  if (entsize != (is64 ? 56u : 32u))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "program header size %u, expected %u", entsize, is64 ? 56u : 32u);
  if (phnum > PHNUM_MAX)
    phnum = PHNUM_MAX;
  for (unsigned i = 0; i < phnum; i++) {
    if (read_at(fd, ph, is64 ? 56 : 32, phoff + (uint64_t)i * entsize) != (is64 ? 56 : 32))
      return 0;
    if (u32(ph) != PT_INTERP_)
      continue;
    uint64_t off = is64 ? u64(ph + 8) : u32(ph + 4), size = is64 ? u64(ph + 32) : u32(ph + 16);
    if (size >= sizeof out->interp)
      size = sizeof out->interp - 1;
    ssize_t n = read_at(fd, out->interp, (size_t)size, off);
    out->interp[n > 0 ? n : 0] = 0;
    out->linkage = VAOCI_LINKAGE_DYNAMIC;
    return 0;
  }
  return 0;
}

int vaoci_elf_read(int fd, struct vaoci_elf *out, vaoci_error_t *err) {
  uint8_t h[64];
  ssize_t n = read_at(fd, h, sizeof h, 0);
  memset(out, 0, sizeof *out);
  if (n < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "read");
  if (n < 4 || memcmp(h, "\177ELF", 4))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "not an ELF file");
  int is64 = h[4] == 2;
  if (n < (is64 ? 64 : 52))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "truncated ELF header");
  if (h[5] != 1)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "big-endian ELF, not x86_64, i386 or aarch64");
  int arch = arch_of(u16(h + 18), h[4], err);
  if (arch < 0)
    return arch;
  out->arch = arch;
  return find_interp(fd, h, is64, out, err);
}
