/* probe: what this kernel and process give the reserver. */
#include <sys/utsname.h>
#include "tool.h"
#include "vaoci/probe.h"

static void json_limit(struct jw *w, const char *key, uint64_t v) {
  if (v == UINT64_MAX)
    jw_str(w, key, "unlimited");
  else
    jw_u64(w, key, v);
}

static void print_limit(const char *name, uint64_t v) {
  if (v == UINT64_MAX)
    printf("  %-14s unlimited\n", name);
  else
    printf("  %-14s %llu MiB\n", name, (unsigned long long)(v >> 20));
}

int cmd_probe(struct tool_ctx *ctx, int argc, char **argv) {
  (void)argv;
  vaoci_error_t err;
  tool_begin(ctx);
  if (argc > 1) {
    vaoci_make_error(&err, VAOCI_E_INVALID, 0, "probe: unexpected argument `%s`", argv[1]);
    return tool_fail(ctx, &err);
  }
  struct vaoci_probe p;
  if (vaoci_probe_all(&p, &err) < 0)
    return tool_fail(ctx, &err);
  struct utsname u;
  uname(&u);
  if (ctx->json) {
    struct jw *w = &ctx->jw;
    jw_str(w, "kernel", u.release);
    jw_i64(w, "va_bits", p.va_bits);
    jw_hex(w, "task_size", p.task_size);
    jw_u64(w, "page_size", p.page_size);
    jw_hex(w, "mmap_min_addr", p.mmap_min_addr);
    jw_object(w, "stack");
    jw_hex(w, "start", p.stack_start);
    jw_hex(w, "end", p.stack_end);
    jw_close(w, '}');
    json_limit(w, "rlimit_stack", p.rlimit_stack);
    json_limit(w, "rlimit_as", p.rlimit_as);
    jw_bool(w, "procmap_query", p.procmap_query);
    return tool_finish(ctx, 1);
  }
  printf("vaoci-reserve probe (%s %s)\n", u.machine, u.release);
  printf("  VA bits        %d (user space ends at 0x%llx)\n", p.va_bits, (unsigned long long)p.task_size);
  printf("  page size      %llu\n", (unsigned long long)p.page_size);
  printf("  mmap_min_addr  0x%llx\n", (unsigned long long)p.mmap_min_addr);
  printf("  main stack     0x%llx-0x%llx\n", (unsigned long long)p.stack_start, (unsigned long long)p.stack_end);
  print_limit("RLIMIT_STACK", p.rlimit_stack);
  print_limit("RLIMIT_AS", p.rlimit_as);
  printf("  PROCMAP_QUERY  %s\n", p.procmap_query ? "yes (fast path)" : "no (falls back to maps text)");
  return EXIT_OK;
}
