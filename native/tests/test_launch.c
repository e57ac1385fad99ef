/* vaoci-launch's pure parts: every refusal about a program's ELF headers
 * (synthetic images, one mutation per case), the window fit, the stack and
 * auxv it builds, its command line and environment, PATH lookup, the binfmt
 * configuration and argv. The live behaviour is test/launch/run.sh's. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "check.h"
#include "../launch/launch.h"

#define OTHER_EM (LAUNCH_EM == EM_X86_64 ? EM_AARCH64 : EM_X86_64)

static struct launch_image img;

static Elf64_Ehdr *eh(void) { return (Elf64_Ehdr *)img.head; }
static Elf64_Phdr *ph(void) { return (Elf64_Phdr *)(img.head + 64); }

static void phdr(int i, uint32_t type, uint32_t flags, uint64_t off, uint64_t vaddr, uint64_t filesz, uint64_t memsz) {
  ph()[i] = (Elf64_Phdr){type, flags, off, vaddr, vaddr, filesz, memsz, 0x1000};
}

/* base_elf writes a small static program into img.head: headers (r--), text
 * with the entry (r-x), data with .bss (rw-), PT_GNU_STACK, PT_NULL. */
static void base_elf(int type) {
  memset(&img, 0, sizeof img);
  img.path = "prog";
  img.page = 4096;
  img.file_size = 0x4000;
  img.head_len = sizeof img.head;
  uint64_t base = type == ET_EXEC ? 0x400000 : 0;
  Elf64_Ehdr *e = eh();
  memcpy(e->e_ident, ELFMAG, SELFMAG);
  e->e_ident[EI_CLASS] = ELFCLASS64;
  e->e_ident[EI_DATA] = ELFDATA2LSB;
  e->e_ident[EI_VERSION] = EV_CURRENT;
  e->e_type = (uint16_t)type;
  e->e_machine = LAUNCH_EM;
  e->e_entry = base + 0x1010;
  e->e_phoff = 64;
  e->e_phentsize = sizeof(Elf64_Phdr);
  e->e_phnum = 5;
  phdr(0, PT_LOAD, PF_R, 0, base, 0x200, 0x200);
  phdr(1, PT_LOAD, PF_R | PF_X, 0x1000, base + 0x1000, 0x800, 0x800);
  phdr(2, PT_LOAD, PF_R | PF_W, 0x2f00, base + 0x3f00, 0x100, 0x2000);
  phdr(3, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
  phdr(4, PT_NULL, 0, 0, 0, 0, 0);
}

static void m_none(void) {}
static void m_script(void) { memcpy(img.head, "#!/bin/sh\n", 10); }
static void m_text(void) { memcpy(img.head, "hello, world", 12); }
static void m_short(void) { img.head_len = 3; }
static void m_truncated(void) { img.head_len = 40; }
static void m_class32(void) { img.head[EI_CLASS] = ELFCLASS32, eh()->e_machine = EM_386; }
static void m_big_endian(void) { img.head[EI_DATA] = ELFDATA2MSB; }
static void m_machine(void) { eh()->e_machine = OTHER_EM; }
static void m_machine_odd(void) { eh()->e_machine = 4242; }
static void m_rel(void) { eh()->e_type = ET_REL; }
static void m_core(void) { eh()->e_type = ET_CORE; }
static void m_phentsize(void) { eh()->e_phentsize = 32; }
static void m_phnum0(void) { eh()->e_phnum = 0; }
static void m_phnum_huge(void) { eh()->e_phnum = 60000; }
static void m_phoff_out(void) { eh()->e_phoff = 0x3ff0; }
static void m_interp(void) {
  phdr(4, PT_INTERP, PF_R, 0x300, 0x400300, 28, 28);
  memcpy(img.head + 0x300, "/lib64/ld-linux-x86-64.so.2", 28);
}
static void m_filesz(void) { ph()[1].p_filesz = 0x900; }
static void m_past_eof(void) { ph()[2].p_offset = 0x3f80; }
static void m_misaligned(void) { ph()[1].p_offset = 0x1100; }
static void m_align(void) { ph()[1].p_align = 0x3000; }
static void m_overlap(void) {
  ph()[1].p_vaddr = 0x400100;
  ph()[1].p_offset = 0x100;
}
static void m_order(void) { ph()[2].p_vaddr = 0x200f00; }
static void m_huge(void) { ph()[2].p_memsz = 1ull << 63; }
static void m_entry_data(void) { eh()->e_entry = 0x403f10; }
static void m_entry_nowhere(void) { eh()->e_entry = 0x900000; }
static void m_phdr_unloaded(void) { ph()[0].p_filesz = ph()[0].p_memsz = 0x40; }
static void m_no_load(void) { ph()[0].p_type = ph()[1].p_type = ph()[2].p_type = PT_NOTE; }
static void m_exec_stack(void) { ph()[3].p_flags |= PF_X; }
static void m_empty_load(void) { phdr(4, PT_LOAD, PF_R, 0, 0x100000, 0, 0); } /* memsz 0: ignored, as the kernel does */

struct elf_case {
  const char *desc;
  int type;
  void (*mutate)(void);
  const char *want; /* a substring of the one line, or NULL: accepted */
};

static const struct elf_case elf_cases[] = {
    {"a static program is accepted", ET_EXEC, m_none, NULL},
    {"a static-pie is accepted", ET_DYN, m_none, NULL},
    {"an empty PT_LOAD is ignored", ET_EXEC, m_empty_load, NULL},
    {"a #! script", ET_EXEC, m_script, "prog: a #! script: vaoci-launch loads ELF programs"},
    {"a text file", ET_EXEC, m_text, "prog: not an ELF file"},
    {"three bytes", ET_EXEC, m_short, "prog: not an ELF file"},
    {"a cut header", ET_EXEC, m_truncated, "prog: truncated ELF header"},
    {"an i386 program", ET_EXEC, m_class32, "prog: a 32-bit i386 program: this vaoci-launch loads 64-bit " LAUNCH_ARCH},
    {"big-endian", ET_EXEC, m_big_endian, "prog: a big-endian ELF file"},
    {"another machine", ET_EXEC, m_machine, "program: this vaoci-launch loads " LAUNCH_ARCH " ones"},
    {"an unknown machine", ET_EXEC, m_machine_odd, "prog: a program for ELF machine 4242"},
    {"a relocatable object", ET_EXEC, m_rel, "prog: not an executable (ELF type 1)"},
    {"a core file", ET_EXEC, m_core, "prog: not an executable (ELF type 4)"},
    {"odd phentsize", ET_EXEC, m_phentsize, "prog: program header size 32, expected 56"},
    {"no program headers", ET_EXEC, m_phnum0, "prog: 0 program headers"},
    {"60000 program headers", ET_EXEC, m_phnum_huge, "prog: 60000 program headers"},
    {"headers past EOF", ET_EXEC, m_phoff_out, "prog: program headers past the end of the file"},
    {"dynamically linked", ET_EXEC, m_interp,
     "prog: dynamically linked (interpreter /lib64/ld-linux-x86-64.so.2): vaoci-launch loads static programs"},
    {"dynamic PIE", ET_DYN, m_interp, "prog: dynamically linked"},
    {"filesz > memsz", ET_EXEC, m_filesz, "prog: segment 1: file size 0x900 exceeds its memory size 0x800"},
    {"segment past EOF", ET_EXEC, m_past_eof, "prog: segment 2 extends past the end of the file"},
    {"offset and address disagree", ET_EXEC, m_misaligned, "disagree modulo the page size"},
    {"alignment not a power of two", ET_EXEC, m_align, "alignment 0x3000 is not a power of two"},
    {"overlapping segments", ET_EXEC, m_overlap, "prog: segment 1 overlaps the one before it"},
    {"segments out of order", ET_EXEC, m_order, "prog: segment 2 overlaps the one before it or is out of order"},
    {"a 2^63-byte segment", ET_EXEC, m_huge, "beyond any user address space"},
    {"entry in data", ET_EXEC, m_entry_data, "prog: its entry point 0x403f10 is not in an executable segment"},
    {"entry nowhere", ET_EXEC, m_entry_nowhere, "its entry point 0x900000"},
    {"phdrs not loaded", ET_EXEC, m_phdr_unloaded, "prog: its program headers are not in a loaded segment"},
    {"no PT_LOAD", ET_EXEC, m_no_load, "prog: no loadable segment"},
};

static void test_elf_cases(void) {
  for (size_t i = 0; i < sizeof elf_cases / sizeof elf_cases[0]; i++) {
    const struct elf_case *c = &elf_cases[i];
    base_elf(c->type);
    c->mutate();
    vaoci_error_t err = {0};
    int r = launch_elf_check(&img, &err);
    if (!c->want) {
      CHECK(r == 0, "%s: refused: %s", c->desc, err.msg);
      continue;
    }
    CHECK(r < 0 && err.status == VAOCI_E_UNSUPPORTED && strstr(err.msg, c->want) && !strchr(err.msg, '\n'),
          "%s: got %d `%s`, want one line with `%s`", c->desc, r, err.msg, c->want);
  }
}

/* test_elf_facts checks what an accepted program's headers say. */
static void test_elf_facts(void) {
  vaoci_error_t err;
  base_elf(ET_EXEC);
  CHECK(launch_elf_check(&img, &err) == 0, "facts: refused: %s", err.msg);
  CHECK(!img.pie && img.lo == 0x400000 && img.hi == 0x406000, "ET_EXEC extent 0x%lx-0x%lx pie %d",
        (unsigned long)img.lo, (unsigned long)img.hi, img.pie);
  CHECK(img.phdr_vaddr == 0x400040, "AT_PHDR from the first PT_LOAD: 0x%lx", (unsigned long)img.phdr_vaddr);
  CHECK(img.align == 0x1000 && !img.exec_stack && !img.bti, "align 0x%lx exec_stack %d bti %d",
        (unsigned long)img.align, img.exec_stack, img.bti);
  base_elf(ET_DYN);
  m_exec_stack();
  ph()[1].p_align = 0x200000;
  CHECK(launch_elf_check(&img, &err) == 0, "pie facts: refused: %s", err.msg);
  CHECK(img.pie && img.lo == 0 && img.hi == 0x6000 && img.phdr_vaddr == 0x40, "ET_DYN extent 0x%lx-0x%lx phdr 0x%lx",
        (unsigned long)img.lo, (unsigned long)img.hi, (unsigned long)img.phdr_vaddr);
  CHECK(img.align == 0x200000 && img.exec_stack, "largest alignment 0x%lx, PF_X stack %d", (unsigned long)img.align,
        img.exec_stack);
}

#if defined(__aarch64__)
/* A GNU property note asking for BTI: the text is then mapped PROT_BTI. */
static void test_elf_bti(void) {
  base_elf(ET_EXEC);
  static const uint32_t note[] = {4,
                                  16,
                                  NT_GNU_PROPERTY_TYPE_0,
                                  0x00554e47 /* "GNU" */,
                                  GNU_PROPERTY_AARCH64_FEATURE_1_AND,
                                  4,
                                  GNU_PROPERTY_AARCH64_FEATURE_1_BTI,
                                  0};
  memcpy(img.head + 0x180, note, sizeof note);
  phdr(4, PT_GNU_PROPERTY, PF_R, 0x180, 0x400180, sizeof note, sizeof note);
  vaoci_error_t err;
  CHECK(launch_elf_check(&img, &err) == 0 && img.bti == 1, "BTI note read: bti %d (%s)", img.bti, err.msg);
}
#endif

struct fit_case {
  const char *desc;
  int type;
  const char *window;
  uint64_t floor;
  const char *want;
};

static const struct fit_case fit_cases[] = {
    {"0x400000 inside i386", ET_EXEC, "i386", 0x10000, NULL},
    {"0x400000 inside a 40-bit window", ET_EXEC, "0x10000-0x10000000000", 0x10000, NULL},
    {"no window", ET_EXEC, NULL, 0x10000, NULL},
    {"outside a window above it", ET_EXEC, "0x10000000-0x20000000", 0x10000,
     "prog: its segment 0x400000-0x401000 is outside the window 0x10000000-0x20000000"},
    {"inside a wrap-around window's hole", ET_EXEC, "0x800000-0x100000", 0x10000,
     "prog: its segment 0x400000-0x401000 is outside the window 0x800000-0x100000"},
    {"below the floor", ET_EXEC, NULL, 0x1000000, "lies below the lowest mappable address 0x1000000"},
    {"a static-pie fits i386", ET_DYN, "i386", 0x10000, NULL},
    {"a static-pie larger than the window", ET_DYN, "0x10000-0x14000", 0x10000, "does not fit the window"},
};

static void test_fits(void) {
  for (size_t i = 0; i < sizeof fit_cases / sizeof fit_cases[0]; i++) {
    const struct fit_case *c = &fit_cases[i];
    struct vaoci_window w;
    vaoci_error_t err = {0};
    base_elf(c->type);
    launch_elf_check(&img, &err);
    if (c->window)
      vaoci_window_parse(c->window, &w, &err);
    int r = launch_elf_fits(&img, c->window ? &w : NULL, c->floor, &err);
    if (!c->want)
      CHECK(r == 0, "%s: refused: %s", c->desc, err.msg);
    else
      CHECK(r < 0 && strstr(err.msg, c->want), "%s: got `%s`, want `%s`", c->desc, r < 0 ? err.msg : "ok", c->want);
  }
}

/* ---- the stack ------------------------------------------------------- */

/* Strings with gaps between them: copied one by one. */
static char gaps[] = "prog\0-one\0-\0-three words\0-A=1\0-PATH=/bin";
static char *const stack_argv[] = {gaps, gaps + 6, gaps + 11, gaps + 13, NULL};
static char *const stack_envp[] = {gaps + 26, gaps + 31, NULL};
/* The same strings back to back, as exec leaves them: copied as one block. */
static char block[] = "prog\0one\0\0three words\0A=1\0PATH=/bin";
static char *const block_argv[] = {block, block + 5, block + 9, block + 10, NULL};
static char *const block_envp[] = {block + 22, block + 26, NULL};
static char *const *cur_argv = stack_argv, *const *cur_envp = stack_envp;
static char platform[] = "x86_64";
static unsigned char own_random[16] = {1};

static Elf64_auxv_t own_auxv[] = {
    {AT_SYSINFO_EHDR, {0x7fff0000}},
    {AT_HWCAP, {0xbfebfbff}},
    {AT_PAGESZ, {4096}},
    {AT_PHDR, {0x7f0000000040}},
    {AT_PHENT, {56}},
    {AT_PHNUM, {9}},
    {AT_BASE, {0}},
    {AT_FLAGS, {1}},
    {AT_ENTRY, {0x7f0000001000}},
    {AT_UID, {1000}},
    {AT_SECURE, {0}},
    {AT_RANDOM, {0}},
    {AT_HWCAP2, {2}},
    {AT_EXECFN, {0}},
    {AT_PLATFORM, {0}},
    {AT_EXECFD, {5}},
    {AT_MINSIGSTKSZ, {3632}},
};
#define NOWN (sizeof own_auxv / sizeof own_auxv[0])

static struct launch_stack_in in;
static struct launch_stack_out out;

static void stack_in(int binfmt, size_t nauxv) {
  own_auxv[11].a_un.a_val = (uint64_t)(uintptr_t)own_random;
  own_auxv[13].a_un.a_val = (uint64_t)(uintptr_t) "/launcher/path";
  own_auxv[14].a_un.a_val = (uint64_t)(uintptr_t)platform;
  memset(&in, 0, sizeof in);
  in.argv = cur_argv;
  in.envp = cur_envp;
  launch_stack_measure(&in);
  in.execfn = "/usr/bin/prog";
  in.auxv = own_auxv;
  in.nauxv = nauxv;
  for (int i = 0; i < 16; i++)
    in.random[i] = (unsigned char)(0xa0 + i);
  in.sp_offset = 1234;
  in.phdr = 0x400040;
  in.phnum = 5;
  in.entry = 0x401010;
  in.binfmt = binfmt;
}

static uint64_t aux(unsigned long type, int *found) {
  *found = 0;
  for (const Elf64_auxv_t *a = out.auxv; a->a_type != AT_NULL; a++)
    if (a->a_type == type) {
      *found = 1;
      return a->a_un.a_val;
    }
  return 0;
}

static int in_buf(uint64_t p, const char *buf, const char *top) {
  return p >= (uint64_t)(uintptr_t)buf && p < (uint64_t)(uintptr_t)top;
}

/* build makes a stack in a heap buffer and checks the layout exec makes. */
static void build(const char *desc, int binfmt, size_t nauxv) {
  static char buf[1 << 16];
  char *top = buf + sizeof buf;
  vaoci_error_t err;
  stack_in(binfmt, nauxv);
  memset(buf, 0x55, sizeof buf);
  CHECK(launch_stack_need(&in) < sizeof buf, "%s: need %lu", desc, (unsigned long)launch_stack_need(&in));
  CHECK(launch_stack_build(top, &in, &out, &err) == 0, "%s: build: %s", desc, err.msg);
  uint64_t *sp = (uint64_t *)(uintptr_t)out.sp;
  CHECK(out.sp % 16 == 0 && in_buf(out.sp, buf, top), "%s: sp 0x%lx 16-aligned inside", desc, (unsigned long)out.sp);
  CHECK(top - (char *)sp <= (long)launch_stack_need(&in), "%s: used more than launch_stack_need", desc);
  CHECK(sp[0] == 4, "%s: argc %lu", desc, (unsigned long)sp[0]);
  char **argv = (char **)(sp + 1), **envp = argv + 5;
  for (int i = 0; i < 4; i++)
    CHECK(in_buf((uint64_t)(uintptr_t)argv[i], buf, top) && strcmp(argv[i], stack_argv[i]) == 0, "%s: argv[%d] `%s`",
          desc, i, argv[i]);
  CHECK(argv[4] == NULL && envp[2] == NULL, "%s: argv and envp NULL-terminated", desc);
  CHECK(strcmp(envp[0], "A=1") == 0 && strcmp(envp[1], "PATH=/bin") == 0, "%s: envp copied", desc);
  CHECK((char **)out.auxv == envp + 3, "%s: auxv right after envp", desc);
  CHECK(out.arg_start == (uint64_t)(uintptr_t)argv[0] && out.arg_end == out.arg_start + 5 + 4 + 1 + 12 &&
            out.env_start == out.arg_end && out.env_end == out.env_start + 4 + 10,
        "%s: argument and environment strings contiguous, in order", desc);
  int f;
  const char *execfn = (const char *)(uintptr_t)aux(AT_EXECFN, &f);
  CHECK(f && strcmp(execfn, "/usr/bin/prog") == 0, "%s: AT_EXECFN `%s`", desc, f ? execfn : "");
  CHECK(f && execfn + strlen(execfn) + 1 + 8 == top && *(uint64_t *)(top - 8) == 0,
        "%s: AT_EXECFN's string just below the top NULL word (what the probe derives the stack top from)", desc);
  CHECK(out.env_end == (uint64_t)(uintptr_t)execfn, "%s: environment strings end where AT_EXECFN begins", desc);
  const unsigned char *rnd = (const unsigned char *)(uintptr_t)aux(AT_RANDOM, &f);
  CHECK(f && in_buf((uint64_t)(uintptr_t)rnd, buf, top) && memcmp(rnd, in.random, 16) == 0,
        "%s: AT_RANDOM points at the 16 given bytes on the stack", desc);
  const char *plat = (const char *)(uintptr_t)aux(AT_PLATFORM, &f);
  CHECK(nauxv < 15 ||
            (f && plat != platform && in_buf((uint64_t)(uintptr_t)plat, buf, top) && strcmp(plat, "x86_64") == 0),
        "%s: AT_PLATFORM copied onto the stack", desc);
  CHECK(aux(AT_PHDR, &f) == 0x400040 && f && aux(AT_PHNUM, &f) == 5 && aux(AT_PHENT, &f) == 56 &&
            aux(AT_ENTRY, &f) == 0x401010 && aux(AT_BASE, &f) == 0 && f,
        "%s: the program's AT_PHDR, AT_PHNUM, AT_PHENT, AT_ENTRY, AT_BASE", desc);
}

static void test_stack(void) {
  int f;
  build("direct", 0, NOWN);
  CHECK(aux(AT_HWCAP, &f) == 0xbfebfbff && aux(AT_HWCAP2, &f) == 2 && aux(AT_UID, &f) == 1000 &&
            aux(AT_SYSINFO_EHDR, &f) == 0x7fff0000 && aux(AT_MINSIGSTKSZ, &f) == 3632 && aux(AT_PAGESZ, &f) == 4096,
        "direct: the kernel's entries copied (HWCAP, HWCAP2, UID, SYSINFO_EHDR, MINSIGSTKSZ, PAGESZ)");
  CHECK(aux(AT_FLAGS, &f) == 0 && f, "direct: AT_FLAGS 0, as for any program run directly");
  aux(AT_EXECFD, &f);
  CHECK(!f, "direct: no AT_EXECFD");
  size_t n = 0;
  for (const Elf64_auxv_t *a = out.auxv; a->a_type != AT_NULL; a++)
    n++;
  CHECK(n == NOWN - 1 && out.auxv_bytes == (n + 1) * sizeof(Elf64_auxv_t), "direct: %zu entries (%zu bytes)", n,
        out.auxv_bytes);
  build("binfmt", 1, NOWN);
  CHECK(aux(AT_FLAGS, &f) == 1, "binfmt: AT_FLAGS (preserve-argv0) passed on");
  CHECK(aux(AT_EXECFD, &f) == 5 && f, "binfmt: AT_EXECFD passed on");
  build("a launcher auxv without AT_RANDOM, AT_EXECFN, AT_PLATFORM", 0, 11);
  cur_argv = block_argv, cur_envp = block_envp;
  build("strings back to back", 0, NOWN);
  CHECK(in.args.block && in.env.block, "strings back to back are measured as blocks (%d %d)", in.args.block,
        in.env.block);
  cur_argv = stack_argv, cur_envp = stack_envp;
  stack_in(0, NOWN);
  CHECK(!in.args.block && !in.env.block, "scattered strings are not taken for blocks");
}

/* ---- command line, environment, PATH, binfmt ------------------------- */

struct args_case {
  const char *desc;
  const char *argv[6];
  const char *env0;
  int want; /* 0 ok, 1 help, -1 error */
  const char *window; /* expected window text, or the error's substring */
  int prog; /* index of PROGRAM in argv */
};

static const struct args_case args_cases[] = {
    {"flag", {"vaoci-launch", "--va-limit", "i386", "prog", "a", NULL}, NULL, 0, "i386", 3},
    {"flag=", {"vaoci-launch", "--va-limit=0x10000-0x10000000000", "prog", NULL}, NULL, 0, "0x10000-0x10000000000", 2},
    {"environment", {"vaoci-launch", "prog", "--va-limit", NULL}, "VAOCI_VA_LIMIT=x86_64", 0, "x86_64", 1},
    {"flag beats environment",
     {"vaoci-launch", "--va-limit", "i386", "prog", NULL},
     "VAOCI_VA_LIMIT=bogus",
     0,
     "i386",
     3},
    {"no window at all", {"vaoci-launch", "prog", NULL}, NULL, 0, "none", 1},
    {"-- ends the flags", {"vaoci-launch", "--", "-prog", NULL}, NULL, 0, "none", 2},
    {"--help", {"vaoci-launch", "--help", NULL}, NULL, 1, NULL, 0},
    {"bad window flag",
     {"vaoci-launch", "--va-limit", "x86-64", "prog", NULL},
     NULL,
     -1,
     "--va-limit: va-limit `x86-64`: expected x86_64, i386 or 0xLOWER-0xUPPER",
     0},
    {"bad window variable",
     {"vaoci-launch", "prog", NULL},
     "VAOCI_VA_LIMIT=0x1000-0x1000",
     -1,
     "VAOCI_VA_LIMIT: va-limit `0x1000-0x1000`",
     0},
    {"bad VAOCI_ON_ERROR",
     {"vaoci-launch", "prog", NULL},
     "VAOCI_ON_ERROR=maybe",
     -1,
     "VAOCI_ON_ERROR `maybe`: expected fail or warn",
     0},
    {"bad VAOCI_ALGO", {"vaoci-launch", "prog", NULL}, "VAOCI_ALGO=fast", -1, "VAOCI_ALGO: algorithm `fast`", 0},
    {"unknown flag", {"vaoci-launch", "-x", "prog", NULL}, NULL, -1, "flag `-x`: expected --va-limit W", 0},
    {"no PROGRAM", {"vaoci-launch", "--va-limit", "i386", NULL}, NULL, -1, "PROGRAM missing", 0},
    {"--binfmt-flags", {"vaoci-launch", "--binfmt-flags=POF", "--", "emu", "guest", NULL}, NULL, 0, "none", 3},
    {"--binfmt-flags empty", {"vaoci-launch", "--binfmt-flags", "", "emu", "guest", NULL}, NULL, 0, "none", 3},
    {"--binfmt-flags bad letter",
     {"vaoci-launch", "--binfmt-flags=PX", "emu", "guest", NULL},
     NULL,
     -1,
     "--binfmt-flags `PX`: expected letters of POCF",
     0},
    {"--binfmt-flags without a guest",
     {"vaoci-launch", "--binfmt-flags=P", "--", "emu", NULL},
     NULL,
     -1,
     "expected the emulator and the guest program",
     0},
};

static void test_args(void) {
  int saved = dup(1);
  for (size_t i = 0; i < sizeof args_cases / sizeof args_cases[0]; i++) {
    const struct args_case *c = &args_cases[i];
    char *argv[6] = {0};
    char *envp[2] = {(char *)c->env0, NULL};
    int argc = 0;
    for (; c->argv[argc]; argc++)
      argv[argc] = (char *)c->argv[argc];
    struct launch_self self = {argc, argv, envp, NULL, 0, 0};
    struct launch_opts o;
    memset(&o, 0, sizeof o);
    vaoci_error_t err = {0};
    int devnull = open("/dev/null", O_WRONLY);
    if (c->want == 1) /* the usage goes to stdout: keep it out of the report */
      dup2(devnull, 1);
    int r = launch_args_parse(&self, &o, &err);
    if (c->want == 1)
      dup2(saved, 1);
    close(devnull);
    char text[VAOCI_WINDOW_TEXT_MAX] = "none";
    if (o.have_window)
      vaoci_window_format(&o.window, text, sizeof text);
    if (c->want == 0)
      CHECK(r == 0 && strcmp(text, c->window) == 0 && o.argv == argv + c->prog && o.argc == argc - c->prog,
            "%s: r %d window %s program `%s`", c->desc, r, text, r == 0 ? o.argv[0] : err.msg);
    else if (c->want == 1)
      CHECK(r == 1, "%s: r %d", c->desc, r);
    else
      CHECK(r < 0 && strstr(err.msg, c->window), "%s: r %d `%s`, want `%s`", c->desc, r, err.msg, c->window);
  }
  close(saved);
}

/* test_guest_argv: --binfmt-flags makes the emulator's argv what binfmt_misc
 * would: the guest found along PATH as its file, with P the guest's own
 * argv[0] after it (in the slot the flag held), AT_EXECFN and comm the file. */
static void test_guest_argv(void) {
  char dir[] = "/tmp/vaoci-launch-guest-XXXXXX", file[128], path_var[160], buf[LAUNCH_PATH_MAX];
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(file, sizeof file, "%s/guest", dir);
  FILE *f = fopen(file, "w");
  fclose(f);
  chmod(file, 0755);
  snprintf(path_var, sizeof path_var, "PATH=%s", dir);
  char *envp[] = {path_var, NULL};
  for (int p = 0; p < 2; p++) {
    char *argv[] = {"vaoci-launch", p ? "--binfmt-flags=POF" : "--binfmt-flags=OF", "--", "/emu", "guest", "a1", NULL};
    struct launch_self self = {6, argv, envp, NULL, 0, 0};
    struct launch_opts o;
    memset(&o, 0, sizeof o);
    vaoci_error_t err = {0};
    int r = launch_args_parse(&self, &o, &err);
    if (r == 0)
      r = launch_guest_argv(&o, envp, buf, sizeof buf, &err);
    if (p)
      CHECK(r == 0 && o.argc == 4 && !strcmp(o.argv[0], "/emu") && !strcmp(o.argv[1], file) &&
                !strcmp(o.argv[2], "guest") && !strcmp(o.argv[3], "a1") && !o.argv[4] && !strcmp(o.execfn, file),
            "P: argv [/emu, FILE, guest, a1] (r %d, argc %d, `%s`)", r, o.argc, r ? err.msg : o.argv[1]);
    else
      CHECK(r == 0 && o.argc == 3 && !strcmp(o.argv[0], "/emu") && !strcmp(o.argv[1], file) &&
                !strcmp(o.argv[2], "a1") && !o.argv[3] && !strcmp(o.comm, file),
            "no P: argv [/emu, FILE, a1] (r %d, argc %d)", r, o.argc);
  }
  char *argv[] = {"vaoci-launch", "--binfmt-flags=P", "/emu", "missing", NULL};
  struct launch_self self = {4, argv, envp, NULL, 0, 0};
  struct launch_opts o;
  memset(&o, 0, sizeof o);
  vaoci_error_t err = {0};
  CHECK(launch_args_parse(&self, &o, &err) == 0 && launch_guest_argv(&o, envp, buf, sizeof buf, &err) < 0 &&
            strstr(err.msg, "missing: not found in PATH") && err.sys_errno == 2,
        "a guest not on PATH: `%s`", err.msg);
  unlink(file);
  rmdir(dir);
}

static void test_find(void) {
  char dir[] = "/tmp/vaoci-launch-test-XXXXXX", file[128], path_var[160], buf[LAUNCH_PATH_MAX];
  const char *out = NULL;
  vaoci_error_t err = {0};
  CHECK(mkdtemp(dir) != NULL, "mkdtemp");
  snprintf(file, sizeof file, "%s/tool", dir);
  FILE *f = fopen(file, "w");
  fclose(f);
  snprintf(path_var, sizeof path_var, "PATH=/nonexistent::%s", dir);
  char *envp[] = {path_var, NULL};
  CHECK(launch_find_program("tool", envp, &out, buf, sizeof buf, &err) < 0 && err.sys_errno == 2,
        "PATH: a file without execute permission is not found (%s)", err.msg);
  chmod(file, 0755);
  CHECK(launch_find_program("tool", envp, &out, buf, sizeof buf, &err) == 0 && strcmp(out, file) == 0,
        "PATH: found along PATH as `%s`", out);
  CHECK(launch_find_program("./x/y", envp, &out, buf, sizeof buf, &err) == 0 && strcmp(out, "./x/y") == 0,
        "PATH: a name with a slash is taken as is");
  CHECK(launch_find_program("no-such-tool", envp, &out, buf, sizeof buf, &err) < 0 &&
            strstr(err.msg, "no-such-tool: not found in PATH") && err.sys_errno == 2,
        "PATH: not found: `%s`", err.msg);
  unlink(file);
  rmdir(dir);
}

struct conf_case {
  const char *desc, *text, *want; /* want: an error substring, or NULL */
  const char *emulator, *va_limit;
};

static const struct conf_case conf_cases[] = {
    {"minimal", "emulator = /usr/bin/qemu-x86_64-static\n", NULL, "/usr/bin/qemu-x86_64-static", ""},
    {"all keys, comments, blanks, CRLF, no final newline",
     "# vaoci-launch\n\n  emulator=/e  \r\nva-limit =\ti386\non-error = warn\nalgo = gaps", NULL, "/e", "i386"},
    {"missing emulator", "va-limit = i386\n", "launch.conf: emulator: missing", NULL, NULL},
    {"relative emulator", "emulator = qemu\n", "launch.conf: emulator `qemu`: expected an absolute path", NULL, NULL},
    {"unknown key", "emulator = /e\nva_limit = i386\n",
     "launch.conf line 2: unknown key `va_limit`: expected emulator, va-limit, on-error or algo", NULL, NULL},
    {"no =", "emulator /e\n", "launch.conf line 1: expected `key = value`", NULL, NULL},
    {"empty value", "emulator = /e\nva-limit =\n", "launch.conf line 2: va-limit: expected a value", NULL, NULL},
};

static void test_config(void) {
  for (size_t i = 0; i < sizeof conf_cases / sizeof conf_cases[0]; i++) {
    const struct conf_case *c = &conf_cases[i];
    struct vaoci_launch_conf conf;
    vaoci_error_t err = {0};
    int r = vaoci_launch_conf_parse(c->text, strlen(c->text), "launch.conf", &conf, &err);
    if (!c->want)
      CHECK(r == 0 && strcmp(conf.emulator, c->emulator) == 0 && strcmp(conf.va_limit, c->va_limit) == 0,
            "%s: r %d emulator `%s` va-limit `%s` (%s)", c->desc, r, conf.emulator, conf.va_limit, err.msg);
    else
      CHECK(r < 0 && strstr(err.msg, c->want), "%s: got `%s`, want `%s`", c->desc, r < 0 ? err.msg : "ok", c->want);
  }
}

static void test_binfmt_argv(void) {
  char *argv[] = {"/opt/vaoci/bin/vaoci-binfmt", "/work/prog", "prog", "a", NULL};
  vaoci_error_t err;
  CHECK(launch_binfmt_wanted("/opt/vaoci/bin/vaoci-binfmt") && launch_binfmt_wanted("vaoci-binfmt") &&
            !launch_binfmt_wanted("/usr/bin/vaoci-launch") && !launch_binfmt_wanted("vaoci-binfmt2"),
        "binfmt mode is chosen by the name vaoci-binfmt");
  CHECK(launch_binfmt_argv(argv, 4, "/usr/bin/emu", &err) == 0 && strcmp(argv[0], "/usr/bin/emu") == 0 &&
            strcmp(argv[1], "/work/prog") == 0 && strcmp(argv[2], "prog") == 0,
        "binfmt argv: the emulator in argv[0], the rest as the kernel gave it");
  CHECK(launch_binfmt_argv(argv, 1, "/usr/bin/emu", &err) < 0 && strstr(err.msg, "vaoci-binfmt FILE"),
        "binfmt argv: without FILE: `%s`", err.msg);
}

int main(void) {
  test_elf_cases();
  test_elf_facts();
#if defined(__aarch64__)
  test_elf_bti();
#endif
  test_fits();
  test_stack();
  test_args();
  test_find();
  test_guest_argv();
  test_config();
  test_binfmt_argv();
  return check_summary("test_launch");
}
