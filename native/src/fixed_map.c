/* One fixed reservation as the kernel accepts it. On arm64 (and riscv,
 * powerpc) with more than 48 bits of VA, user space has a default window,
 * DEFAULT_MAP_WINDOW: 2^48 with 4K and 64K pages, 2^47 with 16K pages
 * (VA_BITS_MIN), where the stack lives and where mmap stays without a hint.
 * mm/mmap.c checks a fixed mapping's length against
 *   arch_get_mmap_end(addr) = addr > DEFAULT_MAP_WINDOW ? TASK_SIZE : DEFAULT_MAP_WINDOW
 * (`len > mmap_end - mmap_min_addr` is ENOMEM), so one mapping from below the
 * window's top to 2^52 is refused (measured on Debian 13's 6.12 cloud-arm64
 * kernel: "map 0xffffee8e0000+0xf000011720000: out of memory"). A span that
 * crosses the top is mapped in pieces: one that ends a page above the top (its
 * length stays below the window's size), and the rest, which starts above it. */
#include "bits.h"
#include "reserve_internal.h"
#include "sys.h"

#define LOW_FLOOR_MAX (16ull << 20) /* vm.mmap_min_addr is assumed below this (see reserve.c's plan_floor) */

uint64_t vaoci_map_window(uint64_t stack_top, uint64_t task_size) {
  if (stack_top == 0)
    return 0;
  int bits = vaoci_bit_length(stack_top - 1);
  if (bits >= 64)
    return 0;
  uint64_t window = 1ull << bits;
  return window < task_size ? window : 0;
}

size_t vaoci_fixed_pieces(uint64_t start, uint64_t end, uint64_t map_window, uint64_t page,
                          struct vaoci_span out[VAOCI_FIXED_PIECES_MAX]) {
  /* No split: no window below the task size, a span on one side of the top,
   * or one short enough for any vm.mmap_min_addr below LOW_FLOOR_MAX. */
  if (!map_window || start > map_window || end <= map_window + page || end - start <= map_window - LOW_FLOOR_MAX) {
    out[0] = (struct vaoci_span){start, end};
    return 1;
  }
  size_t n = 0;
  if (start >= LOW_FLOOR_MAX + page) {
    out[n++] = (struct vaoci_span){start, map_window + page};
  } else { /* from the floor: [start, top + page) would be one page too long */
    out[n++] = (struct vaoci_span){start, map_window};
    out[n++] = (struct vaoci_span){map_window, map_window + page};
  }
  out[n++] = (struct vaoci_span){map_window + page, end};
  return n;
}

long vaoci_fixed_map(uint64_t start, uint64_t end, uint64_t map_window, uint64_t page) {
  struct vaoci_span pieces[VAOCI_FIXED_PIECES_MAX];
  size_t n = vaoci_fixed_pieces(start, end, map_window, page, pieces);
  for (size_t i = 0; i < n; i++) {
    uint64_t s = pieces[i].start, len = pieces[i].end - s;
    long r = vaoci_sys_mmap(s, len, VAOCI_RESERVE_PROT, VAOCI_RESERVE_FLAGS | VAOCI_MAP_FIXED_NOREPLACE, -1, 0);
    if (!vaoci_sys_failed(r) && (uint64_t)r != s) { /* a kernel before 4.17 took NOREPLACE for a hint */
      vaoci_sys_munmap((uint64_t)r, len);
      r = VAOCI_FIXED_NOT_PLACED;
    }
    if (vaoci_sys_failed(r) || r == VAOCI_FIXED_NOT_PLACED) {
      if (i > 0)
        vaoci_sys_munmap(start, pieces[i].start - start);
      return r;
    }
  }
  return 0;
}
