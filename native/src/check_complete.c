/* A completeness check: no free page may be left in the targets. */
#include "reserve_internal.h"
#include "sys.h"

static struct vaoci_span_set left;

int vaoci_check_complete(const struct vaoci_plan *plan, vaoci_error_t *err) {
  int fd = vaoci_maps_open(0, err);
  if (fd < 0)
    return fd;
  left.count = 0;
  int r = vaoci_collect_gaps(fd, 1, plan->targets, plan->ntargets, &left, err);
  if (r == -VAOCI_E_UNSUPPORTED)
    r = vaoci_collect_gaps(fd, 0, plan->targets, plan->ntargets, &left, err);
  vaoci_sys_close(fd);
  if (r < 0)
    return r;
  if (left.count == 0)
    return 0;
  return vaoci_nomem_error(left.items[0].start, vaoci_span_len(left.items[0]), err);
}
