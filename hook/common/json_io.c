/* JSON in and out of config.json without losing anything jansson cannot
 * hold: integers beyond int64 (rlimits of 2^64-1) are carried as strings
 * "\u0000vaoci-int-NONCE:DIGITS" and written back as bare numbers. The nonce
 * is random per process, so no string in the input can pass for a marker. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "util.h"

static char marker[48]; /* "\\u0000vaoci-int-NONCE:" once a big integer was seen */

static int big_integer(const char *tok, size_t n) {
  char buf[64];
  if (n >= sizeof buf || memchr(tok, '.', n) || memchr(tok, 'e', n) || memchr(tok, 'E', n))
    return 0;
  memcpy(buf, tok, n);
  buf[n] = 0;
  errno = 0;
  (void)strtoll(buf, NULL, 10);
  return errno == ERANGE;
}

/* protect copies text, turning integers jansson cannot hold into marked strings. */
static char *protect(const char *text, size_t len, size_t *out_len) {
  if (!marker[0]) {
    unsigned long long r = 0;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != sizeof r)
      r = (unsigned long long)getpid() * 0x9e3779b97f4a7c15ull;
    snprintf(marker, sizeof marker, "\\u0000vaoci-int-%016llx:", r);
  }
  size_t cap = len * 3 + 64, n = 0;
  char *out = malloc(cap);
  int in_string = 0;
  for (size_t i = 0; out && i < len;) {
    char c = text[i];
    if (in_string || c == '"') {
      if (in_string && c == '\\' && i + 1 < len)
        out[n++] = text[i++];
      else if (c == '"')
        in_string = !in_string;
      out[n++] = text[i++];
      continue;
    }
    size_t j = i;
    while (j < len && strchr("-+0123456789.eE", text[j]) && text[j])
      j++;
    if (j == i || !big_integer(text + i, j - i)) {
      memcpy(out + n, text + i, j == i ? 1 : j - i);
      n += j == i ? 1 : j - i;
      i = j == i ? i + 1 : j;
      continue;
    }
    if (n + (j - i) + strlen(marker) + 3 > cap) {
      char *bigger = realloc(out, cap = cap * 2 + (j - i) + 64);
      if (!bigger)
        return free(out), NULL;
      out = bigger;
    }
    n += (size_t)sprintf(out + n, "\"%s%.*s\"", marker, (int)(j - i), text + i);
    i = j;
  }
  *out_len = n;
  return out;
}

json_t *vaoci_json_load(const char *text, size_t len, vaoci_error_t *err) {
  json_error_t je;
  json_t *doc = json_loadb(text, len, JSON_ALLOW_NUL, &je);
  if (doc || !strstr(je.text, "too big"))
    return doc ? doc : (vaoci_make_error(err, VAOCI_E_INVALID, 0, "parse: %s at line %d", je.text, je.line), NULL);
  size_t plen;
  cleanup_free char *safe = protect(text, len, &plen);
  if (!safe)
    return vaoci_make_error(err, VAOCI_E_NOMEM, ENOMEM, "parse: out of memory"), NULL;
  doc = json_loadb(safe, plen, JSON_ALLOW_NUL, &je);
  if (!doc)
    vaoci_make_error(err, VAOCI_E_INVALID, 0, "parse: %s at line %d", je.text, je.line);
  return doc;
}

/* restore turns every "MARKERDIGITS" back into DIGITS, in place. */
static size_t restore(char *s, size_t len) {
  size_t mlen = strlen(marker), w = 0;
  for (size_t r = 0; r < len;) {
    if (s[r] == '"' && r + 1 + mlen <= len && !memcmp(s + r + 1, marker, mlen)) {
      r += 1 + mlen;
      while (r < len && s[r] != '"')
        s[w++] = s[r++];
      r++; /* the closing quote */
      continue;
    }
    s[w++] = s[r++];
  }
  s[w] = 0;
  return w;
}

char *vaoci_json_dump(const json_t *doc, size_t *len) {
  char *s = json_dumps(doc, JSON_INDENT(2));
  if (!s)
    return NULL;
  size_t n = strlen(s);
  if (marker[0])
    n = restore(s, n);
  if (len)
    *len = n;
  return s;
}
