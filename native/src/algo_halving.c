/* The halving algorithm from the FEX issue thread: let the kernel find the
 * gaps, mapping ever smaller lengths until ENOMEM, then give back what lies
 * inside the window or the stack's growth zone. Kept as a comparison: it
 * briefly takes the whole address space, window included. */
#include "reserve_internal.h"
#include "sys.h"
#include "vaoci/probe.h"

static struct vaoci_span_set taken;

/* hint_for lets the kernel search above 2^48 on 52/57-bit machines, where
 * only a high hint opens the upper address space. */
static uint64_t hint_for(const struct vaoci_plan *plan, uint64_t len) {
  return plan->va_bits > 48 && len < plan->task_size ? plan->task_size - len : 0;
}

static int take_everything(const struct vaoci_plan *plan, vaoci_error_t *err) {
  uint64_t len = 1;
  while (len <= (plan->task_size >> 1))
    len <<= 1;
  for (; len >= plan->page_size; len >>= 1) {
    for (;;) {
      long r = vaoci_sys_mmap(hint_for(plan, len), len, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS, -1, 0);
      if (r == -12 /* ENOMEM: no gap of this length is left */)
        break;
      if (vaoci_sys_failed(r))
        return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "halving map 0x%lx bytes", (unsigned long)len);
      if (vaoci_span_set_add(&taken, (uint64_t)r, (uint64_t)r + len) < 0) {
        vaoci_sys_munmap((uint64_t)r, len);
        return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "halving: more than %d regions", VAOCI_SPAN_SET_MAX);
      }
    }
  }
  return 0;
}

/* keep_targets moves the parts of `taken` inside the targets into res and
 * unmaps the rest. */
static int keep_targets(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err) {
  for (size_t i = 0; i < taken.count; i++) {
    uint64_t pos = taken.items[i].start, end = taken.items[i].end;
    for (size_t t = 0; t < plan->ntargets && pos < end; t++) {
      uint64_t s = plan->targets[t].start > pos ? plan->targets[t].start : pos;
      uint64_t e = plan->targets[t].end < end ? plan->targets[t].end : end;
      if (s >= e)
        continue;
      if (s > pos)
        vaoci_sys_munmap(pos, s - pos);
      if (vaoci_span_set_add(&res->regions, s, e) < 0)
        return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "halving: more than %d regions", VAOCI_SPAN_SET_MAX);
      pos = e;
    }
    if (pos < end)
      vaoci_sys_munmap(pos, end - pos);
  }
  taken.count = 0;
  return 0;
}

int vaoci_algo_halving(struct vaoci_reservation *res, const struct vaoci_plan *plan, vaoci_error_t *err) {
  taken.count = 0;
  int r = take_everything(plan, err);
  if (r == 0)
    r = keep_targets(res, plan, err);
  if (r < 0) {
    for (size_t i = 0; i < taken.count; i++)
      vaoci_sys_munmap(taken.items[i].start, vaoci_span_len(taken.items[i]));
    taken.count = 0;
    return r;
  }
  /* ENOMEM ends each round, so an RLIMIT_AS would stop it short in silence. */
  if (vaoci_probe_rlimit(9 /* RLIMIT_AS */) != UINT64_MAX)
    return vaoci_check_complete(plan, err);
  return 0;
}
