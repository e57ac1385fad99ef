/* Classifying a process's address space against a window. */
#include "gaps.h"
#include "sys.h"
#include "vaoci/probe.h"
#include "vaoci/reserve.h"
#include "vaoci/verify.h"

static struct vaoci_span_set verify_free;

struct classify {
  struct vaoci_verify_report *rep;
  struct vaoci_span stack;
  struct vaoci_gap_walk walk;
};

static int name_is(const struct vaoci_vma *v, const char *name);

/* is_reservation: private PROT_NONE with no file. The kernel names such a
 * VMA "[heap]" when it starts at the brk base, as vaoci's often does. */
static int is_reservation(const struct vaoci_vma *v) {
  int prot_none = v->perms[0] == '-' && v->perms[1] == '-' && v->perms[2] == '-' && v->perms[3] == 'p';
  return prot_none && (v->anonymous || name_is(v, "[heap]"));
}

static int name_is(const struct vaoci_vma *v, const char *name) {
  const char *a = v->name;
  while (*a && *a == *name)
    a++, name++;
  return *a == *name;
}

/* classify_vma counts the part of one VMA that lies outside the window. */
static int classify_vma(void *ctx, const struct vaoci_vma *v) {
  struct classify *c = ctx;
  struct vaoci_verify_report *r = c->rep;
  struct vaoci_span comp[2];
  int n = vaoci_window_complement(&r->window, r->floor, r->task_size, comp);
  uint64_t outside = 0;
  for (int i = 0; i < n; i++) {
    uint64_t s = comp[i].start > v->start ? comp[i].start : v->start;
    uint64_t e = comp[i].end < v->end ? comp[i].end : v->end;
    outside += s < e ? e - s : 0;
  }
  if (name_is(v, "[stack]"))
    c->stack = (struct vaoci_span){v->start, v->end};
  if (!outside)
    return 0;
  if (is_reservation(v)) {
    r->reserved_bytes += outside;
    r->reserved_regions++;
  } else {
    r->mapped_bytes += outside;
    if (r->nmapped_listed < VAOCI_VERIFY_LIST_MAX)
      r->mapped_list[r->nmapped_listed++] = *v;
    r->mapped_regions++;
  }
  return 0;
}

static void classify_free(struct vaoci_verify_report *r, struct vaoci_span stack, uint64_t keep) {
  uint64_t keep_low = stack.end > keep ? stack.end - keep : 0;
  for (size_t i = 0; i < verify_free.count; i++) {
    struct vaoci_span g = verify_free.items[i];
    if (stack.end && g.end == stack.start && g.start < stack.start) { /* free space right below the stack */
      uint64_t s = g.start > keep_low ? g.start : keep_low;
      r->stack_keep_bytes += g.end - s;
      g.end = s;
    }
    if (g.start >= g.end)
      continue;
    r->free_bytes += g.end - g.start;
    if (r->nfree_listed < VAOCI_VERIFY_LIST_MAX)
      r->free_list[r->nfree_listed++] = g;
    r->free_regions++;
  }
}

/* verify_visit classifies each VMA and feeds the walk that finds the free gaps. */
static int verify_visit(void *ctx, const struct vaoci_vma *v) {
  struct classify *c = ctx;
  classify_vma(c, v);
  vaoci_gap_walk_feed(&c->walk, v);
  return 0;
}

static void verify_begin(struct classify *c, const struct vaoci_window *w, uint64_t floor, uint64_t task_size,
                         struct vaoci_verify_report *out) {
  int pid = out->pid;
  *out = (struct vaoci_verify_report){.pid = pid, .window = *w, .floor = floor, .task_size = task_size};
  c->rep = out;
  c->stack = (struct vaoci_span){0, 0};
  struct vaoci_span comp[2];
  int n = vaoci_window_complement(w, floor, task_size, comp);
  verify_free.count = 0;
  vaoci_gap_walk_init(&c->walk, comp, (size_t)n, &verify_free);
}

static int verify_end(struct classify *c, uint64_t stack_keep_bytes, vaoci_error_t *err) {
  struct vaoci_verify_report *out = c->rep;
  if (vaoci_gap_walk_finish(&c->walk) < 0)
    return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "verify: more than %d free gaps", VAOCI_SPAN_SET_MAX);
  classify_free(out, c->stack, stack_keep_bytes);
  uint64_t total = out->reserved_bytes + out->free_bytes;
  out->coverage = total ? (double)out->reserved_bytes / (double)total : 1.0;
  out->holds = out->free_bytes == 0;
  return 0;
}

int vaoci_verify_text(const char *text, size_t len, const struct vaoci_window *w, uint64_t floor, uint64_t task_size,
                      uint64_t stack_keep_bytes, struct vaoci_verify_report *out, vaoci_error_t *err) {
  struct classify c;
  verify_begin(&c, w, floor, task_size, out);
  int r = vaoci_maps_parse_text(text, len, verify_visit, &c, err);
  return r < 0 ? r : verify_end(&c, stack_keep_bytes, err);
}

/* stack_keep_of is what the reserver would have kept below pid's stack. */
static uint64_t stack_keep_of(int pid) {
  uint64_t lim[2] = {UINT64_MAX, UINT64_MAX};
  long r = vaoci_syscall6(SYS_prlimit64, pid, 3 /* RLIMIT_STACK */, 0, (long)lim, 0, 0);
  uint64_t keep = vaoci_sys_failed(r) || lim[0] > VAOCI_STACK_KEEP_MAX ? VAOCI_STACK_KEEP_MAX : lim[0];
  return keep + VAOCI_STACK_GUARD_GAP(vaoci_probe_page_size());
}

int vaoci_verify_pid(int pid, const struct vaoci_window *w, struct vaoci_verify_report *out, vaoci_error_t *err) {
  uint64_t task;
  if (vaoci_probe_va_bits(&task, err) < 0)
    return -err->status;
  int fd = vaoci_maps_open(pid, err);
  if (fd < 0)
    return fd;
  struct classify c;
  out->pid = pid ? pid : (int)vaoci_syscall6(SYS_getpid, 0, 0, 0, 0, 0, 0);
  verify_begin(&c, w, vaoci_probe_mmap_min_addr(), task, out);
  int r = vaoci_maps_parse_fd(fd, verify_visit, &c, err);
  vaoci_sys_close(fd);
  return r < 0 ? r : verify_end(&c, stack_keep_of(pid), err);
}
