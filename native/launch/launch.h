/* vaoci-launch: reserve a window's complement, then load a static program into
 * this same process and jump to it as the kernel's exec would. There is no
 * exec, so the reservation survives. Freestanding (no libc): the launcher's
 * own start-up must not leave state (TLS, rseq, signal handlers, heap) the
 * program would inherit. One concern per file:
 *   start.c   kernel entry, self-relocation, getauxval
 *   arch.c    the per-architecture _start and the jump into the program
 *   args.c    command line, VAOCI_* environment, PATH (direct mode)
 *   binfmt.c  running as the binfmt_misc interpreter (vaoci-binfmt)
 *   elf.c     reading the program and every refusal about it
 *   map.c     placing and mapping its segments
 *   stack.c   the fresh stack: strings, argv, envp, auxv
 *   handover.c  comm, PR_SET_MM_MAP, the old stack's zone
 *   main.c    the sequence, the report and the exit codes */
#ifndef VAOCI_LAUNCH_H
#define VAOCI_LAUNCH_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include "vaoci/env.h"
#include "vaoci/error.h"
#include "vaoci/launch_conf.h"
#include "vaoci/reserve.h"
#include "vaoci/window.h"
#include "../src/hot.h"

_Static_assert(sizeof(void *) == 8, "vaoci-launch loads 64-bit programs on 64-bit hosts");

#if defined(__x86_64__)
#define LAUNCH_EM EM_X86_64
#define LAUNCH_ARCH "x86_64"
#elif defined(__aarch64__)
#define LAUNCH_EM EM_AARCH64
#define LAUNCH_ARCH "aarch64"
#endif

/* Exit statuses, as env(1) and the shells use them. */
#define LAUNCH_EXIT_FAILED 125 /* vaoci-launch itself: usage, config, reservation, loading */
#define LAUNCH_EXIT_CANNOT_RUN 126 /* PROGRAM exists but is refused */
#define LAUNCH_EXIT_NOT_FOUND 127

#define LAUNCH_PATH_MAX 4096
#define LAUNCH_AUXV_MAX 64
#define LAUNCH_PHDR_MAX (65536 / sizeof(Elf64_Phdr)) /* the kernel's limit on the table */
#define LAUNCH_HEAD_SIZE 4096 /* first bytes read: header, usually the phdrs */

/* launch_self is what the kernel handed this process. */
struct launch_self {
  int argc;
  char **argv;
  char **envp;
  Elf64_auxv_t *auxv; /* up to and excluding AT_NULL */
  size_t nauxv;
  uint64_t strings; /* the lowest string exec copied onto our stack */
};

/* launch_opts is what to launch, and how. */
struct launch_opts {
  const char *path; /* the file opened: AT_EXECFN in direct mode */
  char **argv; /* the program's argv (inside the launcher's own, edited in place) */
  int argc;
  const char *execfn; /* AT_EXECFN's string */
  int have_window;
  struct vaoci_window window;
  enum vaoci_algo algo;
  int warn; /* VAOCI_ON_ERROR=warn: run unprotected if reserving fails */
  const char *debug; /* VAOCI_DEBUG: 1, json or maps */
  int binfmt; /* keep AT_FLAGS, AT_EXECFD and comm as the kernel set them */
  int as_binfmt; /* --binfmt-flags: PROGRAM is an emulator, started as binfmt_misc would for argv[1] */
  int preserve_argv0; /* --binfmt-flags with P: the guest's argv[0] kept, AT_FLAGS says so */
  const char *comm; /* the name the process takes (the program's, or the guest's) */
  int embedded; /* the program is the bundle's emulator: fd, at base, size bytes */
  int fd;
  uint64_t base, size;
};

/* launch_image is the program: its headers, then where it was placed. The
 * small fields come first and the big buffers last, so a run faults in two
 * pages of it, not four. */
struct launch_image {
  const char *path;
  int fd;
  uint64_t base; /* where the ELF starts in the file (a bundle's emulator), else 0 */
  uint64_t file_size; /* the ELF's own size */
  uint64_t head_len;
  Elf64_Ehdr eh;
  const Elf64_Phdr *ph; /* into head, or elf.c's copy when beyond it or unaligned */
  uint64_t page;
  int pie; /* ET_DYN: placed by mmap; ET_EXEC: at its own addresses */
  uint64_t lo, hi; /* page-rounded extent of the PT_LOADs, unbiased */
  uint64_t align; /* largest PT_LOAD alignment, at least a page */
  uint64_t phdr_vaddr; /* where the program headers are mapped, unbiased */
  int exec_stack; /* PT_GNU_STACK asks for PF_X */
  int bti; /* aarch64: GNU property BTI, honoured when the CPU has it */
  uint64_t bias; /* load bias once placed (0 for ET_EXEC) */
  uint64_t brk; /* first page after the highest segment, biased */
  unsigned char head[LAUNCH_HEAD_SIZE] __attribute__((aligned(16))); /* the first bytes of the file */
};

/* launch_strings measures argv or envp (launch_stack_measure). */
struct launch_strings {
  uint64_t count, len; /* strings, and their bytes with the NULs */
  int block; /* back to back in memory: copied at once */
};

/* launch_stack_in is everything the fresh stack is built from. */
struct launch_stack_in {
  char *const *argv;
  char *const *envp;
  struct launch_strings args, env; /* launch_stack_measure fills these */
  const char *execfn;
  const Elf64_auxv_t *auxv; /* the launcher's own */
  size_t nauxv;
  unsigned char random[16]; /* AT_RANDOM's bytes */
  uint64_t sp_offset; /* a random drop below the strings, as the kernel's arch_align_stack */
  uint64_t phdr, phnum, entry;
  int binfmt;
  uint64_t at_flags; /* AT_FLAGS outside binfmt mode: AT_FLAGS_PRESERVE_ARGV0 for --binfmt-flags with P */
};

/* launch_stack_out is where the pieces landed (for PR_SET_MM_MAP and the jump). */
struct launch_stack_out {
  uint64_t sp;
  uint64_t arg_start, arg_end, env_start, env_end;
  const Elf64_auxv_t *auxv;
  size_t auxv_bytes; /* AT_NULL included */
};

/* Small freestanding helpers. */
static inline size_t launch_strlen(const char *s) {
  size_t n = 0;
  while (s[n])
    n++;
  return n;
}
static inline int launch_streq(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}
static inline const char *launch_basename(const char *path) {
  const char *base = path;
  for (const char *p = path; *p; p++)
    if (*p == '/' && p[1])
      base = p + 1;
  return base;
}
static inline uint64_t launch_page_down(uint64_t v, uint64_t page) { return v & ~(page - 1); }
static inline uint64_t launch_page_up(uint64_t v, uint64_t page) { return (v + page - 1) & ~(page - 1); }

/* main.c: the whole run; returns the exit code when it does not jump. */
int launch_main(struct launch_self *self);

/* arch.c: never returns; sets the stack pointer, clears what the kernel
 * clears and branches to entry. */
__attribute__((noreturn)) void launch_jump(uint64_t entry, uint64_t sp);

/* args.c / binfmt.c */
unsigned long launch_auxv_get(const struct launch_self *self, unsigned long type);
int launch_args_parse(struct launch_self *self, struct launch_opts *o, vaoci_error_t *err);
int launch_env_apply(char *const *envp, int secure, struct launch_opts *o, vaoci_error_t *err);
int launch_guest_argv(struct launch_opts *o, char *const *envp, char *buf, size_t size, vaoci_error_t *err);
int launch_find_program(const char *name, char *const *envp, const char **out, char *buf, size_t size,
                        vaoci_error_t *err);
int launch_binfmt_wanted(const char *argv0);
int launch_binfmt_parse(struct launch_self *self, struct launch_opts *o, vaoci_error_t *err);

int launch_binfmt_argv(char **argv, int argc, const char *emulator, vaoci_error_t *err);

/* elf.c */
int launch_elf_open(const char *path, struct launch_image *img, vaoci_error_t *err);
int launch_elf_open_embedded(int fd, uint64_t base, uint64_t size, const char *name, struct launch_image *img,
                             vaoci_error_t *err);
int launch_elf_check(struct launch_image *img, vaoci_error_t *err);
int launch_elf_fits(const struct launch_image *img, const struct vaoci_window *w, uint64_t floor, vaoci_error_t *err);

/* map.c */
int launch_place_pie(struct launch_image *img, const struct vaoci_window *w, uint64_t floor, uint64_t rnd,
                     vaoci_error_t *err);
int launch_map_segments(struct launch_image *img, unsigned long hwcap2, vaoci_error_t *err);

/* stack.c */
void launch_stack_measure(struct launch_stack_in *in);
uint64_t launch_stack_need(const struct launch_stack_in *in);
int launch_stack_build(char *top, const struct launch_stack_in *in, struct launch_stack_out *out, vaoci_error_t *err);
int launch_stack_map(const struct launch_stack_in *in, int exec_stack, uint64_t page, uint64_t top_hint, char **top,
                     vaoci_error_t *err);

/* handover.c */
void launch_set_comm(const char *path);
int launch_set_mm(const struct launch_image *img, const struct launch_stack_out *st, uint64_t brk);
int launch_reserve_old_stack(struct vaoci_reservation *res, uint64_t strings, vaoci_error_t *err);

#endif
