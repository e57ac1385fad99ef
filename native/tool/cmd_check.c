/* check: reserve the window's complement in this process, then sample where
 * the kernel puts new memory and verify /proc/self/maps. */
#include <getopt.h>
#include <string.h>
#include "sample.h"
#include "tool.h"

struct check_opts {
  const char *window;
  const char *algo;
  long samples;
};

static struct vaoci_reservation reservation;
static struct vaoci_verify_report report;

static int parse_opts(int argc, char **argv, struct check_opts *o, vaoci_error_t *err) {
  static const struct option longopts[] = {{"va-limit", required_argument, 0, 'w'},
                                           {"algo", required_argument, 0, 'a'},
                                           {"samples", required_argument, 0, 'n'},
                                           {0, 0, 0, 0}};
  o->samples = 1000;
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'w')
      o->window = optarg;
    else if (c == 'a')
      o->algo = optarg;
    else if (c == 'n' && tool_parse_count("--samples", optarg, 1000000, &o->samples, err) < 0)
      return -1;
    else if (c == '?')
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "check: flag `%s`: expected --va-limit, --algo or --samples",
                              argv[optind - 1]);
  }
  return 0;
}

static void print_human(const struct sample_result *s, int n, int ok) {
  const struct vaoci_reserve_stats *st = &reservation.stats;
  char text[VAOCI_WINDOW_TEXT_MAX];
  vaoci_window_format(&reservation.window, text, sizeof text);
  printf("vaoci-reserve check %s: %s\n", text, ok ? "holds" : "FAILED");
  printf("  reserved %.1f GiB in %llu regions with %s: %.1f us, %llu syscalls\n", (double)st->bytes / (1 << 30),
         (unsigned long long)st->regions, vaoci_algo_name(st->algo_used), (double)st->nanoseconds / 1000,
         (unsigned long long)st->syscalls);
  for (int k = 0; k < n; k++)
    printf("  %-9s %6ld sampled, %ld outside%s%s\n", s[k].kind, s[k].count, s[k].outside,
           s[k].refused ? " (some refused: window full)" : "", s[k].outside ? "  <-- outside the window" : "");
  tool_print_verify(stdout, &report);
  printf("  note: LD_PRELOAD reaches dynamically linked programs only; static ones need vaoci's launcher\n");
}

static void print_json(struct tool_ctx *ctx, const struct sample_result *s, int n) {
  struct jw *w = &ctx->jw;
  tool_json_window(w, "window", &reservation.window);
  tool_json_stats(w, "reservation", &reservation.stats);
  jw_array(w, "samples");
  for (int k = 0; k < n; k++) {
    jw_object(w, NULL);
    jw_str(w, "kind", s[k].kind);
    jw_i64(w, "count", s[k].count);
    jw_i64(w, "outside", s[k].outside);
    jw_i64(w, "refused", s[k].refused);
    if (s[k].outside)
      jw_hex(w, "first_outside", s[k].first_outside);
    else
      jw_str(w, "first_outside", NULL);
    jw_close(w, '}');
  }
  jw_close(w, ']');
  tool_json_verify(w, &report);
}

int cmd_check(struct tool_ctx *ctx, int argc, char **argv) {
  struct check_opts o = {0};
  struct vaoci_window win;
  enum vaoci_algo algo = VAOCI_ALGO_DEFAULT;
  vaoci_error_t err;
  tool_begin(ctx);
  if (parse_opts(argc, argv, &o, &err) < 0 || tool_parse_window(o.window, &win, &err) < 0 ||
      (o.algo && vaoci_algo_parse(o.algo, &algo, &err) < 0))
    return tool_fail(ctx, &err);
  if (vaoci_reserve(&win, algo, &reservation, &err) < 0)
    return tool_fail(ctx, &err);
  struct sample_result samples[SAMPLE_KINDS];
  int n = sample_all(&reservation, o.samples, samples);
  if (vaoci_verify_pid(0, &win, &report, &err) < 0)
    return tool_fail(ctx, &err);
  int ok = report.holds && n == SAMPLE_KINDS;
  for (int k = 0; k < n; k++)
    ok = ok && samples[k].outside == 0 && samples[k].count > 0;
  if (ctx->json)
    print_json(ctx, samples, n);
  else
    print_human(samples, n, ok);
  return tool_finish(ctx, ok);
}
