/* verify: classify a live process's address space against a window. */
#include <getopt.h>
#include "tool.h"

static struct vaoci_verify_report report;

int cmd_verify(struct tool_ctx *ctx, int argc, char **argv) {
  static const struct option longopts[] = {
      {"pid", required_argument, 0, 'p'}, {"va-limit", required_argument, 0, 'w'}, {0, 0, 0, 0}};
  const char *window = NULL;
  long pid = 0;
  vaoci_error_t err;
  int c;
  tool_begin(ctx);
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'p' && tool_parse_count("--pid", optarg, 1 << 30, &pid, &err) < 0)
      return tool_fail(ctx, &err);
    if (c == 'w')
      window = optarg;
    if (c == '?') {
      vaoci_make_error(&err, VAOCI_E_INVALID, 0, "verify: flag `%s`: expected --pid or --va-limit", argv[optind - 1]);
      return tool_fail(ctx, &err);
    }
  }
  struct vaoci_window win;
  if (!pid) {
    vaoci_make_error(&err, VAOCI_E_INVALID, 0, "--pid: missing; expected the process id to verify");
    return tool_fail(ctx, &err);
  }
  if (tool_parse_window(window, &win, &err) < 0)
    return tool_fail(ctx, &err);
  if (vaoci_verify_pid((int)pid, &win, &report, &err) < 0)
    return tool_fail(ctx, &err);
  if (ctx->json) {
    tool_json_window(&ctx->jw, "window", &win);
    tool_json_verify(&ctx->jw, &report);
  } else {
    char text[VAOCI_WINDOW_TEXT_MAX];
    vaoci_window_format(&win, text, sizeof text);
    printf("vaoci-reserve verify pid %ld against %s: %s\n", pid, text, report.holds ? "holds" : "DOES NOT HOLD");
    tool_print_verify(stdout, &report);
  }
  return tool_finish(ctx, report.holds);
}
