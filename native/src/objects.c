#include <elf.h>
#include <link.h>
#include "auxv.h"
#include "objects.h"

/* add_segments records an object's PT_LOAD segments (in ascending order, as
 * the ELF specification has them) and, with holes, the holes between them:
 * only for what the dynamic loader mapped, which maps an object's whole
 * extent first and so leaves its holes mapped PROT_NONE; the kernel maps the
 * program and the interpreter segment by segment, leaving holes free (arm64
 * objects aligned to 64 KiB have them). */
static void add_segments(const ElfW(Phdr) * ph, unsigned n, uint64_t bias, uint64_t page, int holes,
                         struct vaoci_known *out) {
  uint64_t prev_end = 0;
  for (unsigned i = 0; i < n; i++) {
    if (ph[i].p_type != PT_LOAD || ph[i].p_memsz == 0)
      continue;
    uint64_t start = (bias + ph[i].p_vaddr) & ~(page - 1);
    uint64_t end = (bias + ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
    vaoci_span_set_add(&out->segments, start, end); /* a full set only loses knowledge, never safety */
    if (holes && prev_end && prev_end < start && out->nholes < VAOCI_KNOWN_HOLES)
      out->holes[out->nholes++] = (struct vaoci_span){prev_end, start};
    prev_end = end > prev_end ? end : prev_end;
  }
}

int vaoci_known_hole(const struct vaoci_known *k, uint64_t start, uint64_t end) {
  for (size_t i = 0; i < k->nholes; i++)
    if (k->holes[i].start <= start && end <= k->holes[i].end)
      return 1;
  return 0;
}

static int is_elf(const ElfW(Ehdr) * e) {
  return e->e_ident[EI_MAG0] == ELFMAG0 && e->e_ident[EI_MAG1] == ELFMAG1 && e->e_ident[EI_MAG2] == ELFMAG2 &&
         e->e_ident[EI_MAG3] == ELFMAG3 && e->e_phentsize == sizeof(ElfW(Phdr));
}

/* add_object reads an object whose ELF header is mapped at base (a shared
 * object, the interpreter or the vDSO: their first segment starts at 0).
 * Returns its header, or NULL when there is none to read. */
static const ElfW(Ehdr) * add_object(uint64_t base, uint64_t page, int holes, struct vaoci_known *out) {
  if (!base || base % page)
    return NULL;
  const ElfW(Ehdr) *e = (const ElfW(Ehdr) *)(uintptr_t)base;
  if (!is_elf(e) || e->e_type != ET_DYN)
    return NULL;
  add_segments((const ElfW(Phdr) *)(uintptr_t)(base + e->e_phoff), e->e_phnum, base, page, holes, out);
  return e;
}

/* add_vdso adds the vDSO: the kernel maps its whole image, the ELF file with
 * its section headers last, which can reach a page past the PT_LOAD (arm64
 * 6.12's does): the image's extent is the larger of the two. */
static void add_vdso(uint64_t base, uint64_t page, struct vaoci_known *out) {
  const ElfW(Ehdr) *e = add_object(base, page, 0, out);
  if (!e)
    return;
  uint64_t image = e->e_shoff + (uint64_t)e->e_shnum * e->e_shentsize;
  if (e->e_shoff && image < (64u << 10)) /* a vDSO is a few pages: anything else is not trusted */
    vaoci_span_set_add(&out->segments, base, (base + image + page - 1) & ~(page - 1));
}

/* program_bias is the load bias of the main program, from its PT_PHDR. */
static int program_bias(const ElfW(Phdr) * ph, unsigned n, uint64_t *bias) {
  for (unsigned i = 0; i < n; i++) {
    if (ph[i].p_type == PT_PHDR) {
      *bias = (uint64_t)(uintptr_t)ph - ph[i].p_vaddr;
      return 1;
    }
  }
  *bias = 0; /* no PT_PHDR: a static, non-PIE program */
  return 0;
}

/* add_libraries walks the dynamic loader's list (DT_DEBUG → r_debug → r_map),
 * as debuggers do; glibc and musl both fill it before any constructor runs. */
static void add_libraries(const ElfW(Phdr) * ph, unsigned n, uint64_t bias, uint64_t page, struct vaoci_known *out) {
  for (unsigned i = 0; i < n; i++) {
    if (ph[i].p_type != PT_DYNAMIC)
      continue;
    for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(uintptr_t)(bias + ph[i].p_vaddr); d->d_tag != DT_NULL; d++) {
      if (d->d_tag != DT_DEBUG || !d->d_un.d_ptr)
        continue;
      const struct r_debug *r = (const struct r_debug *)(uintptr_t)d->d_un.d_ptr;
      int guard = 0;
      for (const struct link_map *l = r->r_map; l && guard < 4096; l = l->l_next, guard++)
        if (l != r->r_map) /* the first entry is the program itself */
          add_object(l->l_addr, page, 1, out);
      return;
    }
  }
}

void vaoci_known_segments(uint64_t page, struct vaoci_known *out) {
  const ElfW(Phdr) *ph = (const ElfW(Phdr) *)(uintptr_t)vaoci_auxv(AT_PHDR);
  unsigned n = (unsigned)vaoci_auxv(AT_PHNUM);
  if (ph && n) {
    uint64_t bias;
    int dynamic = program_bias(ph, n, &bias);
    add_segments(ph, n, bias, page, 0, out);
    if (dynamic)
      add_libraries(ph, n, bias, page, out);
  }
  add_object(vaoci_auxv(AT_BASE), page, 0, out);
  add_vdso(vaoci_auxv(AT_SYSINFO_EHDR), page, out);
}
