/* The kernel's rule for one fixed mapping across the default mmap window
 * (native/src/fixed_map.c), checked against a model of mm/mmap.c's check on
 * x86 too: the arm64 VM's 52-bit kernels then prove it on the real thing. */
#include <stdint.h>
#include "check.h"
#include "reserve_internal.h"

#define P4K 4096ull
#define P16K 16384ull
#define B(n) (1ull << (n))

/* accepted models mm/mmap.c: a fixed mapping at addr of len bytes is refused
 * when len > mmap_end - mmap_min_addr, mmap_end = addr > window ? task : window. */
static int accepted(uint64_t addr, uint64_t len, uint64_t window, uint64_t task, uint64_t min_addr) {
  uint64_t mmap_end = !window || addr > window ? task : window;
  return len <= mmap_end - min_addr && addr >= min_addr && addr + len <= task;
}

/* tiles: the pieces cover [start,end) in order, without gaps or overlaps, and
 * the kernel accepts each for every vm.mmap_min_addr from one page to 16 MiB
 * that lies below the span. */
static int tiles(uint64_t start, uint64_t end, uint64_t window, uint64_t page, uint64_t task, size_t *count) {
  struct vaoci_span p[VAOCI_FIXED_PIECES_MAX];
  size_t n = vaoci_fixed_pieces(start, end, window, page, p);
  *count = n;
  if (n < 1 || n > VAOCI_FIXED_PIECES_MAX || p[0].start != start || p[n - 1].end != end)
    return 0;
  static const uint64_t mins[] = {P4K, P16K, 65536, 1ull << 20, (16ull << 20) - P16K};
  for (size_t i = 0; i < n; i++) {
    if (p[i].start >= p[i].end || (i > 0 && p[i].start != p[i - 1].end))
      return 0;
    if (p[i].start % page || p[i].end % page)
      return 0;
    for (size_t m = 0; m < sizeof mins / sizeof mins[0]; m++)
      if (mins[m] <= start && !accepted(p[i].start, p[i].end - p[i].start, window, task, mins[m]))
        return 0;
  }
  return 1;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

int main(void) {
  size_t n;
  /* the window from the stack's end */
  CHECK(vaoci_map_window(0xfffff7ff0000ull, B(52)) == B(48), "4K 52-bit: a stack below 2^48 gives the 2^48 window");
  CHECK(vaoci_map_window(0x7ffff7ffc000ull, B(52)) == B(47), "16K 52-bit: a stack below 2^47 gives the 2^47 window");
  CHECK(vaoci_map_window(B(48), B(52)) == B(48), "a stack ending exactly at 2^48 gives 2^48");
  CHECK(vaoci_map_window(0xfffff7ff0000ull, B(48)) == 0, "48-bit arm64: the window is the task size: none");
  CHECK(vaoci_map_window(0x7ffd12340000ull, B(47) - P4K) == 0, "x86-64: none");
  CHECK(vaoci_map_window(0, B(52)) == 0, "no stack known: none");

  /* the case Debian 13's 6.12 cloud-arm64 kernel refused in one mapping */
  CHECK(!accepted(0xffffee8e0000ull, 0xf000011720000ull, B(48), B(52), 65536), "the model refuses the failed mapping");
  CHECK(tiles(0xffffee8e0000ull, B(52), B(48), P4K, B(52), &n) && n == 2, "the failed mapping in 2 accepted pieces");
  /* x86_64 window, 4K: [2^47, 2^52) */
  struct vaoci_span p[VAOCI_FIXED_PIECES_MAX];
  n = vaoci_fixed_pieces(B(47), B(52), B(48), P4K, p);
  CHECK(n == 2 && p[0].start == B(47) && p[0].end == B(48) + P4K && p[1].start == B(48) + P4K && p[1].end == B(52),
        "x86_64 on 4K 52-bit: [2^47, 2^48+4K), [2^48+4K, 2^52)");
  /* x86_64 window, 16K: the complement starts at the window's top itself */
  n = vaoci_fixed_pieces(B(47), B(52), B(47), P16K, p);
  CHECK(n == 2 && p[0].end == B(47) + P16K && tiles(B(47), B(52), B(47), P16K, B(52), &n),
        "x86_64 on 16K 52-bit: one page at 2^47, then the rest above it");
  /* from the floor (a high custom window): three pieces */
  CHECK(tiles(65536, B(50), B(48), P4K, B(52), &n) && n == 3, "from mmap_min_addr to 2^50: 3 pieces");
  /* i386 and wrap-around windows */
  CHECK(tiles(B(32), B(52), B(48), P4K, B(52), &n) && n == 2, "i386 complement on 52-bit: 2 pieces");
  CHECK(tiles(B(44), B(52), B(47), P16K, B(52), &n) && n == 2, "a 2^44 window's complement on 16K: 2 pieces");
  /* no split where none is needed */
  CHECK(vaoci_fixed_pieces(B(32), B(48), 0, P4K, p) == 1, "48-bit kernel: one piece");
  CHECK(vaoci_fixed_pieces(B(49), B(52), B(48), P4K, p) == 1, "wholly above the window: one piece");
  CHECK(vaoci_fixed_pieces(B(32), B(48), B(48), P4K, p) == 1, "wholly below the window's top: one piece");
  CHECK(vaoci_fixed_pieces(B(48) - B(30), B(48) + B(30), B(48), P4K, p) == 1, "short across the top: one piece");
  CHECK(accepted(B(48) - B(30), 2 * B(30), B(48), B(52), 65536), "the model accepts it whole");

  /* random spans on both page sizes and both windows */
  int bad = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t page = i & 1 ? P16K : P4K, window = i & 2 ? B(47) : B(48), task = B(52);
    uint64_t a = (16ull << 20) + next() % (task - (32ull << 20)), b = (16ull << 20) + next() % (task - (32ull << 20));
    if (i % 5 == 0)
      a = (1ull << 16) + next() % (1ull << 20); /* near the floor */
    a &= ~(page - 1);
    b &= ~(page - 1);
    if (a == b)
      continue;
    if (a > b) {
      uint64_t t = a;
      a = b;
      b = t;
    }
    if (!tiles(a, b, window, page, task, &n) && bad++ < 3)
      fprintf(stderr, "  span 0x%llx-0x%llx page %llu window 2^%d: pieces refused or not tiling\n",
              (unsigned long long)a, (unsigned long long)b, (unsigned long long)page, window == B(47) ? 47 : 48);
  }
  CHECK(bad == 0, "20000 random spans: every piece accepted by the model, the pieces tile the span (%d bad)", bad);
  return check_summary("test_fixed_map");
}
