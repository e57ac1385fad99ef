#include "gaps.h"
#include "vaoci/window.h"

void vaoci_gap_walk_init(struct vaoci_gap_walk *w, const struct vaoci_span *targets, size_t ntargets,
                         struct vaoci_span_set *out) {
  w->ntargets = ntargets < VAOCI_TARGETS_MAX ? ntargets : VAOCI_TARGETS_MAX;
  for (size_t i = 0; i < w->ntargets; i++)
    w->targets[i] = targets[i];
  w->cursor = 0;
  w->out = out;
  w->overflow = 0;
}

/* add_free records [start,end) ∩ targets. */
static void add_free(struct vaoci_gap_walk *w, uint64_t start, uint64_t end) {
  for (size_t i = 0; i < w->ntargets && start < end; i++) {
    uint64_t s = w->targets[i].start > start ? w->targets[i].start : start;
    uint64_t e = w->targets[i].end < end ? w->targets[i].end : end;
    if (s < e && vaoci_span_set_add(w->out, s, e) < 0)
      w->overflow = 1;
  }
}

int vaoci_gap_walk_feed(void *walk, const struct vaoci_vma *vma) {
  struct vaoci_gap_walk *w = walk;
  if (vma->end <= w->cursor)
    return 0;
  if (vma->start > w->cursor)
    add_free(w, w->cursor, vma->start);
  w->cursor = vma->end;
  return w->overflow || w->ntargets == 0 || w->cursor >= w->targets[w->ntargets - 1].end;
}

int vaoci_gap_walk_finish(struct vaoci_gap_walk *w) {
  add_free(w, w->cursor, UINT64_MAX);
  w->cursor = UINT64_MAX;
  return w->overflow ? -1 : 0;
}

/* subtract_keep takes keep out of s, writing 0, 1 or 2 spans. */
static size_t subtract_keep(struct vaoci_span s, struct vaoci_span keep, struct vaoci_span *out) {
  if (keep.start >= keep.end || keep.end <= s.start || keep.start >= s.end) {
    out[0] = s;
    return 1;
  }
  size_t n = 0;
  if (s.start < keep.start)
    out[n++] = (struct vaoci_span){s.start, keep.start};
  if (keep.end < s.end)
    out[n++] = (struct vaoci_span){keep.end, s.end};
  return n;
}

size_t vaoci_targets(const struct vaoci_window *win, uint64_t floor, uint64_t ceiling, struct vaoci_span keep,
                     struct vaoci_span out[VAOCI_TARGETS_MAX]) {
  struct vaoci_span comp[2];
  int ncomp = vaoci_window_complement(win, floor, ceiling, comp);
  size_t n = 0;
  for (int i = 0; i < ncomp; i++)
    n += subtract_keep(comp[i], keep, out + n);
  return n;
}
