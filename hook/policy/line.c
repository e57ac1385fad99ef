/* Problem lines: `KEY: value "VALUE" — expected WHAT`, byte for byte as
 * cli/src/lib/policy/line.ts writes them. */
#include "line.h"

#include <stdio.h>
#include <string.h>

/* out is a bounded string builder that always NUL-terminates. */
struct out {
  char *buf;
  size_t size, len;
};

static void put(struct out *o, const char *s, size_t n) {
  for (size_t i = 0; i < n && o->len + 1 < o->size; i++)
    o->buf[o->len++] = s[i];
  o->buf[o->len] = 0;
}

static void puts_(struct out *o, const char *s) { put(o, s, strlen(s)); }

/* code_points counts UTF-8 code points (bytes that are not continuation bytes). */
static size_t code_points(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += ((unsigned char)*s & 0xc0) != 0x80;
  return n;
}

static const char *short_escape(unsigned char c) {
  switch (c) {
  case '\b': return "\\b";
  case '\t': return "\\t";
  case '\n': return "\\n";
  case '\f': return "\\f";
  case '\r': return "\\r";
  default: return NULL;
  }
}

/* put_escaped writes s as inside a JSON string (see line.ts escape), cut to
 * max code points: the first max-1 and "…" when longer. */
static void put_escaped(struct out *o, const char *s, size_t max) {
  size_t keep = code_points(s) > max ? max - 1 : (size_t)-1, seen = 0;
  for (const char *p = s; *p; p++) {
    unsigned char c = (unsigned char)*p;
    if ((c & 0xc0) != 0x80 && seen++ == keep)
      break;
    char esc[8];
    if (c == '"' || c == '\\')
      snprintf(esc, sizeof esc, "\\%c", c);
    else if (c >= 0x20)
      snprintf(esc, sizeof esc, "%c", c);
    else if (short_escape(c))
      snprintf(esc, sizeof esc, "%s", short_escape(c));
    else
      snprintf(esc, sizeof esc, "\\u%04x", c);
    puts_(o, esc);
  }
  if (seen > keep)
    puts_(o, "\xe2\x80\xa6"); /* … */
}

static const char *type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_OBJECT: return "object";
  case JSON_ARRAY: return "array";
  case JSON_STRING: return "string";
  case JSON_INTEGER:
  case JSON_REAL: return "number";
  case JSON_TRUE:
  case JSON_FALSE: return "boolean";
  default: return "null";
  }
}

static void line(char *buf, size_t size, const char *key, const char *text, const json_t *value, const char *expected) {
  struct out o = {buf, size, 0};
  put_escaped(&o, key, VAOCI_LINE_KEY_MAX);
  if (text) {
    puts_(&o, ": value \"");
    put_escaped(&o, text, VAOCI_LINE_VALUE_MAX);
    puts_(&o, "\"");
  } else {
    puts_(&o, ": value of type ");
    puts_(&o, type_name(value));
  }
  puts_(&o, " \xe2\x80\x94 expected "); /* — */
  puts_(&o, expected);
}

void vaoci_line_problem(char *buf, size_t size, const char *key, const json_t *value, const char *expected) {
  line(buf, size, key, json_is_string(value) ? json_string_value(value) : NULL, value, expected);
}

void vaoci_line_problem_text(char *buf, size_t size, const char *key, const char *value, const char *expected) {
  line(buf, size, key, value, NULL, expected);
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* distance is the Levenshtein distance of lower-cased a[0..la) and b. */
static int distance(const char *a, size_t la, const char *b) {
  size_t lb = strlen(b);
  int prev[VAOCI_LINE_SUGGEST_MAX + 2], row[VAOCI_LINE_SUGGEST_MAX + 2];
  if (lb > VAOCI_LINE_SUGGEST_MAX)
    return 99;
  for (size_t j = 0; j <= lb; j++)
    prev[j] = (int)j;
  for (size_t i = 1; i <= la; i++) {
    row[0] = (int)i;
    for (size_t j = 1; j <= lb; j++) {
      int sub = prev[j - 1] + (lower(a[i - 1]) != lower(b[j - 1]));
      int del = prev[j] + 1, ins = row[j - 1] + 1;
      row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
    }
    memcpy(prev, row, sizeof prev);
  }
  return prev[lb];
}

static int begins(const char *candidate, const char *text, size_t len) {
  if (strlen(candidate) < len)
    return 0;
  for (size_t i = 0; i < len; i++)
    if (lower(candidate[i]) != lower(text[i]))
      return 0;
  return 1;
}

const char *vaoci_line_closest(const char *text, size_t len, const char *const *candidates, int count) {
  if (len > VAOCI_LINE_SUGGEST_MAX)
    return NULL;
  for (size_t i = 0; i < len; i++)
    if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] > 0x7e)
      return NULL;
  if (len >= VAOCI_LINE_PREFIX_MIN)
    for (int i = 0; i < count; i++)
      if (begins(candidates[i], text, len))
        return candidates[i];
  const char *best = NULL;
  int best_distance = 3;
  for (int i = 0; i < count; i++) {
    int d = distance(text, len, candidates[i]);
    if (d < best_distance)
      best = candidates[i], best_distance = d;
  }
  return best;
}

void vaoci_problems_add(struct vaoci_problems *p, const char *text) {
  if (p->count == VAOCI_POLICY_PROBLEMS_MAX) {
    p->dropped++;
    return;
  }
  snprintf(p->lines[p->count++], VAOCI_POLICY_LINE_MAX, "%s", text);
}
