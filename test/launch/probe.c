/* The program test/launch/run.sh runs directly and under vaoci-launch, built
 * static with glibc, static-pie with glibc, and static with musl.
 *   probe facts ARGS...  print what a program can see of how it was started
 *                        (argv, env, auxv, /proc/self views, and whether
 *                        signals, threads, TLS, malloc, brk and a deep stack
 *                        work); the two runs must print the same
 *   probe maps WINDOW    every mapping the program owns, and every one made by
 *                        allocating (malloc, mmap, high hints, mremap, a thread,
 *                        brk), must lie inside WINDOW; exit 1 and name one if not
 *   probe exit N | segv | abort | hold
 * As emu* (argv[0]'s name) it stands in for an emulator behind binfmt_misc:
 * it prints the argv, AT_FLAGS, AT_EXECFD and AT_EXECFN it got, and with
 * PROBE_WINDOW set checks its mappings like `maps`. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AT_MINSIGSTKSZ
#define AT_MINSIGSTKSZ 51
#endif

extern const Elf64_Ehdr __ehdr_start;
extern char _start[];
static char **initial_envp;
static int data_var = 42;
static char bss_var[64];
static __thread int tls_var = 7;

/* ---- /proc helpers --------------------------------------------------- */

static size_t slurp(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY);
  size_t len = 0;
  ssize_t n;
  while (fd >= 0 && len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) > 0)
    len += (size_t)n;
  if (fd >= 0)
    close(fd);
  buf[len] = '\0';
  return len;
}

struct vma {
  uint64_t start, end;
  char perms[5], name[128];
};

#define MAX_VMAS 4096
static struct vma before[MAX_VMAS], now[MAX_VMAS];
static size_t nbefore, nnow;
static char maps_text[1 << 20];

static size_t read_maps(struct vma *out) {
  slurp("/proc/self/maps", maps_text, sizeof maps_text);
  size_t n = 0;
  for (char *line = strtok(maps_text, "\n"); line && n < MAX_VMAS; line = strtok(NULL, "\n"), n++) {
    out[n].name[0] = '\0';
    sscanf(line, "%lx-%lx %4s %*s %*s %*s %127s", &out[n].start, &out[n].end, out[n].perms, out[n].name);
  }
  return n;
}

static const struct vma *vma_of(const struct vma *v, size_t n, uint64_t addr) {
  for (size_t i = 0; i < n; i++)
    if (v[i].start <= addr && addr < v[i].end)
      return &v[i];
  return NULL;
}

/* ---- windows --------------------------------------------------------- */

static uint64_t win_lower, win_upper;

static int window_parse(const char *text) {
  if (strcmp(text, "i386") == 0)
    return win_lower = 0, win_upper = 1ull << 32, 0;
  if (strcmp(text, "x86_64") == 0)
    return win_lower = 0, win_upper = 1ull << 47, 0;
  return sscanf(text, "0x%lx-0x%lx", &win_lower, &win_upper) == 2 ? 0 : -1;
}

static int inside(uint64_t s, uint64_t e) {
  if (win_lower < win_upper)
    return s >= win_lower && e <= win_upper;
  return e <= win_upper || s >= win_lower; /* wrap-around: outside the hole */
}

/* ---- maps ------------------------------------------------------------ */

/* thread_local_addr records an address on the thread's stack (only compared
 * against the maps after the thread is gone: its stack stays cached). */
static void *thread_local_addr(void *arg) {
  volatile char local = 1;
  tls_var = 8;
  *(volatile uintptr_t *)arg = (uintptr_t)&local;
  return NULL;
}

/* allocate makes mappings the kernel places: malloc'd MiBs, plain and hinted
 * mmap (hints outside any small window), mremap that must move, a thread's
 * stack, brk growth. */
static void allocate(void **thread_stack) {
  char *big = malloc(8 << 20);
  memset(big, 1, 8 << 20);
  /* 0xffff00000000 is above 2^47: ignored by an x86-64 kernel, honoured by a 48-bit arm64 one */
  void *hints[] = {NULL, (void *)(1ull << 46), (void *)0x7fff00000000ull, (void *)(1ull << 40),
                   (void *)0xffff00000000ull};
  for (int i = 0; i < 5; i++)
    mmap(hints[i], 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  void *r = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  mmap((char *)r + (1 << 20), 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  mremap(r, 1 << 20, 64 << 20, MREMAP_MAYMOVE);
  pthread_t t;
  pthread_create(&t, NULL, thread_local_addr, thread_stack);
  pthread_join(t, NULL);
  uint64_t cur = (uint64_t)syscall(SYS_brk, 0);
  syscall(SYS_brk, cur + (1 << 20));
}

/* check_maps: the program's own mappings, then everything new, inside. */
static int check_maps(const char *window, char **argv) {
  if (window_parse(window) < 0)
    return fprintf(stderr, "probe: bad window %s\n", window), 2;
  nbefore = read_maps(before);
  volatile char local = 0;
  void *thread_stack = NULL;
  char *small = malloc(16);
  uint64_t own[] = {(uint64_t)&check_maps,     (uint64_t)&data_var, (uint64_t)bss_var,
                    (uint64_t)&tls_var,        (uint64_t)&local,    (uint64_t)argv[0],
                    (uint64_t)initial_envp[0], getauxval(AT_PHDR),  getauxval(AT_RANDOM),
                    getauxval(AT_EXECFN),      (uint64_t)small};
  const char *own_names[] = {"text", "data", "bss", "tls", "stack", "argv", "envp", "phdr", "random", "execfn", "heap"};
  allocate(&thread_stack);
  nnow = read_maps(now);
  for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
    const struct vma *v = vma_of(now, nnow, own[i]);
    if (!v || !inside(v->start, v->end))
      return printf("maps: OUTSIDE %s: its %s at 0x%lx (%s)\n", window, own_names[i], (unsigned long)own[i],
                    v ? v->name : "unmapped"),
             1;
  }
  const struct vma *ts = vma_of(now, nnow, (uint64_t)thread_stack); /* musl unmaps it at the join, glibc keeps it */
  if (!inside((uint64_t)thread_stack, (uint64_t)thread_stack + 1) || (ts && !inside(ts->start, ts->end)))
    return printf("maps: OUTSIDE %s: the thread's stack at %p\n", window, thread_stack), 1;
  size_t fresh = 0;
  for (size_t i = 0; i < nnow; i++) {
    int old = 0;
    for (size_t j = 0; j < nbefore && !old; j++)
      old = before[j].start == now[i].start && before[j].end == now[i].end && !strcmp(before[j].perms, now[i].perms);
    if (old)
      continue;
    fresh++;
    if (!inside(now[i].start, now[i].end))
      return printf("maps: OUTSIDE %s: new mapping %lx-%lx %s %s\n", window, (unsigned long)now[i].start,
                    (unsigned long)now[i].end, now[i].perms, now[i].name),
             1;
  }
  printf("maps: %zu own addresses and %zu new mappings inside %s\n", sizeof own / sizeof own[0], fresh, window);
  return fresh > 0 ? 0 : 1;
}

/* ---- facts ----------------------------------------------------------- */

static Elf64_auxv_t *stack_auxv(void) {
  char **e = initial_envp;
  while (*e)
    e++;
  return (Elf64_auxv_t *)(e + 1);
}

static uint64_t raw_aux(unsigned long type) {
  for (Elf64_auxv_t *a = stack_auxv(); a->a_type != AT_NULL; a++)
    if (a->a_type == type)
      return a->a_un.a_val;
  return 0;
}

static void print_proc_lists(void) {
  static char buf[1 << 16];
  size_t n = slurp("/proc/self/cmdline", buf, sizeof buf);
  for (size_t i = 0; i < n; i++)
    buf[i] = buf[i] ? buf[i] : '|';
  printf("cmdline=%s\n", buf);
  slurp("/proc/self/comm", buf, sizeof buf);
  printf("comm=%s", buf);
  n = slurp("/proc/self/environ", buf, sizeof buf);
  size_t pos = 0;
  int same = 1;
  for (char **e = initial_envp; *e && same; e++) {
    same = pos + strlen(*e) < n && strcmp(buf + pos, *e) == 0;
    pos += strlen(*e) + 1;
  }
  printf("proc-environ=%s\n", same && pos == n ? "matches" : "differs");
  n = slurp("/proc/self/auxv", buf, sizeof buf);
  Elf64_auxv_t *a = stack_auxv();
  size_t k = 0;
  while (a[k].a_type != AT_NULL)
    k++;
  printf("proc-auxv=%s\n", n == (k + 1) * sizeof *a && memcmp(buf, a, n) == 0 ? "matches the stack" : "differs");
}

static void print_auxv(void) {
  static const struct {
    const char *name;
    unsigned long type;
  } keys[] = {{"AT_PAGESZ", AT_PAGESZ}, {"AT_HWCAP", AT_HWCAP},    {"AT_HWCAP2", AT_HWCAP2},
              {"AT_CLKTCK", AT_CLKTCK}, {"AT_SECURE", AT_SECURE},  {"AT_UID", AT_UID},
              {"AT_EUID", AT_EUID},     {"AT_GID", AT_GID},        {"AT_EGID", AT_EGID},
              {"AT_FLAGS", AT_FLAGS},   {"AT_BASE", AT_BASE},      {"AT_MINSIGSTKSZ", AT_MINSIGSTKSZ},
              {"AT_PHENT", AT_PHENT},   {"getauxval(AT_HWCAP)", 0}};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    printf("auxv %s=0x%lx\n", keys[i].name, keys[i].type ? (unsigned long)raw_aux(keys[i].type) : getauxval(AT_HWCAP));
  printf("auxv AT_EXECFN=%s\n", (const char *)raw_aux(AT_EXECFN));
  printf("auxv AT_PLATFORM=%s\n", raw_aux(AT_PLATFORM) ? (const char *)raw_aux(AT_PLATFORM) : "(none)");
  const unsigned char *rnd = (const unsigned char *)raw_aux(AT_RANDOM);
  int nonzero = 0;
  for (int i = 0; rnd && i < 16; i++)
    nonzero |= rnd[i];
  printf("auxv AT_RANDOM=%s\n", nonzero ? "16 readable bytes" : "missing or zero");
  const char *vdso = (const char *)raw_aux(AT_SYSINFO_EHDR);
  printf("auxv AT_SYSINFO_EHDR=%s\n", vdso && memcmp(vdso, ELFMAG, SELFMAG) == 0 ? "an ELF image" : "missing");
  const Elf64_Phdr *self_phdr = (const Elf64_Phdr *)((const char *)&__ehdr_start + __ehdr_start.e_phoff);
  printf("auxv AT_PHDR=%s\n", raw_aux(AT_PHDR) == (uint64_t)self_phdr ? "this program's headers" : "elsewhere");
  printf("auxv AT_PHNUM=%s\n", raw_aux(AT_PHNUM) == __ehdr_start.e_phnum ? "this program's count" : "wrong");
  printf("auxv AT_ENTRY=%s\n", raw_aux(AT_ENTRY) == (uint64_t)_start ? "_start" : "elsewhere");
  printf("auxv AT_EXECFD=%s\n", raw_aux(AT_EXECFD) ? "present" : "absent");
}

static volatile sig_atomic_t handled, on_altstack;
static char altstack[1 << 16];

static void on_signal(int sig, siginfo_t *si, void *uc) {
  volatile char here;
  (void)uc;
  handled += si->si_signo == sig;
  on_altstack = (char *)&here >= altstack && (char *)&here < altstack + sizeof altstack;
}

static int recurse(int depth) {
  volatile char frame[4000];
  frame[0] = (char)depth;
  frame[3999] = frame[0];
  return depth ? recurse(depth - 1) + frame[3999] - frame[0] : 0;
}

static void print_behaviour(void) {
  struct sigaction sa = {0};
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  stack_t ss = {altstack, 0, sizeof altstack};
  sigaltstack(&ss, NULL);
  sa.sa_flags |= SA_ONSTACK;
  sigaction(SIGUSR2, &sa, NULL);
  kill(getpid(), SIGUSR2);
  printf("signals=%d handled, altstack %s\n", (int)handled, on_altstack ? "used" : "not used");
  void *ts = NULL;
  pthread_t t;
  int r = pthread_create(&t, NULL, thread_local_addr, &ts);
  pthread_join(t, NULL);
  printf("thread=%s, tls here %d\n", r == 0 && ts ? "ran" : "failed", tls_var);
  char *m = malloc(8 << 20);
  memset(m, 0x5a, 8 << 20);
  printf("malloc=%s\n", m && m[(8 << 20) - 1] == 0x5a ? "8 MiB" : "failed");
#ifdef __GLIBC__
  void *old = sbrk(0), *grown = sbrk(1 << 20);
  int brk_ok = grown == old && grown != (void *)-1 && sbrk(0) == (char *)old + (1 << 20);
#else /* musl's sbrk only reports the break: grow it with the system call */
  uint64_t cur = (uint64_t)syscall(SYS_brk, 0);
  int brk_ok = (uint64_t)syscall(SYS_brk, cur + (1 << 20)) == cur + (1 << 20);
  void *old = (void *)cur;
#endif
  if (brk_ok)
    memset(old, 1, 1 << 20);
  printf("brk=%s\n", brk_ok ? "grew 1 MiB" : "failed");
  printf("deep-stack=%s\n", recurse(1500) == 0 ? "6 MB used" : "wrong");
  static struct vma maps[MAX_VMAS];
  size_t n = read_maps(maps);
  const struct vma *v = vma_of(maps, n, (uint64_t)&r);
  printf("stack-mapping=%s\n", v ? v->name : "none");
}

static int facts(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++)
    printf("argv[%d]=%s\n", i, argv[i]);
  for (char **e = initial_envp; *e; e++)
    printf("env=%s\n", *e);
  print_auxv();
  print_proc_lists();
  print_behaviour();
  return 0;
}

/* emu stands in for an emulator registered with binfmt_misc. */
static int emu(int argc, char **argv) {
  printf("argc=%d\n", argc);
  for (int i = 0; i < argc; i++)
    printf("argv[%d]=%s\n", i, argv[i]);
  printf("AT_FLAGS=0x%lx\n", (unsigned long)raw_aux(AT_FLAGS));
  int fd = (int)raw_aux(AT_EXECFD);
  char magic[16] = "";
  if (fd > 0 && pread(fd, magic, 8, 0) != 8)
    strcpy(magic, "unreadable");
  printf("AT_EXECFD=%s %s\n", fd > 0 ? "present" : "absent", magic);
  printf("AT_EXECFN=%s\n", (const char *)raw_aux(AT_EXECFN));
  printf("AT_SECURE=%lu\n", (unsigned long)raw_aux(AT_SECURE));
  print_proc_lists();
  fflush(stdout);
  const char *w = getenv("PROBE_WINDOW");
  return w ? check_maps(w, argv) : 0;
}

int main(int argc, char **argv, char **envp) {
  initial_envp = envp;
  setvbuf(stdout, NULL, _IOLBF, 0);
  const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
  if (strncmp(name, "emu", 3) == 0)
    return emu(argc, argv);
  const char *mode = argc > 1 ? argv[1] : "";
  if (strcmp(mode, "facts") == 0)
    return facts(argc, argv);
  if (strcmp(mode, "maps") == 0 && argc > 2)
    return check_maps(argv[2], argv);
  if (strcmp(mode, "exit") == 0 && argc > 2)
    return atoi(argv[2]);
  if (strcmp(mode, "segv") == 0) { /* a real fault, not raise(): the kernel's delivery */
    volatile uintptr_t bad = 8;
    *(volatile int *)bad = 1;
  }
  if (strcmp(mode, "abort") == 0)
    abort();
  if (strcmp(mode, "hold") == 0) {
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    for (;;)
      pause();
  }
  fprintf(stderr, "usage: probe facts ARGS | maps WINDOW | exit N | segv | abort | hold\n");
  return 2;
}
