/* vaoci-reserve: one file per command; main() dispatches and owns exit codes. */
#ifndef VAOCI_TOOL_H
#define VAOCI_TOOL_H

#include <stdio.h>
#include "json.h"
#include "vaoci/error.h"
#include "vaoci/reserve.h"
#include "vaoci/verify.h"

/* Exit codes, the same across vaoci's tools. */
enum { EXIT_OK = 0, EXIT_CHECK_FAILED = 1, EXIT_BAD_INPUT = 2 };

/* tool_ctx is what every command shares: output mode and its JSON writer. */
struct tool_ctx {
  int json;
  const char *command;
  struct jw jw;
};

int cmd_probe(struct tool_ctx *ctx, int argc, char **argv);
int cmd_check(struct tool_ctx *ctx, int argc, char **argv);
int cmd_bench(struct tool_ctx *ctx, int argc, char **argv);
int cmd_verify(struct tool_ctx *ctx, int argc, char **argv);
int cmd_bench_child(int argc, char **argv);

/* tool_begin opens the JSON report ({"tool","command",...}) when --json. */
void tool_begin(struct tool_ctx *ctx);

/* tool_fail reports err (one stderr line; in JSON also ok:false and error)
 * and returns the exit code for its status. */
int tool_fail(struct tool_ctx *ctx, const vaoci_error_t *err);

/* tool_finish closes the JSON report with "ok" and returns the exit code. */
int tool_finish(struct tool_ctx *ctx, int ok);

/* tool_parse_window parses --va-limit, or fails with the flag named. */
int tool_parse_window(const char *text, struct vaoci_window *w, vaoci_error_t *err);

/* tool_json_window / tool_json_verify / tool_json_stats write shared parts. */
void tool_json_window(struct jw *w, const char *key, const struct vaoci_window *win);
void tool_json_verify(struct jw *w, const struct vaoci_verify_report *rep);
void tool_json_stats(struct jw *w, const char *key, const struct vaoci_reserve_stats *s);

/* tool_print_verify prints the human summary of a verify report. */
void tool_print_verify(FILE *f, const struct vaoci_verify_report *rep);

/* tool_parse_count reads a positive integer flag value. */
int tool_parse_count(const char *flag, const char *text, long max, long *out, vaoci_error_t *err);

#endif
