/* Maps parsing and the gap walk, on synthetic maps text. */
#include <string.h>
#include "check.h"
#include "gaps.h"
#include "vaoci/maps.h"
#include "vaoci/window.h"

struct line_case {
  const char *desc, *line;
  int ok;
  uint64_t start, end;
  const char *perms, *name;
  int anonymous;
};

static const struct line_case line_cases[] = {
    {"file mapping", "558163980000-558163982000 r--p 00000000 fe:00 247026                     /usr/bin/cat", 1,
     0x558163980000, 0x558163982000, "r--p", "/usr/bin/cat", 0},
    {"anonymous", "7f3a7b050000-7f3a7b072000 rw-p 00000000 00:00 0 ", 1, 0x7f3a7b050000, 0x7f3a7b072000, "rw-p", "", 1},
    {"reservation", "100000000-7ffd00000000 ---p 00000000 00:00 0", 1, 0x100000000, 0x7ffd00000000, "---p", "", 1},
    {"named special", "7ffd70d6d000-7ffd70d8e000 rw-p 00000000 00:00 0                          [stack]", 1,
     0x7ffd70d6d000, 0x7ffd70d8e000, "rw-p", "[stack]", 0},
    {"vsyscall", "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]", 1,
     0xffffffffff600000, 0xffffffffff601000, "--xp", "[vsyscall]", 0},
    {"not hex", "zz-10 r--p 0 0 0", 0, 0, 0, 0, 0, 0},
    {"end before start", "2000-1000 r--p 00000000 00:00 0", 0, 0, 0, 0, 0, 0},
    {"truncated", "1000-2000 r-", 0, 0, 0, 0, 0, 0},
    {"missing dash", "1000 2000 r--p 00000000 00:00 0", 0, 0, 0, 0, 0, 0},
};

static void test_lines(void) {
  for (size_t i = 0; i < sizeof line_cases / sizeof line_cases[0]; i++) {
    const struct line_case *c = &line_cases[i];
    struct vaoci_vma v;
    int r = vaoci_maps_parse_line(c->line, strlen(c->line), &v);
    CHECK((r == 0) == c->ok, "%s: parse returned %d", c->desc, r);
    if (!c->ok || r)
      continue;
    CHECK(v.start == c->start && v.end == c->end, "%s: bounds", c->desc);
    CHECK(strcmp(v.perms, c->perms) == 0, "%s: perms %s", c->desc, v.perms);
    CHECK(strcmp(v.name, c->name) == 0, "%s: name `%s`", c->desc, v.name);
    CHECK(v.anonymous == c->anonymous, "%s: anonymous %d", c->desc, v.anonymous);
  }
}

static const char maps[] = "00400000-00500000 r-xp 00000000 fe:00 1 /bin/x\n"
                           "100001000-100002000 rw-p 00000000 00:00 0\n"
                           "7f0000000000-7f0000010000 r--p 00000000 fe:00 2 /lib/libc.so\n"
                           "7f0000010000-7f0000020000 r-xp 00010000 fe:00 2 /lib/libc.so\n"
                           "7f0000030000-7f0000031000 rw-p 00000000 00:00 0\n"
                           "7ffff0000000-7ffff0021000 rw-p 00000000 00:00 0 [stack]\n"
                           "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

static struct vaoci_span_set gaps;

static int collect(const struct vaoci_span *targets, size_t n) {
  struct vaoci_gap_walk w;
  gaps.count = 0;
  vaoci_gap_walk_init(&w, targets, n, &gaps);
  vaoci_maps_parse_text(maps, sizeof maps - 1, vaoci_gap_walk_feed, &w, NULL);
  return vaoci_gap_walk_finish(&w);
}

static void test_gap_walk(void) {
  struct vaoci_span i386[] = {{1ull << 32, 1ull << 47}};
  collect(i386, 1);
  struct vaoci_span want[] = {{1ull << 32, 0x100001000},
                              {0x100002000, 0x7f0000000000},
                              {0x7f0000020000, 0x7f0000030000},
                              {0x7f0000031000, 0x7ffff0000000},
                              {0x7ffff0021000, 1ull << 47}};
  CHECK(gaps.count == 5, "i386 targets: %zu gaps, want 5", gaps.count);
  for (size_t i = 0; i < 5 && i < gaps.count; i++)
    CHECK(gaps.items[i].start == want[i].start && gaps.items[i].end == want[i].end, "gap %zu is 0x%lx-0x%lx", i,
          (unsigned long)gaps.items[i].start, (unsigned long)gaps.items[i].end);
  struct vaoci_span two[] = {{0x10000, 0x400000}, {0x7f0000018000, 0x7f0000038000}};
  collect(two, 2);
  CHECK(gaps.count == 3 && gaps.items[0].start == 0x10000 && gaps.items[0].end == 0x400000 &&
            gaps.items[1].start == 0x7f0000020000 && gaps.items[2].start == 0x7f0000031000 &&
            gaps.items[2].end == 0x7f0000038000,
        "two targets clip the gaps to themselves (%zu gaps)", gaps.count);
  struct vaoci_span none[] = {{0x7f0000000000, 0x7f0000020000}};
  collect(none, 1);
  CHECK(gaps.count == 0, "a fully mapped target has no gaps");
}

static void test_targets(void) {
  struct vaoci_window w;
  vaoci_window_parse("i386", &w, NULL);
  struct vaoci_span out[VAOCI_TARGETS_MAX];
  struct vaoci_span keep = {0x7ffff0000000 - (9ull << 20), 0x7ffff0021000};
  size_t n = vaoci_targets(&w, 0x1000, (1ull << 47) - 4096, keep, out);
  CHECK(n == 2 && out[0].start == 1ull << 32 && out[0].end == keep.start && out[1].start == keep.end &&
            out[1].end == (1ull << 47) - 4096,
        "the stack's keep zone is cut out of the i386 complement (%zu spans)", n);
}

static int count_vma(void *ctx, const struct vaoci_vma *v) {
  (void)v;
  ++*(int *)ctx;
  return 0;
}

static void test_bad_text(void) {
  vaoci_error_t err = {0};
  int seen = 0;
  const char bad[] = "1000-2000 r--p 00000000 00:00 0\ngarbage\n";
  int r = vaoci_maps_parse_text(bad, sizeof bad - 1, count_vma, &seen, &err);
  CHECK(r < 0 && seen == 1 && strstr(err.msg, "line 2"), "a malformed line is reported with its number: %s", err.msg);
  seen = 0;
  r = vaoci_maps_parse_text(maps, sizeof maps - 1, count_vma, &seen, &err);
  CHECK(r == 0 && seen == 7, "every line of a good text is visited (%d)", seen);
}

int main(void) {
  test_lines();
  test_gap_walk();
  test_targets();
  test_bad_text();
  return check_summary("test_maps");
}
