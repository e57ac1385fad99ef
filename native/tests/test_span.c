/* The coalescing span set. */
#include "check.h"
#include "vaoci/span.h"

static struct vaoci_span_set set;

static int spans_are(const struct vaoci_span *want, size_t n) {
  if (set.count != n)
    return 0;
  for (size_t i = 0; i < n; i++)
    if (set.items[i].start != want[i].start || set.items[i].end != want[i].end)
      return 0;
  return 1;
}

int main(void) {
  vaoci_span_set_add(&set, 100, 200);
  vaoci_span_set_add(&set, 300, 400);
  CHECK(spans_are((struct vaoci_span[]){{100, 200}, {300, 400}}, 2), "two disjoint spans stay apart");
  vaoci_span_set_add(&set, 200, 300);
  CHECK(spans_are((struct vaoci_span[]){{100, 400}}, 1), "a span touching both neighbours merges all three");
  vaoci_span_set_add(&set, 10, 20);
  vaoci_span_set_add(&set, 500, 600);
  CHECK(spans_are((struct vaoci_span[]){{10, 20}, {100, 400}, {500, 600}}, 3), "insertion keeps ascending order");
  vaoci_span_set_add(&set, 15, 550);
  CHECK(spans_are((struct vaoci_span[]){{10, 600}}, 1), "an overlapping span swallows several");
  vaoci_span_set_remove(&set, 100, 200);
  CHECK(spans_are((struct vaoci_span[]){{10, 100}, {200, 600}}, 2), "removing the middle splits");
  vaoci_span_set_remove(&set, 0, 50);
  vaoci_span_set_remove(&set, 550, 700);
  CHECK(spans_are((struct vaoci_span[]){{50, 100}, {200, 550}}, 2), "removing overlapping ends trims");
  CHECK(vaoci_span_set_bytes(&set) == 400, "bytes sum the spans");
  CHECK(vaoci_span_set_covers(&set, 200, 550) && !vaoci_span_set_covers(&set, 90, 210), "covers needs one span");
  vaoci_span_set_remove(&set, 0, 1000);
  CHECK(set.count == 0, "removing everything empties the set");
  set.count = 0;
  for (uint64_t i = 0; i < VAOCI_SPAN_SET_MAX; i++)
    vaoci_span_set_add(&set, i * 10, i * 10 + 5);
  CHECK(vaoci_span_set_add(&set, 1ull << 40, (1ull << 40) + 5) == -1 && set.count == VAOCI_SPAN_SET_MAX,
        "a full set refuses a new span and stays unchanged");
  CHECK(vaoci_span_set_add(&set, 0, 7) == 0, "a full set still merges into an existing span");
  return check_summary("test_span");
}
