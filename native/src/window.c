/* Window grammar: "x86_64" | "i386" | "0xLOWER-0xUPPER". The same grammar is
 * written in schemas/ for the control plane; test vectors keep both agreeing. */
#include "vaoci/window.h"

#define X86_64_UPPER (1ull << 47)
#define I386_UPPER (1ull << 32)
#define WINDOW_ALIGN 4096ull /* every page size Linux uses is a multiple */

static int streq(const char *a, const char *b) {
  while (*a && *a == *b)
    a++, b++;
  return *a == *b;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* parse_hex reads "0x" and 1-16 hex digits from *p, advancing it. */
static int parse_hex(const char **p, uint64_t *out) {
  const char *s = *p;
  if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
    return -1;
  s += 2;
  uint64_t v = 0;
  int n = 0;
  for (; hex_digit(*s) >= 0; s++, n++) {
    if (n == 16)
      return -1;
    v = v << 4 | (uint64_t)hex_digit(*s);
  }
  if (n == 0)
    return -1;
  *out = v;
  *p = s;
  return 0;
}

static int parse_custom(const char *text, struct vaoci_window *out, vaoci_error_t *err) {
  const char *p = text;
  uint64_t lower, upper;
  if (parse_hex(&p, &lower) < 0 || *p++ != '-' || parse_hex(&p, &upper) < 0 || *p)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "va-limit `%s`: expected x86_64, i386 or 0xLOWER-0xUPPER", text);
  if (lower == upper)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "va-limit `%s`: expected LOWER != UPPER (empty window)", text);
  if ((lower | upper) % WINDOW_ALIGN)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "va-limit `%s`: expected 4096-aligned bounds", text);
  out->kind = VAOCI_WINDOW_CUSTOM;
  out->lower = lower;
  out->upper = upper;
  return 0;
}

int vaoci_window_parse(const char *text, struct vaoci_window *out, vaoci_error_t *err) {
  if (!text || !*text)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "va-limit ``: expected x86_64, i386 or 0xLOWER-0xUPPER");
  if (streq(text, "x86_64")) {
    *out = (struct vaoci_window){VAOCI_WINDOW_X86_64, 0, X86_64_UPPER};
    return 0;
  }
  if (streq(text, "i386")) {
    *out = (struct vaoci_window){VAOCI_WINDOW_I386, 0, I386_UPPER};
    return 0;
  }
  return parse_custom(text, out, err);
}

void vaoci_window_format(const struct vaoci_window *w, char *buf, unsigned long size) {
  if (w->kind == VAOCI_WINDOW_X86_64)
    vaoci_formatf(buf, size, "x86_64");
  else if (w->kind == VAOCI_WINDOW_I386)
    vaoci_formatf(buf, size, "i386");
  else
    vaoci_formatf(buf, size, "0x%lx-0x%lx", (unsigned long)w->lower, (unsigned long)w->upper);
}

int vaoci_window_contains(const struct vaoci_window *w, uint64_t start, uint64_t end) {
  if (!vaoci_window_wraps(w))
    return start >= w->lower && end <= w->upper;
  return end <= w->upper || start >= w->lower; /* outside the hole [upper, lower) */
}

static int clip(uint64_t start, uint64_t end, uint64_t floor, uint64_t ceiling, struct vaoci_span *out) {
  if (start < floor)
    start = floor;
  if (end > ceiling)
    end = ceiling;
  if (start >= end)
    return 0;
  out->start = start;
  out->end = end;
  return 1;
}

int vaoci_window_complement(const struct vaoci_window *w, uint64_t floor, uint64_t ceiling, struct vaoci_span out[2]) {
  int n = 0;
  if (vaoci_window_wraps(w))
    return clip(w->upper, w->lower, floor, ceiling, &out[0]);
  n += clip(0, w->lower, floor, ceiling, &out[n]);
  n += clip(w->upper, UINT64_MAX, floor, ceiling, &out[n]);
  return n;
}
