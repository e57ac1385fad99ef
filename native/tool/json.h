/* A tiny streaming JSON writer for the tool's reports (one object per run). */
#ifndef VAOCI_TOOL_JSON_H
#define VAOCI_TOOL_JSON_H

#include <stdint.h>
#include <stdio.h>

struct jw {
  FILE *f;
  int depth;
  int need_comma[16];
};

void jw_begin(struct jw *w, FILE *f);
void jw_end(struct jw *w); /* closes the top object and prints a newline */
void jw_object(struct jw *w, const char *key); /* key NULL inside arrays */
void jw_array(struct jw *w, const char *key);
void jw_close(struct jw *w, char bracket);
void jw_str(struct jw *w, const char *key, const char *value); /* value NULL prints null */
void jw_u64(struct jw *w, const char *key, uint64_t value);
void jw_i64(struct jw *w, const char *key, int64_t value);
void jw_num(struct jw *w, const char *key, double value); /* null when not finite */
void jw_bool(struct jw *w, const char *key, int value);
void jw_hex(struct jw *w, const char *key, uint64_t value); /* "0x..." string: JS numbers stop at 2^53 */

#endif
