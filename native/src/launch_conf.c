/* launch.conf (vaoci/launch_conf.h). Freestanding, no libc call (not even
 * one the compiler would make of a loop): vaoci-launch has no libc. */
#include "vaoci/launch_conf.h"

static const char *const keys[] = {"emulator", "va-limit", "on-error", "algo"};

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

/* trim narrows [*s, *e) to its non-blank middle. */
static void trim(const char **s, const char **e) {
  while (*s < *e && is_space(**s))
    (*s)++;
  while (*e > *s && is_space((*e)[-1]))
    (*e)--;
}

/* key_is: [s, e) is exactly key. */
static int key_is(const char *s, const char *e, const char *key) {
  for (; s < e && *key; s++, key++)
    if (*s != *key)
      return 0;
  return s == e && !*key;
}

/* field picks the buffer a key's value goes to. */
static char *field(struct vaoci_launch_conf *c, int key, size_t *size) {
  switch (key) {
  case 0: *size = sizeof c->emulator; return c->emulator;
  case 1: *size = sizeof c->va_limit; return c->va_limit;
  case 2: *size = sizeof c->on_error; return c->on_error;
  default: *size = sizeof c->algo; return c->algo;
  }
}

static int parse_line(const char *s, const char *e, const char *name, int line, struct vaoci_launch_conf *c,
                      vaoci_error_t *err) {
  trim(&s, &e);
  if (s == e || *s == '#')
    return 0;
  const char *eq = s;
  while (eq < e && *eq != '=')
    eq++;
  if (eq == e)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s line %d: expected `key = value`", name, line);
  const char *ks = s, *ke = eq, *vs = eq + 1, *ve = e;
  trim(&ks, &ke);
  trim(&vs, &ve);
  for (int k = 0; k < (int)(sizeof keys / sizeof keys[0]); k++) {
    if (!key_is(ks, ke, keys[k]))
      continue;
    size_t size;
    char *dst = field(c, k, &size);
    if ((size_t)(ve - vs) + 1 > size || ve == vs)
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s line %d: %s: expected a value of 1-%zu characters", name,
                              line, keys[k], size - 1);
    size_t n = (size_t)(ve - vs);
    for (size_t i = 0; i < n; i++)
      dst[i] = vs[i];
    dst[n] = '\0';
    return 0;
  }
  char key[32];
  size_t n = (size_t)(ke - ks) < sizeof key - 1 ? (size_t)(ke - ks) : sizeof key - 1;
  for (size_t i = 0; i < n; i++)
    key[i] = ks[i];
  key[n] = '\0';
  return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                          "%s line %d: unknown key `%s`: expected emulator, va-limit, on-error or algo", name, line,
                          key);
}

int vaoci_launch_conf_parse(const char *text, size_t len, const char *name, struct vaoci_launch_conf *c,
                            vaoci_error_t *err) {
  c->emulator[0] = c->va_limit[0] = c->on_error[0] = c->algo[0] = '\0';
  int line = 1;
  for (const char *s = text, *end = text + len; s < end; line++) {
    const char *e = s;
    while (e < end && *e != '\n')
      e++;
    int r = parse_line(s, e, name, line, c, err);
    if (r < 0)
      return r;
    s = e + 1;
  }
  if (!c->emulator[0])
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s: emulator: missing; expected `emulator = /path/to/emulator`",
                            name);
  if (c->emulator[0] != '/')
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s: emulator `%s`: expected an absolute path", name, c->emulator);
  return 0;
}
