/* Window grammar and complement arithmetic. */
#include <string.h>
#include "check.h"
#include "vaoci/window.h"

struct parse_case {
  const char *desc, *text;
  int ok;
  uint64_t lower, upper;
};

static const struct parse_case parse_cases[] = {
    {"x86_64 preset", "x86_64", 1, 0, 1ull << 47},
    {"i386 preset", "i386", 1, 0, 1ull << 32},
    {"custom 40-bit", "0x10000-0x10000000000", 1, 0x10000, 1ull << 40},
    {"wrap-around", "0x200000000000-0x10000000000", 1, 1ull << 45, 1ull << 40},
    {"upper-case hex", "0X10000-0XFFFFF000", 1, 0x10000, 0xfffff000},
    {"empty text", "", 0, 0, 0},
    {"unknown preset", "arm64", 0, 0, 0},
    {"missing upper", "0x1000-", 0, 0, 0},
    {"no 0x prefix", "1000-2000", 0, 0, 0},
    {"equal bounds", "0x1000-0x1000", 0, 0, 0},
    {"unaligned", "0x1001-0x2000", 0, 0, 0},
    {"17 hex digits", "0x10000000000000000-0x1000", 0, 0, 0},
    {"trailing junk", "0x1000-0x2000x", 0, 0, 0},
    {"space", "0x1000 - 0x2000", 0, 0, 0},
};

static void test_parse(void) {
  for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
    const struct parse_case *c = &parse_cases[i];
    struct vaoci_window w;
    vaoci_error_t err = {0};
    int r = vaoci_window_parse(c->text, &w, &err);
    CHECK((r == 0) == c->ok, "%s: parse `%s` returned %d (%s)", c->desc, c->text, r, err.msg);
    if (c->ok && r == 0)
      CHECK(w.lower == c->lower && w.upper == c->upper, "%s: bounds 0x%lx-0x%lx", c->desc, (unsigned long)w.lower,
            (unsigned long)w.upper);
    if (!c->ok)
      CHECK(err.status == VAOCI_E_INVALID && strstr(err.msg, "va-limit") && strstr(err.msg, "expected"),
            "%s: error names the key and what was expected: %s", c->desc, err.msg);
  }
}

static void test_format_roundtrip(void) {
  const char *texts[] = {"x86_64", "i386", "0x10000-0x10000000000", "0x200000000000-0x10000000000"};
  for (size_t i = 0; i < 4; i++) {
    struct vaoci_window w;
    char out[VAOCI_WINDOW_TEXT_MAX];
    vaoci_window_parse(texts[i], &w, NULL);
    vaoci_window_format(&w, out, sizeof out);
    CHECK(strcmp(out, texts[i]) == 0, "format round trip: `%s` became `%s`", texts[i], out);
  }
}

struct comp_case {
  const char *desc, *text;
  int n;
  struct vaoci_span spans[2];
};

#define FLOOR 0x10000ull
#define CEIL ((1ull << 48))
static const struct comp_case comp_cases[] = {
    {"i386 on 48-bit", "i386", 1, {{1ull << 32, CEIL}}},
    {"x86_64 on 48-bit", "x86_64", 1, {{1ull << 47, CEIL}}},
    {"custom with a floor gap", "0x100000-0x10000000000", 2, {{FLOOR, 0x100000}, {1ull << 40, CEIL}}},
    {"wrap-around reserves the hole", "0x200000000000-0x10000000000", 1, {{1ull << 40, 1ull << 45}}},
    {"window above the ceiling", "0x10000-0x2000000000000", 0, {{0, 0}}},
};

static void test_complement(void) {
  for (size_t i = 0; i < sizeof comp_cases / sizeof comp_cases[0]; i++) {
    const struct comp_case *c = &comp_cases[i];
    struct vaoci_window w;
    struct vaoci_span out[2];
    vaoci_window_parse(c->text, &w, NULL);
    int n = vaoci_window_complement(&w, FLOOR, CEIL, out);
    CHECK(n == c->n, "%s: %d spans, want %d", c->desc, n, c->n);
    for (int k = 0; k < n && k < c->n; k++)
      CHECK(out[k].start == c->spans[k].start && out[k].end == c->spans[k].end, "%s: span %d is 0x%lx-0x%lx", c->desc,
            k, (unsigned long)out[k].start, (unsigned long)out[k].end);
  }
}

static void test_contains(void) {
  struct vaoci_window i386, wrap;
  vaoci_window_parse("i386", &i386, NULL);
  vaoci_window_parse("0x200000000000-0x10000000000", &wrap, NULL);
  CHECK(vaoci_window_contains(&i386, 0x1000, 0x100000000), "i386 holds its last byte");
  CHECK(!vaoci_window_contains(&i386, 0xfffff000, 0x100001000), "i386 refuses a span crossing 4 GiB");
  CHECK(vaoci_window_contains(&wrap, 0x1000, 0x2000), "wrap holds low addresses");
  CHECK(vaoci_window_contains(&wrap, 1ull << 46, (1ull << 46) + 4096), "wrap holds addresses above the hole");
  CHECK(!vaoci_window_contains(&wrap, 1ull << 41, (1ull << 41) + 4096), "wrap refuses the hole");
}

int main(void) {
  test_parse();
  test_format_roundtrip();
  test_complement();
  test_contains();
  return check_summary("test_window");
}
