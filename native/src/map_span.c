/* Placing one reservation, and explaining why the kernel said no. */
#include "reserve_internal.h"
#include "sys.h"
#include "vaoci/maps.h"
#include "vaoci/probe.h"

#define GIB (1ull << 30)

static long count_mappings(void) {
  vaoci_error_t ignored;
  int fd = vaoci_maps_open(0, &ignored);
  if (fd < 0)
    return -1;
  long n = vaoci_maps_count(fd);
  vaoci_sys_close(fd);
  return n;
}

int vaoci_nomem_error(uint64_t addr, uint64_t len, vaoci_error_t *err) {
  uint64_t as = vaoci_probe_rlimit(9 /* RLIMIT_AS */);
  if (as != UINT64_MAX)
    return vaoci_make_error(err, VAOCI_E_RLIMIT_AS, 12,
                            "map 0x%lx+0x%lx: RLIMIT_AS is %lu MiB and PROT_NONE reservations count against it; "
                            "remove the limit (ulimit -v unlimited) or narrow the window",
                            (unsigned long)addr, (unsigned long)len, (unsigned long)(as >> 20));
  uint64_t max = vaoci_probe_sysctl("/proc/sys/vm/max_map_count");
  if (max && count_mappings() + 2 >= (long)max)
    return vaoci_make_error(err, VAOCI_E_MAP_COUNT, 12,
                            "map 0x%lx+0x%lx: vm.max_map_count (%lu) reached; raise it with sysctl",
                            (unsigned long)addr, (unsigned long)len, (unsigned long)max);
  return vaoci_make_error(err, VAOCI_E_NOMEM, 12, "map 0x%lx+0x%lx (%lu GiB): out of memory", (unsigned long)addr,
                          (unsigned long)len, (unsigned long)(len / GIB));
}

/* below_floor says whether a map at the unproven floor was refused as below
 * vm.mmap_min_addr (EPERM from the capability check, EACCES from an LSM's),
 * and then moves the floor up to it. Any other answer proves the floor. */
static int below_floor(struct vaoci_reservation *res, uint64_t start, long r) {
  if (!res->floor_unproven || start != res->floor)
    return 0;
  res->floor_unproven = 0;
  if (r != -1 /* EPERM */ && r != -13 /* EACCES */)
    return 0;
  uint64_t min = vaoci_probe_mmap_min_addr();
  if (min <= res->floor)
    return 0; /* refused for another reason: reported as it is */
  res->floor = min;
  return 1;
}

int vaoci_map_span(struct vaoci_reservation *res, uint64_t start, uint64_t end, vaoci_error_t *err) {
  if (start < res->floor) /* a span planned from the floor before it moved up */
    start = res->floor;
  if (start >= end)
    return 0;
  uint64_t len = end - start;
  long r = vaoci_fixed_map(start, end, res->map_window, res->page_size);
  if (below_floor(res, start, r))
    return vaoci_map_span(res, start, end, err);
  if (r == -12 /* ENOMEM */)
    return vaoci_nomem_error(start, len, err);
  if (r == VAOCI_FIXED_NOT_PLACED)
    return vaoci_make_error(err, VAOCI_E_UNSUPPORTED, 0, "map 0x%lx: MAP_FIXED_NOREPLACE unsupported (Linux < 4.17)",
                            (unsigned long)start);
  if (r != 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, (int)-r, "map 0x%lx+0x%lx", (unsigned long)start, (unsigned long)len);
  if (vaoci_span_set_add(&res->regions, start, end) < 0) {
    vaoci_sys_munmap(start, len);
    return vaoci_make_error(err, VAOCI_E_CAPACITY, 0, "record 0x%lx: more than %d regions", (unsigned long)start,
                            VAOCI_SPAN_SET_MAX);
  }
  return 0;
}
