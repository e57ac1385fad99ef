/* Handing the process over to the program: the name /proc/self/comm shows,
 * the kernel's per-mm bookkeeping (PR_SET_MM_MAP: /proc/self/cmdline,
 * environ, auxv, [stack], and brk right after the program), and the part of
 * our own stack's growth zone that lies outside the window: the library
 * leaves it free so *our* stack can grow, but the program never uses this
 * stack, so a hinted mmap must not be handed it. */
#include <linux/prctl.h>
#include "launch.h"
#include "lsys.h"
#include "vaoci/maps.h"

void launch_set_comm(const char *path) {
  launch_sys_prctl(PR_SET_NAME, (unsigned long)(uintptr_t)launch_basename(path), 0, 0);
}

/* launch_set_mm tells the kernel where the program's code, data, brk, stack,
 * arguments, environment and auxv are, as exec would have. Unprivileged (no
 * exe_fd: /proc/self/exe keeps naming the launcher); needs
 * CONFIG_CHECKPOINT_RESTORE. Returns 0 or the kernel's -errno; callers go on
 * either way: only /proc views and brk differ without it. */
int launch_set_mm(const struct launch_image *img, const struct launch_stack_out *st, uint64_t brk) {
  struct prctl_mm_map m = {0};
  m.start_code = UINT64_MAX;
  for (unsigned i = 0; i < img->eh.e_phnum; i++) {
    const Elf64_Phdr *p = &img->ph[i];
    if (p->p_type != PT_LOAD || p->p_memsz == 0)
      continue;
    uint64_t start = img->bias + p->p_vaddr, file_end = start + p->p_filesz;
    if ((p->p_flags & PF_X) && start < m.start_code)
      m.start_code = start;
    if ((p->p_flags & PF_X) && file_end > m.end_code)
      m.end_code = file_end;
    m.start_data = start > m.start_data ? start : m.start_data; /* the kernel's: the last segment's */
    m.end_data = file_end > m.end_data ? file_end : m.end_data;
  }
  m.start_brk = m.brk = brk;
  m.start_stack = st->sp;
  m.arg_start = st->arg_start;
  m.arg_end = st->arg_end;
  m.env_start = st->env_start;
  m.env_end = st->env_end;
  m.auxv = (__u64 *)(uintptr_t)st->auxv;
  m.auxv_size = (uint32_t)st->auxv_bytes;
  m.exe_fd = (uint32_t)-1;
  long r = launch_sys_prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)(uintptr_t)&m, sizeof m);
  return vaoci_sys_failed(r) ? (int)r : 0;
}

/* reserve_gap takes [s, e) with PROT_NONE, as the library does. */
static int reserve_gap(struct vaoci_reservation *res, uint64_t s, uint64_t e, vaoci_error_t *err) {
  long r = vaoci_sys_mmap(s, e - s, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS | VAOCI_MAP_FIXED_NOREPLACE, -1, 0);
  if (vaoci_sys_failed(r) || (uint64_t)r != s)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, vaoci_sys_failed(r) ? (int)-r : 17,
                            "reserve the old stack's zone 0x%lx-0x%lx", (unsigned long)s, (unsigned long)e);
  if (vaoci_span_set_add(&res->regions, s, e) < 0)
    return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "reserve the old stack's zone: region table full");
  res->stats.bytes += e - s;
  return 0;
}

struct gap_walk {
  struct vaoci_reservation *res;
  uint64_t pos, end;
  int failed;
  vaoci_error_t *err;
};

/* gap_visit reserves the free space before each mapping, up to walk->end. */
static int gap_visit(void *ctx, const struct vaoci_vma *vma) {
  struct gap_walk *g = ctx;
  if (vma->end <= g->pos)
    return 0;
  uint64_t stop = vma->start < g->end ? vma->start : g->end;
  if (stop > g->pos && reserve_gap(g->res, g->pos, stop, g->err) < 0)
    return g->failed = 1;
  g->pos = vma->end;
  return g->pos >= g->end;
}

/* fill_zone reserves the free parts of [s, e): PROCMAP_QUERY one VMA at a
 * time, or the maps text on kernels without it. */
static int fill_zone(int fd, struct vaoci_reservation *res, uint64_t s, uint64_t e, vaoci_error_t *err) {
  struct gap_walk g = {res, s, e, 0, err};
  struct vaoci_vma vma;
  int r = 0;
  while (g.pos < e && (r = vaoci_maps_query(fd, g.pos, &vma, err)) == 1)
    if (gap_visit(&g, &vma) || g.failed)
      break;
  if (g.pos < e && r == -VAOCI_E_UNSUPPORTED) {
    r = vaoci_maps_parse_fd(fd, gap_visit, &g, err);
    if (r < 0)
      return r;
  } else if (r < 0) {
    return r;
  }
  if (g.failed)
    return -VAOCI_E_SYSTEM;
  return g.pos < e ? reserve_gap(res, g.pos, e, err) : 0;
}

/* stack_vma_start finds where our own stack's mapping begins, with one-page
 * mincore calls (ENOMEM: not mapped): below it the growth zone is free, above
 * it all is mapped. exec leaves it 128 KiB below the page of the lowest
 * string it copied (setup_arg_pages), so that guess is tried first; else by
 * halving. Cheaper than opening the maps; should anything else sit in the
 * zone, the NOREPLACE reservation says so and the maps decide instead. */
static uint64_t stack_vma_start(uint64_t low, uint64_t top, uint64_t strings, uint64_t page) {
  unsigned char v;
#define MAPPED(a) (vaoci_syscall6(SYS_mincore, (long)(a), (long)page, (long)&v, 0, 0, 0) == 0)
  uint64_t guess = launch_page_down(strings, page) - (128ull << 10);
  if (guess > low && guess < top && MAPPED(guess) && !MAPPED(guess - page))
    return guess;
  if (MAPPED(low))
    return low;
  uint64_t lo = low, hi = top - page; /* lo free, hi mapped (the top page holds AT_EXECFN's string) */
  while (hi - lo > page) {
    uint64_t mid = launch_page_down(lo + (hi - lo) / 2, page);
    if (MAPPED(mid))
      hi = mid;
    else
      lo = mid;
  }
#undef MAPPED
  return hi;
}

int launch_reserve_old_stack(struct vaoci_reservation *res, uint64_t strings, vaoci_error_t *err) {
  struct vaoci_span comp[2], keep = res->stack_keep;
  int n = vaoci_window_complement(&res->window, res->floor, res->task_size, comp), fd = -1, r = 0;
  uint64_t vma = 0;
  for (int i = 0; r == 0 && i < n; i++) {
    uint64_t s = comp[i].start > keep.start ? comp[i].start : keep.start;
    uint64_t e = comp[i].end < keep.end ? comp[i].end : keep.end;
    if (s >= e)
      continue;
    if (!vma)
      vma = stack_vma_start(keep.start, keep.end, strings, res->page_size);
    vaoci_error_t first;
    if (s >= vma || reserve_gap(res, s, e < vma ? e : vma, &first) == 0)
      continue; /* the zone below the stack, all of it free: the usual case */
    if (fd < 0 && (fd = vaoci_maps_open(0, err)) < 0)
      return fd;
    r = fill_zone(fd, res, s, e, err);
  }
  if (fd >= 0)
    vaoci_sys_close(fd);
  res->stats.regions = res->regions.count;
  return r;
}
