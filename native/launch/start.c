/* From the kernel's entry to launch_main: apply our own relocations (a
 * static-pie has no loader to do it), find argv, envp and the auxiliary
 * vector on the initial stack, and give the library its getauxval. */
#include "launch.h"
#include "lsys.h"

extern const Elf64_Dyn _DYNAMIC[] __attribute__((visibility("hidden")));
extern const Elf64_Ehdr __ehdr_start __attribute__((visibility("hidden")));

#if defined(__x86_64__)
#define R_RELATIVE R_X86_64_RELATIVE
#else
#define R_RELATIVE R_AARCH64_RELATIVE
#endif

static const struct launch_self *self_seen VAOCI_HOT;

/* relocate applies every R_*_RELATIVE entry of our own .rela.dyn. It runs
 * first and touches only locals and hidden symbols (reached PC-relative),
 * since any pointer in our data is wrong until it is done. Returns how many
 * entries it could not apply (the build is checked to have none). */
static unsigned long relocate(void) {
  uint64_t base = (uint64_t)(uintptr_t)&__ehdr_start; /* the first segment starts at vaddr 0 */
  const Elf64_Rela *rela = 0;
  uint64_t size = 0;
  unsigned long unknown = 0;
  for (const Elf64_Dyn *d = _DYNAMIC; d->d_tag != DT_NULL; d++) {
    if (d->d_tag == DT_RELA)
      rela = (const Elf64_Rela *)(uintptr_t)(base + d->d_un.d_ptr);
    else if (d->d_tag == DT_RELASZ)
      size = d->d_un.d_val;
    else if (d->d_tag == DT_REL || d->d_tag == DT_RELR)
      unknown++;
  }
  for (uint64_t i = 0; rela && i < size / sizeof *rela; i++) {
    if (ELF64_R_TYPE(rela[i].r_info) == R_RELATIVE)
      *(uint64_t *)(uintptr_t)(base + rela[i].r_offset) = base + (uint64_t)rela[i].r_addend;
    else
      unknown++;
  }
  return unknown;
}

/* The library finds a program's load bias from its PT_PHDR (objects.c). GNU
 * ld gives a static-pie none, so the library would take the bias as 0 and
 * then have to find our image with mincore and the maps (twice the time).
 * Its AT_PHDR is therefore a copy of our program headers with a PT_PHDR
 * added in front: the same facts, found without a system call. */
#define OWN_PHDR_MAX 16
static Elf64_Phdr own_phdrs[OWN_PHDR_MAX + 1] VAOCI_HOT;
static unsigned long own_phnum VAOCI_HOT;

static void describe_self(void) {
  const Elf64_Ehdr *eh = &__ehdr_start;
  const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)eh + eh->e_phoff);
  unsigned n = eh->e_phnum < OWN_PHDR_MAX ? eh->e_phnum : OWN_PHDR_MAX;
  for (unsigned i = 0; i < n; i++)
    own_phdrs[i + 1] = ph[i];
  own_phdrs[0].p_type = PT_PHDR;
  own_phdrs[0].p_flags = PF_R;
  own_phdrs[0].p_vaddr = (uint64_t)(uintptr_t)own_phdrs - (uint64_t)(uintptr_t)eh;
  own_phdrs[0].p_memsz = own_phdrs[0].p_filesz = (n + 1) * sizeof(Elf64_Phdr);
  own_phnum = n + 1;
}

/* getauxval is what the library (probe, known segments) reads the auxiliary
 * vector through; here it is ours, since there is no libc. */
unsigned long getauxval(unsigned long type) {
  if (type == AT_PHDR && own_phnum)
    return (unsigned long)(uintptr_t)own_phdrs;
  if (type == AT_PHNUM && own_phnum)
    return own_phnum;
  return launch_auxv_get(self_seen, type);
}

/* launch_entry is called by _start with the kernel's stack pointer:
 * argc, argv[], NULL, envp[], NULL, auxv pairs, AT_NULL. */
__attribute__((used, noreturn)) void launch_entry(uint64_t *sp) {
  unsigned long unknown = relocate();
  static struct launch_self self VAOCI_HOT;
  self.argc = (int)sp[0];
  self.argv = (char **)(sp + 1);
  self.envp = self.argv + self.argc + 1;
  char **e = self.envp;
  while (*e)
    e++;
  self.auxv = (Elf64_auxv_t *)(e + 1);
  while (self.auxv[self.nauxv].a_type != AT_NULL)
    self.nauxv++;
  /* exec copies argv's strings lowest, then envp's, then AT_EXECFN's */
  self.strings = self.argc      ? (uint64_t)(uintptr_t)self.argv[0]
                 : self.envp[0] ? (uint64_t)(uintptr_t)self.envp[0]
                                : launch_auxv_get(&self, AT_EXECFN);
  self_seen = &self;
  describe_self();
  if (unknown) {
    static const char msg[] = "vaoci-launch: built with relocations it cannot apply to itself (only R_*_RELATIVE)\n";
    vaoci_sys_write(2, msg, sizeof msg - 1);
    launch_sys_exit(LAUNCH_EXIT_FAILED);
  }
  launch_sys_exit(launch_main(&self));
}
