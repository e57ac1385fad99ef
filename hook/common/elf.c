/* ELF facts from a file (cli/src/lib/policy/elf.ts): the architecture from
 * e_machine and EI_CLASS, and the linkage (a PT_INTERP program header names
 * the dynamic loader LD_PRELOAD needs). The header itself is read by
 * vaoci/elf.h, as vaoci-launch reads it; this file reads the file and words
 * the facts and refusals detection needs. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "detect.h"
#include "util.h"
#include "vaoci/elf.h"

#define EM_X86_64_ 62
#define EM_386_ 3
#define EM_AARCH64_ 183
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

static int arch_of(unsigned machine, unsigned elf_class, vaoci_error_t *err) {
  if (machine == EM_X86_64_ && elf_class == VAOCI_ELFCLASS64)
    return VAOCI_ENTRY_ARCH_X86_64;
  if (machine == EM_386_ && elf_class == VAOCI_ELFCLASS32)
    return VAOCI_ENTRY_ARCH_I386;
  if (machine == EM_AARCH64_ && elf_class == VAOCI_ELFCLASS64)
    return VAOCI_ENTRY_ARCH_AARCH64;
  return vaoci_make_error(err, VAOCI_E_INVALID, 0, "ELF machine %u (%s-bit), not x86_64, i386 or aarch64", machine,
                          elf_class == VAOCI_ELFCLASS32   ? "32"
                          : elf_class == VAOCI_ELFCLASS64 ? "64"
                                                          : "?");
}

/* find_interp scans the program headers (the first PHNUM_MAX) for PT_INTERP; a short read ends the scan. */
static int find_interp(int fd, const struct vaoci_elf_ehdr *e, struct vaoci_elf *out, vaoci_error_t *err) {
  unsigned char ph[56];
  unsigned size = vaoci_elf_phentsize(e->elf_class), phnum = e->phnum < PHNUM_MAX ? e->phnum : PHNUM_MAX;
  out->linkage = VAOCI_LINKAGE_STATIC;
  if (phnum == 0)
    return 0;
  if (e->phentsize != size)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "program header size %u, expected %u", e->phentsize, size);
  for (unsigned i = 0; i < phnum; i++) {
    struct vaoci_elf_phdr p;
    if (read_at(fd, ph, size, e->phoff + (uint64_t)i * size) != (ssize_t)size)
      return 0;
    vaoci_elf_phdr_read(ph, e->elf_class, &p);
    if (p.type != VAOCI_PT_INTERP)
      continue;
    uint64_t len = p.filesz < sizeof out->interp ? p.filesz : sizeof out->interp - 1;
    ssize_t n = read_at(fd, out->interp, (size_t)len, p.offset);
    out->interp[n > 0 ? n : 0] = 0;
    out->linkage = VAOCI_LINKAGE_DYNAMIC;
    return 0;
  }
  return 0;
}

int vaoci_elf_read(int fd, struct vaoci_elf *out, vaoci_error_t *err) {
  unsigned char h[64];
  struct vaoci_elf_ehdr e;
  ssize_t n = read_at(fd, h, sizeof h, 0);
  memset(out, 0, sizeof *out);
  if (n < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "read");
  switch (vaoci_elf_ehdr_read(h, (size_t)n, &e)) {
  case VAOCI_ELF_NOT_ELF: return vaoci_make_error(err, VAOCI_E_INVALID, 0, "not an ELF file");
  case VAOCI_ELF_TRUNCATED: return vaoci_make_error(err, VAOCI_E_INVALID, 0, "truncated ELF header");
  case VAOCI_ELF_BIG_ENDIAN:
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "big-endian ELF, not x86_64, i386 or aarch64");
  case VAOCI_ELF_OK: break;
  }
  int arch = arch_of(e.machine, e.elf_class, err);
  if (arch < 0)
    return arch;
  out->arch = arch;
  return find_interp(fd, &e, out, err);
}
