/* Filling a crowded span with the kernel's own gap search. The kernel
 * places a mapping without a hint at the highest free gap that fits below
 * its mmap base (top-down layout), searching its VMA tree in O(log n). So,
 * for lengths halving from the span's size to a page, mapping until a
 * result lands wholly below the span takes every free gap of that length in
 * the span, highest first, in about two system calls per length, however
 * many mappings the span holds. Reading the maps instead costs a line per
 * mapping (4 ms at 10 000 here); halving over the whole address space pays
 * for every length from 2^47 down and takes the window too.
 *
 * It is exact only where the kernel searches top-down above the span:
 * vaoci_top_down_usable says when. Results above the span (free space the
 * caller has not reserved, such as the stack's zone) are held until the end
 * so the search moves past them, then given back. ENOMEM is "no gap that
 * long" only until a piece has landed below the span: from then on a gap
 * at least that long exists (that piece's, given back), so ENOMEM at that
 * length or less is a limit (vm.max_map_count) and fails loudly, as does a
 * search that ends without landing below; RLIMIT_AS, which could refuse the
 * long lengths alone, rules the search out beforehand. */
#include "reserve_internal.h"
#include "sys.h"
#include "vaoci/probe.h"

#define RLIMIT_AS_ 9

static struct vaoci_span_set aside;

/* The kernel lays out top-down (MMF_TOPDOWN) unless the stack is unlimited,
 * the personality asks for the compat layout or vm.legacy_va_layout is set;
 * then its mmap base is TASK_UNMAPPED_BASE, a third (x86-64) or a quarter
 * (arm64) of the default window, and the vDSO, mapped at exec, sits just
 * above it. Top-down, the base is below the stack by at most the stack gap
 * and the randomisation, so the vDSO sits in the upper half unless the stack
 * limit is that large. A vDSO in the upper half thus says top-down with no
 * system call; the lower half only loses the shortcut. */
int vaoci_top_down_usable(uint64_t span_end, uint64_t vdso, uint64_t window_top) {
  if (!vdso || span_end > vdso || vdso < window_top / 2)
    return 0;
  return vaoci_probe_rlimit(RLIMIT_AS_) == UINT64_MAX;
}

/* keep_inside records the part of [s, e) inside [lo, hi) and gives the rest back. */
static int keep_inside(struct vaoci_reservation *res, uint64_t s, uint64_t e, uint64_t lo, uint64_t hi,
                       vaoci_error_t *err) {
  uint64_t a = s > lo ? s : lo, b = e < hi ? e : hi;
  if (a >= b) {
    vaoci_sys_munmap(s, e - s);
    return 0;
  }
  if (s < a)
    vaoci_sys_munmap(s, a - s);
  if (b < e)
    vaoci_sys_munmap(b, e - b);
  if (vaoci_span_set_add(&res->regions, a, b) == 0)
    return 0;
  vaoci_sys_munmap(a, b - a);
  return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "record 0x%lx: more than %d regions", (unsigned long)a,
                          VAOCI_SPAN_SET_MAX);
}

static uint64_t pow2_floor(uint64_t x, uint64_t page) {
  uint64_t len = page;
  while (len <= x >> 1)
    len <<= 1;
  return len;
}

/* fill_top_down: see the top of this file. One shortcut: the kernel puts
 * each piece at the top of the highest gap it fits, so everything of the
 * span below a piece is often free too (the space under a crowded block):
 * one NOREPLACE map of it, and the span shrinks to what lies above the
 * piece, with lengths capped by that. The first EEXIST ends the shortcut. */
int vaoci_fill_top_down(struct vaoci_reservation *res, uint64_t lo, uint64_t hi, uint64_t page, vaoci_error_t *err) {
  aside.count = 0;
  const uint64_t lo0 = lo; /* pieces held aside keep what they cover of the whole span */
  int r = 0, shortcut = 1, landed = 0; /* landed: the last length ended below the span */
  uint64_t gap_below = 0; /* the longest piece that landed below: such a gap exists */
  for (uint64_t len = pow2_floor(hi - lo, page); r == 0 && len >= page && lo < hi;) {
    long m = vaoci_sys_mmap(0, len, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS, -1, 0);
    uint64_t s = (uint64_t)m, e = s + len;
    if (m == -12 && len <= gap_below) {
      r = vaoci_nomem_error(0, len, err); /* a gap that long exists: a limit said no */
      break;
    }
    if (m == -12 /* no gap of len anywhere */ || (!vaoci_sys_failed(m) && e <= lo)) {
      landed = m != -12;
      if (landed) {
        vaoci_sys_munmap(s, len); /* wholly below: no gap of len is left in the span */
        gap_below = len > gap_below ? len : gap_below;
      }
      len >>= 1;
      continue;
    }
    if (vaoci_sys_failed(m)) {
      r = vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-m, "top-down map 0x%lx bytes", (unsigned long)len);
      break;
    }
    struct vaoci_span_set *into = s >= lo && e <= hi ? &res->regions : &aside; /* above or across: hold it */
    if (vaoci_span_set_add(into, s, e) < 0) {
      vaoci_sys_munmap(s, len);
      r = vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "top-down: more than %d pieces", VAOCI_SPAN_SET_MAX);
      break;
    }
    if (into == &aside || !shortcut || s == lo)
      continue;
    r = vaoci_map_span(res, lo, s, err);
    if (r < 0 && err->sys_errno == 17 /* EEXIST: something below; go on piece by piece */) {
      r = 0;
      shortcut = 0;
      continue;
    }
    lo = e;
    uint64_t cap = lo < hi ? pow2_floor(hi - lo, page) : page;
    len = len < cap ? len : cap;
  }
  if (r == 0 && lo < hi && !landed) /* the page-sized search never reached below: something refused it */
    r = vaoci_nomem_error(lo, page, err);
  for (size_t i = 0; i < aside.count; i++) {
    int k = keep_inside(res, aside.items[i].start, aside.items[i].end, lo0, hi, err);
    r = r < 0 ? r : k;
  }
  aside.count = 0;
  return r;
}
