/* Report plumbing shared by the commands: the JSON envelope, errors, and the
 * parts (window, stats, verify) more than one command prints. */
#include <stdlib.h>
#include "tool.h"

void tool_begin(struct tool_ctx *ctx) {
  if (!ctx->json)
    return;
  jw_begin(&ctx->jw, stdout);
  jw_str(&ctx->jw, "tool", "vaoci-reserve");
  jw_str(&ctx->jw, "command", ctx->command);
#if defined(__x86_64__)
  jw_str(&ctx->jw, "arch", "x86_64");
#else
  jw_str(&ctx->jw, "arch", "aarch64");
#endif
}

static int exit_code_for(int status) { return status == VAOCI_E_INVALID ? EXIT_BAD_INPUT : EXIT_CHECK_FAILED; }

int tool_fail(struct tool_ctx *ctx, const vaoci_error_t *err) {
  fprintf(stderr, "vaoci-reserve %s: %s\n", ctx->command, err->msg);
  if (ctx->json) {
    jw_bool(&ctx->jw, "ok", 0);
    jw_object(&ctx->jw, "error");
    jw_str(&ctx->jw, "status", vaoci_status_name(err->status));
    jw_str(&ctx->jw, "message", err->msg);
    jw_close(&ctx->jw, '}');
    jw_end(&ctx->jw);
  }
  return exit_code_for(err->status);
}

int tool_finish(struct tool_ctx *ctx, int ok) {
  if (ctx->json) {
    jw_bool(&ctx->jw, "ok", ok);
    jw_end(&ctx->jw);
  }
  return ok ? EXIT_OK : EXIT_CHECK_FAILED;
}

int tool_parse_window(const char *text, struct vaoci_window *w, vaoci_error_t *err) {
  if (!text)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "--va-limit: missing; expected x86_64, i386 or 0xLOWER-0xUPPER");
  return vaoci_window_parse(text, w, err);
}

int tool_parse_count(const char *flag, const char *text, long max, long *out, vaoci_error_t *err) {
  char *end;
  long v = strtol(text, &end, 10);
  if (!*text || *end || v < 1 || v > max)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s `%s`: expected a whole number from 1 to %ld", flag, text, max);
  *out = v;
  return 0;
}

void tool_json_window(struct jw *w, const char *key, const struct vaoci_window *win) {
  char text[VAOCI_WINDOW_TEXT_MAX];
  vaoci_window_format(win, text, sizeof text);
  jw_object(w, key);
  jw_str(w, "text", text);
  jw_hex(w, "lower", win->lower);
  jw_hex(w, "upper", win->upper);
  jw_bool(w, "wraps", vaoci_window_wraps(win));
  jw_close(w, '}');
}

void tool_json_stats(struct jw *w, const char *key, const struct vaoci_reserve_stats *s) {
  jw_object(w, key);
  jw_str(w, "algorithm", vaoci_algo_name(s->algo_used));
  jw_u64(w, "bytes", s->bytes);
  jw_u64(w, "regions", s->regions);
  jw_u64(w, "syscalls", s->syscalls);
  jw_u64(w, "nanoseconds", s->nanoseconds);
  jw_close(w, '}');
}

static void json_spans(struct jw *w, const char *key, const struct vaoci_span *s, size_t n) {
  jw_array(w, key);
  for (size_t i = 0; i < n; i++) {
    jw_object(w, NULL);
    jw_hex(w, "start", s[i].start);
    jw_hex(w, "end", s[i].end);
    jw_close(w, '}');
  }
  jw_close(w, ']');
}

static void json_vmas(struct jw *w, const char *key, const struct vaoci_vma *v, size_t n) {
  jw_array(w, key);
  for (size_t i = 0; i < n; i++) {
    jw_object(w, NULL);
    jw_hex(w, "start", v[i].start);
    jw_hex(w, "end", v[i].end);
    jw_str(w, "perms", v[i].perms);
    jw_str(w, "name", v[i].name);
    jw_close(w, '}');
  }
  jw_close(w, ']');
}

void tool_json_verify(struct jw *w, const struct vaoci_verify_report *r) {
  jw_object(w, "verify");
  jw_i64(w, "pid", r->pid);
  jw_bool(w, "holds", r->holds);
  jw_hex(w, "floor", r->floor);
  jw_hex(w, "task_size", r->task_size);
  jw_object(w, "reserved");
  jw_u64(w, "bytes", r->reserved_bytes);
  jw_u64(w, "regions", r->reserved_regions);
  jw_close(w, '}');
  jw_object(w, "mapped");
  jw_u64(w, "bytes", r->mapped_bytes);
  jw_u64(w, "regions", r->mapped_regions);
  json_vmas(w, "list", r->mapped_list, r->nmapped_listed);
  jw_close(w, '}');
  jw_object(w, "free");
  jw_u64(w, "bytes", r->free_bytes);
  jw_u64(w, "regions", r->free_regions);
  json_spans(w, "list", r->free_list, r->nfree_listed);
  jw_close(w, '}');
  jw_u64(w, "stack_keep_bytes", r->stack_keep_bytes);
  jw_num(w, "coverage", r->coverage);
  jw_close(w, '}');
}

void tool_print_verify(FILE *f, const struct vaoci_verify_report *r) {
  fprintf(f, "  outside the window: %.1f GiB reserved in %llu regions, %llu live mappings (%.1f MiB)\n",
          (double)r->reserved_bytes / (1 << 30), (unsigned long long)r->reserved_regions,
          (unsigned long long)r->mapped_regions, (double)r->mapped_bytes / (1 << 20));
  fprintf(f, "  free outside the window: %llu bytes in %llu gaps (coverage %.6f%%), %.0f MiB kept for stack growth\n",
          (unsigned long long)r->free_bytes, (unsigned long long)r->free_regions, r->coverage * 100,
          (double)r->stack_keep_bytes / (1 << 20));
  for (size_t i = 0; i < r->nfree_listed; i++)
    fprintf(f, "    free: 0x%llx-0x%llx\n", (unsigned long long)r->free_list[i].start,
            (unsigned long long)r->free_list[i].end);
}
