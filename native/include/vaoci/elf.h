/* ELF headers as the kernel reads them, for vaoci's two readers of
 * programs: detection (hook/common/elf.c: the architecture and linkage of
 * any x86 or aarch64 program, for the policy) and vaoci-launch
 * (native/launch/elf.c: a static program of its own architecture that it
 * will load). Each words its own refusals; what a header says, and what the
 * kernel refuses to run, is read here once. Pure and freestanding (the
 * launcher has no libc); cli/src/lib/policy/elf.ts is the TypeScript twin,
 * held to it by schemas/vectors/formats/elf.json. */
#ifndef VAOCI_ELF_H
#define VAOCI_ELF_H

#include <stddef.h>
#include <stdint.h>

#define VAOCI_ELFCLASS32 1
#define VAOCI_ELFCLASS64 2
#define VAOCI_PT_INTERP 3

/* vaoci_elf_ehdr is the part of a header either reader uses, of either class. */
struct vaoci_elf_ehdr {
  unsigned elf_class; /* EI_CLASS: 1 or 2 (anything else is read with the 32-bit layout) */
  unsigned machine, type, phentsize, phnum;
  uint64_t phoff, entry;
};

enum vaoci_elf_ident {
  VAOCI_ELF_OK,
  VAOCI_ELF_NOT_ELF, /* no \177ELF magic */
  VAOCI_ELF_TRUNCATED, /* fewer bytes than its class's header */
  VAOCI_ELF_BIG_ENDIAN /* EI_DATA is not little-endian: no architecture vaoci knows */
};

/* vaoci_elf_ehdr_read reads the first len bytes of a file; out is filled on VAOCI_ELF_OK. */
enum vaoci_elf_ident vaoci_elf_ehdr_read(const unsigned char *h, size_t len, struct vaoci_elf_ehdr *out);

/* vaoci_elf_phentsize is the e_phentsize the kernel requires of a class
 * (sizeof(Elf_Phdr)): it runs no ELF with another (binfmt_elf.c, load_elf_phdrs). */
static inline unsigned vaoci_elf_phentsize(unsigned elf_class) { return elf_class == VAOCI_ELFCLASS64 ? 56 : 32; }

/* vaoci_elf_phdr is one program header's fields either reader uses. */
struct vaoci_elf_phdr {
  uint32_t type;
  uint64_t offset, filesz;
};

/* vaoci_elf_phdr_read reads one program header of the class (vaoci_elf_phentsize bytes at p). */
void vaoci_elf_phdr_read(const unsigned char *p, unsigned elf_class, struct vaoci_elf_phdr *out);

#endif
