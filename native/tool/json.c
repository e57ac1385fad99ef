#include "json.h"
#include <math.h>

static void sep(struct jw *w, const char *key) {
  if (w->need_comma[w->depth])
    fputc(',', w->f);
  w->need_comma[w->depth] = 1;
  if (key)
    fprintf(w->f, "\"%s\":", key); /* keys are vaoci's own literals */
}

static void open_bracket(struct jw *w, const char *key, char c) {
  sep(w, key);
  fputc(c, w->f);
  w->need_comma[++w->depth] = 0;
}

void jw_begin(struct jw *w, FILE *f) {
  w->f = f;
  w->depth = 0;
  w->need_comma[0] = 0;
  fputc('{', f);
  w->need_comma[++w->depth] = 0;
}

void jw_end(struct jw *w) {
  fputs("}\n", w->f);
  w->depth = 0;
}

void jw_object(struct jw *w, const char *key) { open_bracket(w, key, '{'); }
void jw_array(struct jw *w, const char *key) { open_bracket(w, key, '['); }

void jw_close(struct jw *w, char bracket) {
  fputc(bracket, w->f);
  w->depth--;
}

void jw_str(struct jw *w, const char *key, const char *value) {
  sep(w, key);
  if (!value) {
    fputs("null", w->f);
    return;
  }
  fputc('"', w->f);
  for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
    if (*p == '"' || *p == '\\')
      fprintf(w->f, "\\%c", *p);
    else if (*p < 0x20 || *p >= 0x80) /* control bytes; and raw bytes, since names need not be UTF-8 */
      fprintf(w->f, "\\u%04x", *p);
    else
      fputc(*p, w->f);
  }
  fputc('"', w->f);
}

void jw_u64(struct jw *w, const char *key, uint64_t value) {
  sep(w, key);
  fprintf(w->f, "%llu", (unsigned long long)value);
}

void jw_i64(struct jw *w, const char *key, int64_t value) {
  sep(w, key);
  fprintf(w->f, "%lld", (long long)value);
}

void jw_num(struct jw *w, const char *key, double value) {
  sep(w, key);
  if (isfinite(value))
    fprintf(w->f, "%.12g", value);
  else
    fputs("null", w->f); /* JSON has no inf or nan */
}

void jw_bool(struct jw *w, const char *key, int value) {
  sep(w, key);
  fputs(value ? "true" : "false", w->f);
}

void jw_hex(struct jw *w, const char *key, uint64_t value) {
  sep(w, key);
  fprintf(w->f, "\"0x%llx\"", (unsigned long long)value);
}
