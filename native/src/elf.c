/* ELF headers (vaoci/elf.h): little-endian fields of either class, read a
 * byte at a time so no alignment is assumed and no libc call is made. */
#include "vaoci/elf.h"

static uint32_t u16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32(const unsigned char *p) { return u16(p) | u16(p + 2) << 16; }
static uint64_t u64(const unsigned char *p) { return (uint64_t)u32(p) | (uint64_t)u32(p + 4) << 32; }

enum vaoci_elf_ident vaoci_elf_ehdr_read(const unsigned char *h, size_t len, struct vaoci_elf_ehdr *out) {
  if (len < 4 || h[0] != 0x7f || h[1] != 'E' || h[2] != 'L' || h[3] != 'F')
    return VAOCI_ELF_NOT_ELF;
  int is64 = h[4] == VAOCI_ELFCLASS64;
  if (len < (is64 ? 64u : 52u))
    return VAOCI_ELF_TRUNCATED;
  if (h[5] != 1)
    return VAOCI_ELF_BIG_ENDIAN;
  out->elf_class = h[4];
  out->type = u16(h + 16);
  out->machine = u16(h + 18);
  out->entry = is64 ? u64(h + 24) : u32(h + 24);
  out->phoff = is64 ? u64(h + 32) : u32(h + 28);
  out->phentsize = u16(h + (is64 ? 54 : 42));
  out->phnum = u16(h + (is64 ? 56 : 44));
  return VAOCI_ELF_OK;
}

void vaoci_elf_phdr_read(const unsigned char *p, unsigned elf_class, struct vaoci_elf_phdr *out) {
  int is64 = elf_class == VAOCI_ELFCLASS64;
  out->type = u32(p);
  out->offset = is64 ? u64(p + 8) : u32(p + 4);
  out->filesz = is64 ? u64(p + 32) : u32(p + 16);
}
