/* The program's fresh stack, laid out as the kernel's create_elf_tables does:
 * from the top, a NULL pointer, the AT_EXECFN string, the environment strings,
 * the argument strings, a random drop, the AT_PLATFORM strings and AT_RANDOM's
 * 16 bytes, then (16-byte aligned) argc, argv[], NULL, envp[], NULL and the
 * auxiliary vector. The auxv is the launcher's own (the same kernel: HWCAPs,
 * vDSO, clock ticks, ids, AT_SECURE, AT_MINSIGSTKSZ) with the program's
 * entries put in. */
#include "launch.h"
#include "lsys.h"
#include "vaoci/probe.h"

#define MIN_STACK (128ull << 10) /* the kernel's minimum stack expansion */

static Elf64_auxv_t auxv_out[LAUNCH_AUXV_MAX] VAOCI_HOT;

/* measure counts a string vector once: how many, their total length with
 * the NULs, and whether they lie back to back (exec leaves them so), which
 * lets them be copied as one block. */
static struct launch_strings measure(char *const *v) {
  struct launch_strings m = {0, 0, 1};
  for (; v && v[m.count]; m.count++) {
    uint64_t n = launch_strlen(v[m.count]) + 1;
    m.block &= v[m.count] == v[0] + m.len;
    m.len += n;
  }
  return m;
}

void launch_stack_measure(struct launch_stack_in *in) {
  in->args = measure(in->argv);
  in->env = measure(in->envp);
}

static uint64_t auxv_str_len(const struct launch_stack_in *in, unsigned long type) {
  for (size_t i = 0; i < in->nauxv; i++)
    if (in->auxv[i].a_type == type && in->auxv[i].a_un.a_val)
      return launch_strlen((const char *)(uintptr_t)in->auxv[i].a_un.a_val) + 1;
  return 0;
}

uint64_t launch_stack_need(const struct launch_stack_in *in) {
  uint64_t strings = in->args.len + in->env.len + launch_strlen(in->execfn) + 1;
  uint64_t platform = auxv_str_len(in, AT_PLATFORM) + auxv_str_len(in, AT_BASE_PLATFORM);
  uint64_t tables = (3 + in->args.count + in->env.count) * 8 + LAUNCH_AUXV_MAX * sizeof(Elf64_auxv_t);
  return 8 + strings + in->sp_offset + platform + 16 + tables + 64 /* alignment */;
}

/* copy moves n bytes a word at a time (unaligned loads are fine on both). */
static void copy(char *d, const char *s, uint64_t n) {
  for (; n >= 8; n -= 8, d += 8, s += 8) {
    uint64_t w;
    __builtin_memcpy(&w, s, 8);
    __builtin_memcpy(d, &w, 8);
  }
  while (n--)
    *d++ = *s++;
}

/* put_down copies n bytes just below *p and moves *p there. */
static char *put_down(char **p, const void *src, uint64_t n) {
  *p -= n;
  copy(*p, src, n);
  return *p;
}

/* put_strings copies v's strings, in order, just below *p. */
static void put_strings(char **p, char *const *v, const struct launch_strings *m) {
  *p -= m->len;
  if (m->block && m->count) {
    copy(*p, v[0], m->len);
    return;
  }
  char *d = *p;
  for (uint64_t n = 0; n < m->count; n++) {
    uint64_t len = launch_strlen(v[n]) + 1;
    copy(d, v[n], len);
    d += len;
  }
}

/* put_pointers writes where each of v's strings now is, from block on. */
static uint64_t *put_pointers(uint64_t *w, char *const *v, const struct launch_strings *m, char *block) {
  for (uint64_t n = 0, off = 0; n < m->count; n++) {
    if (m->block)
      off = (uint64_t)(v[n] - v[0]);
    *w++ = (uint64_t)(uintptr_t)(block + off);
    if (!m->block)
      off += launch_strlen(v[n]) + 1;
  }
  *w++ = 0;
  return w;
}

static char *put_auxv_string(char **p, const struct launch_stack_in *in, unsigned long type) {
  for (size_t i = 0; i < in->nauxv; i++)
    if (in->auxv[i].a_type == type && in->auxv[i].a_un.a_val) {
      const char *s = (const char *)(uintptr_t)in->auxv[i].a_un.a_val;
      return put_down(p, s, launch_strlen(s) + 1);
    }
  return 0;
}

struct auxv_values {
  uint64_t execfn, random, platform, base_platform;
};

/* program_value gives the program's value for an entry it owns, or returns 0
 * for an entry copied as is; -1 drops the entry. */
static int program_value(const struct launch_stack_in *in, const struct auxv_values *v, unsigned long type,
                         uint64_t *val) {
  switch (type) {
  case AT_PHDR: *val = in->phdr; return 1;
  case AT_PHENT: *val = sizeof(Elf64_Phdr); return 1;
  case AT_PHNUM: *val = in->phnum; return 1;
  case AT_BASE: *val = 0; return 1; /* no interpreter */
  case AT_ENTRY: *val = in->entry; return 1;
  case AT_EXECFN: *val = v->execfn; return 1;
  case AT_RANDOM: *val = v->random; return 1;
  case AT_PLATFORM: *val = v->platform; return 1;
  case AT_BASE_PLATFORM: *val = v->base_platform; return 1;
  /* binfmt_misc's own entries: the emulator behind us must see them; a
   * program run directly never has them. */
  case AT_FLAGS:
    if (!in->binfmt)
      *val = in->at_flags;
    return !in->binfmt;
  case AT_EXECFD: return in->binfmt ? 0 : -1;
  default: return 0;
  }
}

static size_t build_auxv(const struct launch_stack_in *in, const struct auxv_values *v) {
  static const unsigned long musts[] = {AT_PHDR, AT_PHENT, AT_PHNUM, AT_BASE, AT_ENTRY, AT_RANDOM, AT_EXECFN};
  unsigned seen = 0;
  size_t n = 0;
  for (size_t i = 0; i < in->nauxv && n < LAUNCH_AUXV_MAX - 8; i++) {
    uint64_t val = in->auxv[i].a_un.a_val;
    unsigned long type = in->auxv[i].a_type;
    if (program_value(in, v, type, &val) < 0)
      continue;
    for (unsigned m = 0; m < sizeof musts / sizeof musts[0]; m++)
      seen |= musts[m] == type ? 1u << m : 0;
    auxv_out[n].a_type = type;
    auxv_out[n++].a_un.a_val = val;
  }
  for (unsigned m = 0; m < sizeof musts / sizeof musts[0]; m++) {
    if (seen & (1u << m))
      continue;
    uint64_t val = 0;
    program_value(in, v, musts[m], &val);
    auxv_out[n].a_type = musts[m];
    auxv_out[n++].a_un.a_val = val;
  }
  auxv_out[n].a_type = AT_NULL;
  auxv_out[n++].a_un.a_val = 0;
  return n;
}

int launch_stack_build(char *top, const struct launch_stack_in *in, struct launch_stack_out *out, vaoci_error_t *err) {
  char *p = top;
  static const uint64_t null_word = 0;
  struct auxv_values v;
  put_down(&p, &null_word, 8);
  v.execfn = (uint64_t)(uintptr_t)put_down(&p, in->execfn, launch_strlen(in->execfn) + 1);
  put_strings(&p, in->envp, &in->env);
  char *env_strings = p;
  put_strings(&p, in->argv, &in->args);
  char *arg_strings = p;
  p = (char *)(((uintptr_t)p - in->sp_offset) & ~(uintptr_t)15);
  v.platform = (uint64_t)(uintptr_t)put_auxv_string(&p, in, AT_PLATFORM);
  v.base_platform = (uint64_t)(uintptr_t)put_auxv_string(&p, in, AT_BASE_PLATFORM);
  v.random = (uint64_t)(uintptr_t)put_down(&p, in->random, 16);
  size_t naux = build_auxv(in, &v);
  uint64_t words = 1 + in->args.count + 1 + in->env.count + 1 + 2 * naux;
  uint64_t *sp = (uint64_t *)(((uintptr_t)p - words * 8) & ~(uintptr_t)15);
  if ((char *)sp < top - launch_stack_need(in))
    return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "stack: the tables outgrew their room");
  uint64_t *w = sp;
  *w++ = in->args.count;
  w = put_pointers(w, in->argv, &in->args, arg_strings);
  w = put_pointers(w, in->envp, &in->env, env_strings);
  Elf64_auxv_t *aux = (Elf64_auxv_t *)w;
  for (size_t i = 0; i < naux; i++)
    aux[i] = auxv_out[i];
  out->auxv = aux;
  out->auxv_bytes = naux * sizeof(Elf64_auxv_t);
  out->sp = (uint64_t)(uintptr_t)sp;
  out->arg_start = (uint64_t)(uintptr_t)arg_strings;
  out->arg_end = out->arg_start + in->args.len;
  out->env_start = (uint64_t)(uintptr_t)env_strings;
  out->env_end = out->env_start + in->env.len;
  return 0;
}

/* launch_stack_map maps the stack: min(RLIMIT_STACK, 256 MiB), at least what
 * the tables need plus 128 KiB, with a PROT_NONE guard of 1 MiB below it (the
 * kernel's stack guard gap). It does not grow: it is all there, and
 * MAP_NORESERVE keeps the untouched part free. Mapped after the reservation,
 * ending at top_hint when that is free (else where the kernel puts it): inside
 * the window either way. */
int launch_stack_map(const struct launch_stack_in *in, int exec_stack, uint64_t page, uint64_t top_hint, char **top,
                     vaoci_error_t *err) {
  uint64_t need = launch_stack_need(in), room = vaoci_probe_rlimit(3 /* RLIMIT_STACK */);
  if (room > VAOCI_STACK_KEEP_MAX)
    room = VAOCI_STACK_KEEP_MAX;
  if (room < need + MIN_STACK)
    room = need + MIN_STACK;
  room = launch_page_up(room, page);
  uint64_t guard = VAOCI_STACK_GUARD_GAP(page), hint = top_hint > guard + room ? top_hint - guard - room : 0;
  int flags = LAUNCH_MAP_PRIVATE | LAUNCH_MAP_ANONYMOUS | LAUNCH_MAP_NORESERVE | LAUNCH_MAP_STACK;
  long r = vaoci_sys_mmap(hint, guard + room, 0, flags, -1, 0);
  if (vaoci_sys_failed(r))
    return vaoci_make_error(err, VAOCI_E_NOMEM, (int)-r, "map a 0x%lx-byte stack", (unsigned long)room);
  int prot = LAUNCH_PROT_READ | LAUNCH_PROT_WRITE | (exec_stack ? LAUNCH_PROT_EXEC : 0);
  long m = launch_sys_mprotect((uint64_t)r + guard, room, prot);
  if (vaoci_sys_failed(m)) {
    vaoci_sys_munmap((uint64_t)r, guard + room);
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-m, "make the stack writable");
  }
  *top = (char *)(uintptr_t)((uint64_t)r + guard + room);
  return 0;
}
