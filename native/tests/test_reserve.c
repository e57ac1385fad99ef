/* Reserving for real in this (static) process, one forked child per case. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "child.h"
#include "vaoci/reserve.h"
#include "vaoci/verify.h"

static struct vaoci_reservation res;
static struct vaoci_verify_report report;
static struct vaoci_span_set first;
static const char *window_text = "i386";
static int same_set_algos = 5; /* how many of case_same_set's algorithms to compare */

static int reserve(const char *text, enum vaoci_algo algo, vaoci_error_t *err) {
  struct vaoci_window w;
  if (vaoci_window_parse(text, &w, err) < 0)
    return -1;
  return vaoci_reserve(&w, algo, &res, err);
}

/* samples_inside maps n regions with and without hints outside the window
 * and checks every address is inside it. */
static int samples_inside(int n) {
  for (int i = 0; i < n; i++) {
    size_t len = (size_t)4096 << (i % 6);
    void *hint = NULL;
    if (i % 2 && res.regions.count) {
      const struct vaoci_span *s = &res.regions.items[(size_t)i % res.regions.count];
      hint = (void *)(s->start + ((s->end - s->start) / 2 & ~4095ull));
    }
    void *p = mmap(hint, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      FAILS("sample %d: mmap failed", i);
    if (!vaoci_window_contains(&res.window, (uint64_t)p, (uint64_t)p + len))
      FAILS("sample %d: %p (hint %p) outside the window", i, p, hint);
  }
  return 0;
}

static int holds_after(const char *text, enum vaoci_algo algo) {
  vaoci_error_t err;
  if (reserve(text, algo, &err) < 0)
    FAILS("reserve %s with %s: %s", text, vaoci_algo_name(algo), err.msg);
  if (res.stats.bytes == 0 && strcmp(text, "x86_64") != 0)
    FAILS("reserve %s: nothing reserved", text);
  if (samples_inside(300))
    return 1;
  if (vaoci_verify_pid(0, &res.window, &report, &err) < 0 || !report.holds)
    FAILS("verify %s: %s (free %lu bytes)", text, err.msg, (unsigned long)report.free_bytes);
  return 0;
}

static int case_i386(void) { return holds_after("i386", VAOCI_ALGO_DEFAULT); }
static int case_40bit(void) { return holds_after("0x10000-0x10000000000", VAOCI_ALGO_DEFAULT); }
static int case_wrap(void) { return holds_after("0x200000000000-0x10000000000", VAOCI_ALGO_DEFAULT); }
static int case_i386_query(void) { return holds_after("i386", VAOCI_ALGO_QUERY); }
static int case_i386_gaps(void) { return holds_after("i386", VAOCI_ALGO_GAPS); }
static int case_i386_halving(void) { return holds_after("i386", VAOCI_ALGO_HALVING); }
static int case_i386_ladder(void) { return holds_after("i386", VAOCI_ALGO_LADDER); }

/* case_same_set reserves with each algorithm in turn, releasing in between,
 * and compares the reserved sets span by span. */
static int case_same_set(void) {
  static const enum vaoci_algo algos[] = {VAOCI_ALGO_KNOWN, VAOCI_ALGO_QUERY, VAOCI_ALGO_GAPS, VAOCI_ALGO_HALVING,
                                          VAOCI_ALGO_LADDER};
  vaoci_error_t err;
  for (int a = 0; a < same_set_algos; a++) {
    if (reserve(window_text, algos[a], &err) < 0)
      FAILS("%s: %s", vaoci_algo_name(algos[a]), err.msg);
    if (a == 0)
      first = res.regions;
    else if (first.count != res.regions.count ||
             memcmp(first.items, res.regions.items, first.count * sizeof first.items[0]) != 0)
      FAILS("%s reserved %zu regions (%lu bytes), known %zu (%lu bytes)", vaoci_algo_name(algos[a]), res.regions.count,
            (unsigned long)vaoci_span_set_bytes(&res.regions), first.count,
            (unsigned long)vaoci_span_set_bytes(&first));
    if (vaoci_release(&res, &err) < 0)
      FAILS("release: %s", err.msg);
  }
  return first.count == 0 && strcmp(window_text, "x86_64") != 0;
}
/* On a 47-bit kernel the x86_64 window leaves nothing to reserve: every
 * algorithm must agree on the empty set (and on arm64, on [2^47, 2^48)). */
static int case_same_set_x86_64(void) {
  window_text = "x86_64";
  return case_same_set();
}
/* case_same_set_crowded: 600 mappings outside the window with a free page
 * after every second one, so `known` queries past its budget and the maps
 * text finishes the walk (VAOCI_QUERY_BUDGET): still the same set. */
static int case_same_set_crowded(void) {
  const uint64_t base = 5ull << 32, page = (uint64_t)sysconf(_SC_PAGESIZE);
  for (uint64_t i = 0; i < 600; i++) {
    uint64_t at = base + (i + i / 2) * page; /* pages 0,1 mapped, 2 free, 3,4 mapped, 5 free... */
    if (mmap((void *)at, page, i % 2 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1,
             0) == MAP_FAILED)
      FAILS("could not map page %lu", (unsigned long)i);
  }
  window_text = "i386";
  int r = case_same_set();
  if (r == 0 && first.count < 300)
    FAILS("only %zu regions: the free pages between the mappings were not each reserved", first.count);
  return r;
}
static uint64_t vvar_bottom(void);

/* crowd makes n one-page mappings side by side right below the kernel's
 * vvar pages (where a top-down kernel puts new memory too), protections
 * alternating so none merge: a run longer than known's edge search. */
static int crowd(long n) {
  long page = sysconf(_SC_PAGESIZE);
  uint64_t top = vvar_bottom();
  char *base = top ? mmap((void *)(top - (uint64_t)(n * page)), (size_t)(n * page), PROT_NONE,
                          MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0)
                   : MAP_FAILED;
  if (base == MAP_FAILED) /* taken (the sanitizers' own mappings): where the kernel puts it */
    base = mmap(NULL, (size_t)(n * page), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  for (long i = 1; base != MAP_FAILED && i < n; i += 2)
    if (mprotect(base + i * page, (size_t)page, PROT_READ) < 0)
      return -1;
  return base == MAP_FAILED ? -1 : 0;
}

/* case_same_set_crowd_top: 2000 mappings in one run below the vDSO, the
 * kernel's top-down search fills around them (top_down.c): the same set. */
static int case_same_set_crowd_top(void) {
  if (crowd(2000) < 0)
    FAILS("could not make 2000 mappings");
  window_text = "i386";
  return case_same_set();
}

/* case_legacy_layout: with the compat layout (setarch -L; arm64 also with
 * an unlimited stack) the kernel lays out bottom-up from exec on, where the
 * top-down search would fail or leave holes: known must see it and read the
 * maps instead. Re-executes this test in that layout. */
static int case_legacy_layout(void) {
  int persona = personality(0xffffffff);
  if (persona < 0 || personality((unsigned long)persona | ADDR_COMPAT_LAYOUT) < 0)
    FAILS("personality: %s", strerror(errno));
  char *argv[] = {"test_reserve", "--crowd-top", NULL};
  execv("/proc/self/exe", argv);
  FAILS("exec: %s", strerror(errno));
}

static int case_same_set_wrap(void) {
  window_text = "0x200000000000-0x10000000000";
  return case_same_set();
}

/* vvar_bottom is the lowest address of the [vvar*] run right below the vDSO, or 0. */
static uint64_t vvar_bottom(void) {
  uint64_t vdso = getauxval(AT_SYSINFO_EHDR), bottom = vdso, lo, hi;
  char line[512];
  FILE *f = fopen("/proc/self/maps", "r");
  for (int moved = 1; f && moved;) { /* walk down the run of mappings that touch each other */
    moved = 0;
    rewind(f);
    while (fgets(line, sizeof line, f))
      if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && hi == bottom && strstr(line, "[vvar"))
        bottom = lo, moved = 1;
  }
  if (f)
    fclose(f);
  return bottom == vdso ? 0 : bottom;
}

/* case_vvar_neighbour: a page mapped right below the kernel's vvar pages makes
 * the run below the vDSO longer than any guess of known's (below_vdso): its
 * NOREPLACE meets EEXIST and the edge search must take over. Then the set
 * must still be exactly what every algorithm reserves. */
static int case_vvar_neighbour(void) {
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE), bottom = vvar_bottom();
  if (!bottom)
    FAILS("no [vvar] right below the vDSO in /proc/self/maps");
  if (mmap((void *)(bottom - page), page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) ==
      MAP_FAILED)
    return 0; /* something is there already: the run is longer than the guess anyway */
  window_text = "i386";
  return case_same_set();
}

/* case_floor_same_set: the bench's floor remaps exactly what the default
 * reserved, and counts one system call per piece it mapped. */
static int case_floor_same_set(void) {
  struct vaoci_window w;
  vaoci_error_t err;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("known: %s", err.msg);
  first = res.regions;
  if (vaoci_release(&res, &err) < 0 || vaoci_window_parse("i386", &w, &err) < 0 ||
      vaoci_reserve_floor(&w, &res, &err) < 0)
    FAILS("floor: %s", err.msg);
  if (first.count != res.regions.count ||
      memcmp(first.items, res.regions.items, first.count * sizeof first.items[0]) != 0)
    FAILS("floor mapped %zu regions, known %zu", res.regions.count, first.count);
  if (res.stats.syscalls < first.count || res.stats.syscalls > 3 * first.count)
    FAILS("floor made %lu system calls for %zu regions", (unsigned long)res.stats.syscalls, first.count);
  return first.count == 0;
}

/* recurse uses about 4 KiB of stack per level. */
static int recurse(int depth) {
  volatile char frame[4000];
  frame[0] = (char)depth;
  frame[3999] = frame[0];
  return depth ? recurse(depth - 1) + frame[3999] - frame[0] : 0;
}

static int case_stack_grows(void) {
  vaoci_error_t err;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("reserve: %s", err.msg);
  return recurse(1900); /* ~7.6 MB: needs the 8 MiB RLIMIT_STACK zone free */
}

/* case_stack_blocked is the control: fill the keep zone by hand and the same
 * recursion must die, showing case_stack_grows tests something real. */
static int case_stack_blocked(void) {
  vaoci_error_t err;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("reserve: %s", err.msg);
  /* MAP_FIXED: where the reservation grew the stack over the zone (arm64),
   * the zone is the stack's own unused part, replaced here. */
  uint64_t low = res.stack_keep.start, stop = res.stack_keep.end - (2ull << 20);
  if (mmap((void *)low, stop - low, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
    FAILS("could not block the stack zone");
  return recurse(1900);
}

/* stack_start reads where [stack] begins now. */
static uint64_t stack_start(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long long lo = 0, hi;
  while (f && fgets(line, sizeof line, f))
    if (strstr(line, "[stack]") && sscanf(line, "%llx-%llx", &lo, &hi) == 2)
      break;
  if (f)
    fclose(f);
  return lo;
}

/* case_stack_claimed: on arm64 the zone kept for the stack is the stack's own
 * after reserving ([stack] reaches down to the zone's guard gap), so no hint
 * can be handed it; elsewhere (no hint-gated upper space) it stays free. */
static int case_stack_claimed(void) {
  vaoci_error_t err;
  uint64_t before = stack_start();
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("reserve: %s", err.msg);
  uint64_t after = stack_start(), want = res.stack_keep.start + VAOCI_STACK_GUARD_GAP(res.page_size);
#if defined(__aarch64__)
  if (after != want)
    FAILS("[stack] starts at 0x%llx after reserving (0x%llx before), expected 0x%llx", (unsigned long long)after,
          (unsigned long long)before, (unsigned long long)want);
#else
  if (res.map_window == 0 && after != before)
    FAILS("[stack] moved from 0x%llx to 0x%llx without a hint-gated upper space", (unsigned long long)before,
          (unsigned long long)after);
#endif
  if (after == want) { /* a hint into the zone (where it is claimed) goes to the window */
    void *p =
        mmap((void *)(uintptr_t)(want + (1u << 20)), 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      FAILS("mmap with a hint in the stack zone failed");
    if (!vaoci_window_contains(&res.window, (uint64_t)(uintptr_t)p, (uint64_t)(uintptr_t)p + 65536))
      FAILS("a hint in the claimed stack zone got 0x%llx, outside the window", (unsigned long long)(uintptr_t)p);
    munmap(p, 65536);
  }
  return recurse(1900);
}

static int case_rlimit_as(void) {
  struct rlimit lim = {64ull << 30, 64ull << 30};
  setrlimit(RLIMIT_AS, &lim);
  vaoci_error_t err = {0};
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) == 0)
    FAILS("reservation under a 64 GiB RLIMIT_AS succeeded");
  if (err.status != VAOCI_E_RLIMIT_AS || !strstr(err.msg, "RLIMIT_AS"))
    FAILS("wrong error: status %d, %s", err.status, err.msg);
  struct vaoci_window w = res.window;
  if (res.regions.count != 0 || vaoci_verify_pid(0, &w, &report, &err) < 0 || report.reserved_bytes != 0)
    FAILS("a failed reservation left %lu bytes reserved", (unsigned long)report.reserved_bytes);
  return 0;
}

static int case_rlimit_as_halving(void) {
  struct rlimit lim = {64ull << 30, 64ull << 30};
  setrlimit(RLIMIT_AS, &lim);
  vaoci_error_t err = {0};
  if (reserve("i386", VAOCI_ALGO_HALVING, &err) == 0)
    FAILS("halving under a 64 GiB RLIMIT_AS reported success");
  return err.status == VAOCI_E_RLIMIT_AS ? 0 : 1;
}

/* case_map_count fills vm.max_map_count, then asks for a reservation (its
 * maps text is then ~3 MB: the gaps algorithm must stream it). */
static enum vaoci_algo map_count_algo = VAOCI_ALGO_DEFAULT;
static int case_map_count(void) {
  long made = 0;
  void *last = NULL;
  for (;; made++) {
    void *p = mmap(NULL, 4096, made % 2 ? PROT_READ : PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
      break;
    last = p;
  }
  munmap(last, 4096);
  vaoci_error_t err = {0};
  if (reserve("i386", map_count_algo, &err) == 0)
    FAILS("reservation with a full map count succeeded after %ld mappings", made);
  if (err.status != VAOCI_E_MAP_COUNT || !strstr(err.msg, "max_map_count"))
    FAILS("wrong error: status %d, %s", err.status, err.msg);
  return 0;
}

static int case_map_count_gaps(void) {
  map_count_algo = VAOCI_ALGO_GAPS;
  return case_map_count();
}

/* refuse_low_maps makes this process a kernel's with vm.mmap_min_addr = min
 * for a task without CAP_SYS_RAWIO: the sysctl reads min (a file bound over
 * it in a mount namespace of its own) and mmap at a nonzero address below
 * min fails with EPERM, as cap_mmap_addr() answers (a seccomp filter: the
 * real check cannot be raised here without changing the machine's sysctl). */
static int refuse_low_maps(unsigned min) {
#if defined(__x86_64__)
  enum { ARCH = AUDIT_ARCH_X86_64 };
#elif defined(__aarch64__)
  enum { ARCH = AUDIT_ARCH_AARCH64 };
#endif
  char file[] = "/tmp/vaoci-min-addr-XXXXXX", text[32];
  int fd = mkstemp(file), n = snprintf(text, sizeof text, "%u\n", min);
  if (fd < 0 || write(fd, text, (size_t)n) != n)
    FAILS("write %s", file);
  close(fd);
  if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
      mount(file, "/proc/sys/vm/mmap_min_addr", NULL, MS_BIND, NULL) < 0)
    FAILS("bind a mmap_min_addr of %u: %s (needs root)", min, strerror(errno));
  unlink(file);
  struct sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 7),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 0, 5),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]) + 4), /* high half (little-endian) */
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0])),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0), /* no address asked: the kernel places it */
      BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, min, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
  };
  struct sock_fprog prog = {sizeof code / sizeof code[0], code};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
    FAILS("seccomp: %s", strerror(errno));
  if (mmap((void *)4096, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0) != MAP_FAILED ||
      errno != EPERM)
    FAILS("control: a map at 0x1000 was not refused");
  return 0;
}

/* case_floor_refused: a window reaching below 16 MiB where the page size is
 * below vm.mmap_min_addr. The algorithms that take the page size as the floor
 * unproven meet EPERM at their first map and move up; every one reserves all
 * from the real floor to the window and nothing below it, and verify holds. */
static int case_floor_refused(void) {
  static const enum vaoci_algo algos[] = {VAOCI_ALGO_KNOWN, VAOCI_ALGO_QUERY, VAOCI_ALGO_GAPS, VAOCI_ALGO_LADDER};
  enum { MIN = 0x10000 };
  if (refuse_low_maps(MIN))
    return 1;
  for (size_t a = 0; a < sizeof algos / sizeof algos[0]; a++) {
    vaoci_error_t err;
    if (reserve("0x100000-0x10000000000", algos[a], &err) < 0)
      FAILS("%s: %s", vaoci_algo_name(algos[a]), err.msg);
    if (res.floor != MIN || res.floor_unproven)
      FAILS("%s: floor 0x%lx (unproven %d), want 0x%x", vaoci_algo_name(algos[a]), (unsigned long)res.floor,
            res.floor_unproven, MIN);
    if (!vaoci_span_set_covers(&res.regions, MIN, 0x100000) || res.regions.items[0].start != MIN)
      FAILS("%s: [0x%x, 0x100000) not reserved from the floor (first region 0x%lx)", vaoci_algo_name(algos[a]), MIN,
            (unsigned long)res.regions.items[0].start);
    if (vaoci_verify_pid(0, &res.window, &report, &err) < 0 || !report.holds)
      FAILS("%s: verify: %s (free %lu bytes)", vaoci_algo_name(algos[a]), err.msg, (unsigned long)report.free_bytes);
    if (vaoci_release(&res, &err) < 0)
      FAILS("release: %s", err.msg);
  }
  return 0;
}

/* case_floor_page: where the page size maps, the floor is proven by the
 * first reservation itself: the same regions as the probing algorithms,
 * from the page size up. */
static int case_floor_page(void) {
  vaoci_error_t err;
  uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
  if (reserve("0x100000-0x10000000000", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("reserve: %s", err.msg);
  if (res.floor != page || res.floor_unproven || res.regions.items[0].start != page)
    FAILS("floor 0x%lx (unproven %d), first region 0x%lx, want the page size", (unsigned long)res.floor,
          res.floor_unproven, (unsigned long)res.regions.items[0].start);
  return 0;
}

/* case_untimed: a caller that never reads the time (the preload, the
 * launcher without VAOCI_DEBUG) gets none, and the same reservation. */
static int case_untimed(void) {
  vaoci_error_t err;
  res.untimed = 1;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("reserve: %s", err.msg);
  size_t regions = res.regions.count;
  if (res.stats.nanoseconds != 0 || regions == 0)
    FAILS("untimed: %lu ns, %zu regions", (unsigned long)res.stats.nanoseconds, regions);
  if (vaoci_release(&res, &err) < 0)
    FAILS("release: %s", err.msg);
  res.untimed = 0;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0 || res.stats.nanoseconds == 0 || res.regions.count != regions)
    FAILS("timed: %lu ns, %zu regions (%zu untimed)", (unsigned long)res.stats.nanoseconds, res.regions.count, regions);
  return 0;
}

static int case_live_untouched(void) {
  uint64_t where = 1ull << 40;
  char *p = mmap((void *)where, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED)
    FAILS("could not map the live page");
  memset(p, 0x5a, 8192);
  vaoci_error_t err;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0)
    FAILS("reserve: %s", err.msg);
  for (int i = 0; i < 8192; i++)
    if (p[i] != 0x5a)
      FAILS("byte %d changed", i);
  p[100] = 1; /* still writable: not replaced by PROT_NONE */
  if (vaoci_span_set_covers(&res.regions, where, where + 8192))
    FAILS("the live mapping is recorded as a reservation");
  return 0;
}

static int case_release(void) {
  vaoci_error_t err;
  if (reserve("i386", VAOCI_ALGO_DEFAULT, &err) < 0 || vaoci_release(&res, &err) < 0)
    FAILS("reserve/release: %s", err.msg);
  if (vaoci_verify_pid(0, &res.window, &report, &err) < 0 || report.reserved_bytes != 0 || report.free_bytes == 0)
    FAILS("after release %lu bytes stay reserved", (unsigned long)report.reserved_bytes);
  return 0;
}

static int case_x86_64_layout(void) { return holds_after("x86_64", VAOCI_ALGO_DEFAULT); }

int main(int argc, char **argv) {
  if (argc == 2 && strcmp(argv[1], "--crowd-top") == 0) { /* case_legacy_layout's exec */
    same_set_algos =
        3; /* known against the maps readers: halving lets the kernel place, and bottom-up it misses the low space */
    return case_same_set_crowd_top();
  }
  CHILD_CASE(case_i386, 0, "i386 window: samples inside, verify holds");
  CHILD_CASE(case_40bit, 0, "40-bit window: samples inside, verify holds");
  CHILD_CASE(case_wrap, 0, "wrap-around window: samples avoid the hole, verify holds");
  CHILD_CASE(case_x86_64_layout, 0, "x86_64 window: samples inside, verify holds");
  CHILD_CASE(case_i386_query, 0, "query algorithm holds");
  CHILD_CASE(case_i386_gaps, 0, "gaps algorithm holds");
  CHILD_CASE(case_i386_halving, 0, "halving algorithm holds");
  CHILD_CASE(case_i386_ladder, 0, "ladder algorithm holds");
  CHILD_CASE(case_same_set, 0, "all five algorithms reserve the same set (i386)");
  CHILD_CASE(case_same_set_x86_64, 0, "all five algorithms reserve the same set (x86_64)");
  CHILD_CASE(case_same_set_wrap, 0, "all five algorithms reserve the same set (wrap-around)");
  CHILD_CASE(case_same_set_crowded, 0, "all five algorithms reserve the same set among 600 mappings (query then text)");
  CHILD_CASE(case_same_set_crowd_top, 0, "2000 mappings in one run: the top-down search, the same set");
  CHILD_CASE(case_legacy_layout, 0, "the same, laid out bottom-up (compat layout): the maps, the same set");
  CHILD_CASE(case_vvar_neighbour, 0, "a page right below vvar: known falls back to the edge search, same set");
  CHILD_CASE(case_floor_same_set, 0, "the bench's floor remaps exactly the default's regions, a call per piece");
  CHILD_CASE(case_stack_grows, 0, "a 7.6 MB recursion still works after reserving");
  CHILD_CASE(case_stack_blocked, 128 + SIGSEGV, "control: the recursion dies when the keep zone is taken");
  CHILD_CASE(
      case_stack_claimed, 0,
      "the stack's zone: [stack] grown over it on arm64 (a hint there lands inside), else free; recursion works");
  CHILD_CASE(case_rlimit_as, 0, "RLIMIT_AS 64 GiB: loud failure, nothing left reserved");
  CHILD_CASE(case_rlimit_as_halving, 0, "RLIMIT_AS 64 GiB: halving fails loudly too");
  CHILD_CASE(case_map_count, 0, "vm.max_map_count full: loud failure naming it");
  CHILD_CASE(case_map_count_gaps, 0, "vm.max_map_count full, maps text streamed: loud failure naming it");
  CHILD_CASE(case_floor_page, 0, "the page size maps: the floor proven by the first reservation");
  CHILD_CASE(case_floor_refused, 0, "the page size below vm.mmap_min_addr: known, query, gaps, ladder move up to it");
  CHILD_CASE(case_untimed, 0, "untimed: no time read, the same regions");
  CHILD_CASE(case_live_untouched, 0, "a live mapping outside the window is untouched");
  CHILD_CASE(case_release, 0, "release gives everything back");
  return check_summary("test_reserve");
}
