/* Probing the address space: VA bits, page size, floor, stack, limits. */
#include <fcntl.h>
#include "sys.h"
#include "vaoci/maps.h"
#include "auxv.h"
#include "bits.h"
#include "hot.h"
#include "vaoci/probe.h"
#define AT_PAGESZ_ 6
#define AT_EXECFN_ 31

static const int va_candidates[] = {57, 52, 48, 47, 42, 39, 36};

/* impossible says a candidate cannot exist on this architecture, so it needs
 * no probe: x86-64 has 47 bits, or 57 with 5-level paging; arm64 at most 52.
 * (Asking CPUID for 5-level paging would cost more than the probe: CPUID
 * traps to the hypervisor in a VM, 5-10 us measured here.) */
static int impossible(int bits) {
#if defined(__x86_64__)
  return bits != 57 && bits > 47;
#else
  return bits > 52;
#endif
}

uint64_t vaoci_probe_page_size(void) {
  unsigned long v = vaoci_auxv(AT_PAGESZ_);
  return v ? v : 4096;
}

/* page_maps says whether one page at addr can be (or already is) mapped:
 * 1 yes, 0 no. A page it maps is unmapped again. */
static int page_maps(uint64_t addr, uint64_t page) {
  long r = vaoci_sys_mmap(addr, page, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS | VAOCI_MAP_FIXED_NOREPLACE, -1, 0);
  if (r == -17 /* EEXIST */)
    return 1;
  if (vaoci_sys_failed(r))
    return 0;
  vaoci_sys_munmap((uint64_t)r, page);
  return (uint64_t)r == addr; /* pre-4.17 kernels treat NOREPLACE as a hint */
}

/* stack_anchor is an address inside the main thread's stack: the string
 * AT_EXECFN points to sits in its top page, whichever thread asks. */
static uint64_t stack_anchor(void) {
  unsigned long execfn = vaoci_auxv(AT_EXECFN_);
  if (execfn)
    return execfn;
  volatile char here = 0;
  return (uint64_t)(uintptr_t)&here;
}

/* top_of turns VA bits into the exact task size: x86-64 keeps the top page of
 * user space unmappable (TASK_SIZE = 2^47 - 4096); arm64 does not. */
static uint64_t top_of(int bits, uint64_t page) {
#if defined(__x86_64__)
  return (1ull << bits) - page;
#else
  (void)page;
  return 1ull << bits;
#endif
}

int vaoci_probe_va_bits(uint64_t *task_size, vaoci_error_t *err) {
  static int cached_bits VAOCI_HOT;
  static uint64_t cached_task VAOCI_HOT;
  if (cached_bits) {
    *task_size = cached_task;
    return cached_bits;
  }
  uint64_t page = vaoci_probe_page_size();
  /* The stack is mapped, so every candidate up to its bit length is present
   * without asking the kernel: only the larger ones cost a system call. */
  int known = vaoci_bit_length(stack_anchor());
  for (unsigned i = 0; i < sizeof va_candidates / sizeof va_candidates[0]; i++) {
    int bits = va_candidates[i];
    if (bits > known && (impossible(bits) || !page_maps(1ull << (bits - 1), page)))
      continue;
    cached_bits = bits;
    cached_task = top_of(bits, page);
    *task_size = cached_task;
    return bits;
  }
  return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, 0, "probe va bits: no candidate of 57/52/48/47/42/39/36 maps");
}

uint64_t vaoci_probe_sysctl(const char *path) {
  long fd = vaoci_sys_openat(AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
  if (vaoci_sys_failed(fd))
    return 0;
  char buf[32];
  long n = vaoci_sys_read((int)fd, buf, sizeof buf);
  vaoci_sys_close((int)fd);
  uint64_t v = 0;
  for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
    v = v * 10 + (uint64_t)(buf[i] - '0');
  return v;
}

uint64_t vaoci_probe_mmap_min_addr(void) {
  static uint64_t cached;
  if (cached)
    return cached;
  uint64_t page = vaoci_probe_page_size(), value = vaoci_probe_sysctl("/proc/sys/vm/mmap_min_addr");
  value = (value + page - 1) / page * page;
  cached = value ? value : page;
  return cached;
}

uint64_t vaoci_probe_floor(void) {
  uint64_t page = vaoci_probe_page_size();
  return page_maps(page, page) ? page : vaoci_probe_mmap_min_addr();
}

struct find_ctx {
  uint64_t addr;
  struct vaoci_vma found;
  int hit;
};

static int find_visit(void *ctx, const struct vaoci_vma *vma) {
  struct find_ctx *c = ctx;
  if (vma->start <= c->addr && c->addr < vma->end) {
    c->found = *vma;
    c->hit = 1;
    return 1;
  }
  return 0;
}

/* stack_from_text finds the VMA holding addr in the maps text (old kernels). */
static int stack_from_text(int fd, uint64_t addr, struct vaoci_vma *out, vaoci_error_t *err) {
  struct find_ctx c = {addr, {0}, 0};
  int r = vaoci_maps_parse_fd(fd, find_visit, &c, err);
  if (r < 0)
    return r;
  *out = c.found;
  return c.hit;
}

int vaoci_probe_stack_vma(int maps_fd, struct vaoci_span *out, vaoci_error_t *err) {
  uint64_t anchor = stack_anchor();
  struct vaoci_vma vma;
  int r = vaoci_maps_query(maps_fd, anchor, &vma, err);
  if (r == -VAOCI_E_UNSUPPORTED)
    r = stack_from_text(maps_fd, anchor, &vma, err);
  if (r < 0)
    return r;
  if (r == 0 || vma.start > anchor)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, 0, "find stack: no mapping holds 0x%lx", (unsigned long)anchor);
  out->start = vma.start;
  out->end = vma.end;
  return 0;
}

uint64_t vaoci_probe_stack_top(uint64_t page) {
  const char *execfn = (const char *)vaoci_auxv(AT_EXECFN_);
  if (!execfn)
    return 0;
  /* exec copies the file name first, just below a NULL pointer at the very
   * top of the stack: its end plus one pointer is the stack's end. */
  uint64_t end = (uint64_t)(uintptr_t)execfn;
  while (*execfn++)
    end++;
  end += 1 + sizeof(void *);
  return (end + page - 1) & ~(page - 1);
}

int vaoci_probe_stack(uint64_t *start, uint64_t *end, vaoci_error_t *err) {
  int fd = vaoci_maps_open(0, err);
  if (fd < 0)
    return fd;
  struct vaoci_span s;
  int r = vaoci_probe_stack_vma(fd, &s, err);
  vaoci_sys_close(fd);
  if (r < 0)
    return r;
  *start = s.start;
  *end = s.end;
  return 0;
}

uint64_t vaoci_probe_rlimit(int resource) {
  uint64_t lim[2] = {0, 0}; /* rlim_cur, rlim_max */
  if (vaoci_sys_failed(vaoci_sys_prlimit(resource, lim)))
    return UINT64_MAX;
  return lim[0];
}

static int probe_procmap_query(void) {
  vaoci_error_t e;
  int fd = vaoci_maps_open(0, &e);
  if (fd < 0)
    return 0;
  struct vaoci_vma vma;
  int r = vaoci_maps_query(fd, 0, &vma, &e);
  vaoci_sys_close(fd);
  return r >= 0;
}

int vaoci_probe_all(struct vaoci_probe *p, vaoci_error_t *err) {
  int bits = vaoci_probe_va_bits(&p->task_size, err);
  if (bits < 0)
    return bits;
  p->va_bits = bits;
  p->page_size = vaoci_probe_page_size();
  p->mmap_min_addr = vaoci_probe_mmap_min_addr();
  p->rlimit_stack = vaoci_probe_rlimit(3 /* RLIMIT_STACK */);
  p->rlimit_as = vaoci_probe_rlimit(9 /* RLIMIT_AS */);
  p->procmap_query = probe_procmap_query();
  return vaoci_probe_stack(&p->stack_start, &p->stack_end, err);
}
