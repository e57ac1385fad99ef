/* The gaps and query algorithms: find every free gap of the targets from the
 * process's own VMA list, then place one NOREPLACE reservation per gap.
 * `query` asks PROCMAP_QUERY only for the VMAs inside the targets (no text
 * is formatted); `gaps` parses the whole /proc/self/maps text, as FEX does. */
#include "reserve_internal.h"

static struct vaoci_span_set gap_scratch;

static int map_all(struct vaoci_reservation *res, const struct vaoci_span_set *gaps, vaoci_error_t *err) {
  for (size_t i = 0; i < gaps->count; i++) {
    int r = vaoci_map_span(res, gaps->items[i].start, gaps->items[i].end, err);
    if (r < 0 && err->sys_errno == 17)
      return vaoci_wrap_error(err, "a mapping appeared while reserving (another thread?)");
    if (r < 0)
      return r;
  }
  return 0;
}

int vaoci_algo_fill_gaps(struct vaoci_reservation *res, const struct vaoci_plan *plan, int use_query,
                         vaoci_error_t *err) {
  gap_scratch.count = 0;
  int r = vaoci_collect_gaps(plan->maps_fd, use_query, plan->targets, plan->ntargets, &gap_scratch, err);
  if (r == -VAOCI_E_UNSUPPORTED && use_query) { /* kernel < 6.11: read the text instead */
    gap_scratch.count = 0;
    res->stats.algo_used = VAOCI_ALGO_GAPS;
    r = vaoci_collect_gaps(plan->maps_fd, 0, plan->targets, plan->ntargets, &gap_scratch, err);
  }
  if (r < 0)
    return r;
  return map_all(res, &gap_scratch, err);
}
