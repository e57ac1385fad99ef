/* bench: each algorithm, each in fresh processes (static: this tool; dynamic:
 * a dynamically linked program with the preload), interleaved run by run so
 * drift on a noisy machine hits every cell alike. Ratios come from one run.
 * The row `floor` is no algorithm: the same kind of fresh process making only
 * the mappings the default ends up with, at addresses known beforehand
 * (vaoci_reserve_floor; dynamic: libvaoci-bench-floor.so beside the preload).
 * --mappings N: each fresh static process first makes N separate mappings
 * (how the cost grows with a crowded address space).
 * --fixed-addresses: every process loads at the same addresses each run
 * (ADDR_NO_RANDOMIZE). For emulated machines: qemu-system's TCG translates
 * guest code per virtual address, so with ASLR each fresh process pays to
 * translate the preload's code again (measured in the arm64 VM: the same
 * 16-call reservation 2.7-3.6 ms randomized, 0.62-0.67 ms fixed, with the
 * same 8 page faults), a cost no arm64 CPU has and that grows with code
 * size, not with system calls. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>
#include "bench_run.h"
#include "../src/hot.h"
#include "tool.h"

#define MAX_ALGOS 6 /* the five algorithms and the floor */
#define MAX_CELLS (MAX_ALGOS * 2)
#define MAX_MAPPINGS 60000 /* below vm.max_map_count's default, 65530 */

struct bench_opts {
  const char *window, *algos, *dynamic, *preload;
  long runs, mappings;
  int progress; /* print "progress R/N" on stderr after each round */
  int algos_given; /* --algos named the rows (else DEFAULT_ROWS) */
  int fixed_addresses; /* children run with ADDR_NO_RANDOMIZE */
};

#define DEFAULT_ROWS "known,floor,query,gaps,halving,ladder"
#define FLOOR_PRELOAD "libvaoci-bench-floor.so"

struct cell {
  enum vaoci_algo algo;
  int floor; /* the floor row, not algo */
  int dynamic;
  long ok, failed;
  uint64_t *ns, *syscalls;
  struct bench_sample last;
};

static int parse_opts(int argc, char **argv, struct bench_opts *o, vaoci_error_t *err) {
  static const struct option longopts[] = {{"va-limit", required_argument, 0, 'w'},
                                           {"runs", required_argument, 0, 'r'},
                                           {"algos", required_argument, 0, 'a'},
                                           {"dynamic", required_argument, 0, 'd'},
                                           {"preload", required_argument, 0, 'p'},
                                           {"progress", no_argument, 0, 'P'},
                                           {"mappings", required_argument, 0, 'm'},
                                           {"fixed-addresses", no_argument, 0, 'F'},
                                           {0, 0, 0, 0}};
  *o = (struct bench_opts){"i386", DEFAULT_ROWS, "/bin/true", NULL, 200, 0, 0, 0, 0};
  int c;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'w')
      o->window = optarg;
    else if (c == 'a')
      o->algos = optarg, o->algos_given = 1;
    else if (c == 'd')
      o->dynamic = optarg;
    else if (c == 'p')
      o->preload = optarg;
    else if (c == 'P')
      o->progress = 1;
    else if (c == 'F')
      o->fixed_addresses = 1;
    else if (c == 'r' && tool_parse_count("--runs", optarg, 100000, &o->runs, err) < 0)
      return -1;
    else if (c == 'm' && tool_parse_count("--mappings", optarg, MAX_MAPPINGS, &o->mappings, err) < 0)
      return -1;
    else if (c == '?')
      return vaoci_make_error(
          err, VAOCI_E_INVALID, 0,
          "bench: flag `%s`: expected --va-limit, --runs, --algos, --dynamic, --preload, --mappings, "
          "--fixed-addresses or --progress",
          argv[optind - 1]);
  }
  /* The preload reserves in its constructor, before any code of the program could map anything. */
  if (o->mappings && strcmp(o->dynamic, "none") != 0)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "--mappings: static processes only: add --dynamic none");
  return 0;
}

/* beside writes the path of `name` in the directory of `path` into buf, or
 * gives NULL when no readable file is there. */
static const char *beside(const char *path, const char *name, char *buf, size_t size) {
  const char *slash = strrchr(path, '/');
  int dir = slash ? (int)(slash - path + 1) : 0;
  if ((size_t)snprintf(buf, size, "%.*s%s", dir, path, name) >= size)
    return NULL;
  return access(buf, R_OK) == 0 ? buf : NULL;
}

/* default_preload is libvaoci-preload.so beside this binary (build/<arch>/). */
static const char *default_preload(char *buf, size_t size) {
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n < 0)
    return NULL;
  self[n] = '\0';
  return beside(self, "libvaoci-preload.so", buf, size);
}

/* make_cells makes a static and (with dynamic) a dynamic cell per row of
 * --algos. The floor's dynamic cell needs the floor preload: without it the
 * default rows leave that one cell out; --algos floor asks for it and fails. */
static int make_cells(const struct bench_opts *o, int dynamic, const char *floor_preload, struct cell *cells,
                      vaoci_error_t *err) {
  char list[128];
  snprintf(list, sizeof list, "%s", o->algos);
  int n = 0;
  for (char *save, *tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    enum vaoci_algo a = VAOCI_ALGO_DEFAULT;
    int floor = strcmp(tok, "floor") == 0;
    if (!floor && vaoci_algo_parse(tok, &a, err) < 0)
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "--algos: `%s`: expected floor or an algorithm: %s", tok,
                              "known, query, gaps, halving or ladder");
    if (floor && dynamic && !floor_preload && o->algos_given)
      return vaoci_make_error(err, VAOCI_E_INVALID, 0, "--algos floor: %s not found beside the preload", FLOOR_PRELOAD);
    for (int d = 0; d <= dynamic && n < MAX_CELLS; d++) {
      if (floor && d && !floor_preload)
        continue;
      cells[n++] = (struct cell){.algo = a,
                                 .floor = floor,
                                 .dynamic = d,
                                 .ns = calloc((size_t)o->runs, 8),
                                 .syscalls = calloc((size_t)o->runs, 8)};
    }
  }
  return n;
}

static const char *row_name(const struct cell *c) { return c->floor ? "floor" : vaoci_algo_name(c->algo); }

static void run_cell(const struct bench_opts *o, const char *preload, const char *floor_preload, struct cell *c) {
  struct bench_sample s;
  const char *row = row_name(c);
  /* The floor preload replays the default: it is given the default's name (VAOCI_ALGO). */
  int r = c->dynamic ? bench_run_dynamic(o->dynamic, c->floor ? floor_preload : preload, o->window,
                                         vaoci_algo_name(c->algo), &s)
                     : bench_run_static(o->window, row, o->mappings, &s);
  if (r < 0) {
    c->failed++;
    return;
  }
  c->ns[c->ok] = s.nanoseconds;
  c->syscalls[c->ok++] = s.syscalls;
  c->last = s;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t quantile(uint64_t *v, long n, double q) {
  if (n == 0)
    return 0;
  qsort(v, (size_t)n, sizeof *v, cmp_u64);
  return v[(long)(q * (double)(n - 1) + 0.5)];
}

/* ratio_to gives how many times faster cell c is than the row named base
 * ("floor" or an algorithm), or NAN when that row was not measured (printed
 * as null / "-"). */
static double ratio_to(const struct cell *cells, int n, const struct cell *c, const char *base) {
  for (int i = 0; i < n; i++)
    if (strcmp(row_name(&cells[i]), base) == 0 && cells[i].dynamic == c->dynamic && cells[i].ok && c->ok)
      return (double)quantile(cells[i].ns, cells[i].ok, 0.5) / (double)quantile(c->ns, c->ok, 0.5);
  return NAN;
}

static void print_results(struct tool_ctx *ctx, const struct bench_opts *o, struct cell *cells, int n) {
  struct jw *w = &ctx->jw;
  if (ctx->json) {
    struct vaoci_window win;
    vaoci_window_parse(o->window, &win, NULL);
    tool_json_window(w, "window", &win);
    jw_i64(w, "runs", o->runs);
    jw_i64(w, "mappings", o->mappings);
    jw_array(w, "results");
  } else {
    printf("vaoci-reserve bench: window %s, %ld fresh processes per row", o->window, o->runs);
    if (o->mappings)
      printf(", each with %ld mappings of its own first", o->mappings);
    printf("\n");
    printf("%-9s %-8s %10s %10s %9s %10s %9s %9s %8s\n", "algorithm", "process", "median us", "p90 us", "syscalls",
           "vs ladder", "vs gaps", "x floor", "failed");
  }
  for (int i = 0; i < n; i++) {
    struct cell *c = &cells[i];
    uint64_t med = quantile(c->ns, c->ok, 0.5), p90 = quantile(c->ns, c->ok, 0.9);
    uint64_t sys = quantile(c->syscalls, c->ok, 0.5);
    double vs_ladder = ratio_to(cells, n, c, "ladder"), vs_gaps = ratio_to(cells, n, c, "gaps");
    double vs_floor = ratio_to(cells, n, c, "floor"); /* times_floor is its inverse */
    const char *proc = c->dynamic ? "dynamic" : "static";
    if (!ctx->json) {
      char ladder[16] = "-", gaps[16] = "-", floor[16] = "-";
      if (!isnan(vs_ladder))
        snprintf(ladder, sizeof ladder, "%.1fx", vs_ladder);
      if (!isnan(vs_gaps))
        snprintf(gaps, sizeof gaps, "%.2fx", vs_gaps);
      if (!isnan(vs_floor))
        snprintf(floor, sizeof floor, "%.2fx", 1 / vs_floor);
      printf("%-9s %-8s %10.1f %10.1f %9llu %10s %9s %9s %8ld\n", row_name(c), proc, med / 1e3, p90 / 1e3,
             (unsigned long long)sys, ladder, gaps, floor, c->failed);
      continue;
    }
    jw_object(w, NULL);
    jw_str(w, "algorithm", row_name(c));
    jw_str(w, "process", proc);
    jw_i64(w, "runs", c->ok);
    jw_i64(w, "failed", c->failed);
    jw_u64(w, "median_ns", med);
    jw_u64(w, "p90_ns", p90);
    jw_u64(w, "min_ns", quantile(c->ns, c->ok, 0));
    jw_u64(w, "syscalls_median", sys);
    jw_u64(w, "bytes", c->last.bytes);
    jw_u64(w, "regions", c->last.regions);
    jw_num(w, "speedup_vs_ladder", vs_ladder);
    jw_num(w, "speedup_vs_gaps", vs_gaps);
    jw_num(w, "times_floor", 1 / vs_floor);
    jw_close(w, '}');
  }
  if (ctx->json)
    jw_close(w, ']');
}

int cmd_bench(struct tool_ctx *ctx, int argc, char **argv) {
  struct bench_opts o;
  struct vaoci_window win;
  struct cell cells[MAX_CELLS];
  char preload_buf[4096], floor_buf[4200];
  vaoci_error_t err;
  tool_begin(ctx);
  if (parse_opts(argc, argv, &o, &err) < 0 || tool_parse_window(o.window, &win, &err) < 0)
    return tool_fail(ctx, &err);
  const char *preload = o.preload ? o.preload : default_preload(preload_buf, sizeof preload_buf);
  int dynamic = strcmp(o.dynamic, "none") != 0;
  if (dynamic && !preload) {
    vaoci_make_error(&err, VAOCI_E_INVALID, 0, "--preload: libvaoci-preload.so not found beside this binary");
    return tool_fail(ctx, &err);
  }
  const char *floor_preload = preload ? beside(preload, FLOOR_PRELOAD, floor_buf, sizeof floor_buf) : NULL;
  int n = make_cells(&o, dynamic, floor_preload, cells, &err);
  if (n < 0)
    return tool_fail(ctx, &err);
  /* Inherited by every child through exec; this process is already placed. */
  if (o.fixed_addresses && personality(personality(0xffffffff) | ADDR_NO_RANDOMIZE) < 0) {
    vaoci_make_error(&err, VAOCI_E_SYSTEM, errno, "--fixed-addresses: personality");
    return tool_fail(ctx, &err);
  }
  for (long r = 0; r < o.runs; r++) {
    for (int i = 0; i < n; i++)
      run_cell(&o, preload, floor_preload, &cells[i]);
    if (o.progress)
      fprintf(stderr, "progress %ld/%ld\n", r + 1, o.runs);
  }
  print_results(ctx, &o, cells, n);
  int ok = 1;
  for (int i = 0; i < n; i++)
    ok = ok && cells[i].failed == 0;
  return tool_finish(ctx, ok);
}

/* cmd_bench_child is the fresh static process (`__child WINDOW ALGO
 * MAPPINGS`): make the mappings, reserve once, print the cost. */
int cmd_bench_child(int argc, char **argv) {
  /* The record the timed fresh processes write, placed as vaoci-launch and
   * the preload place theirs (src/hot.h). */
  static struct vaoci_reservation res VAOCI_HOT_BSS;
  struct vaoci_window win;
  enum vaoci_algo algo = VAOCI_ALGO_DEFAULT;
  vaoci_error_t err;
  int floor = argc == 4 && strcmp(argv[2], "floor") == 0;
  if (argc != 4 || vaoci_window_parse(argv[1], &win, &err) < 0 ||
      (!floor && vaoci_algo_parse(argv[2], &algo, &err) < 0))
    return EXIT_BAD_INPUT;
  if (bench_make_mappings(strtol(argv[3], NULL, 10)) < 0) {
    perror("vaoci-reserve bench: mmap");
    return EXIT_CHECK_FAILED;
  }
  if ((floor ? vaoci_reserve_floor(&win, &res, &err) : vaoci_reserve(&win, algo, &res, &err)) < 0) {
    fprintf(stderr, "vaoci-reserve bench: %s\n", err.msg);
    return EXIT_CHECK_FAILED;
  }
  printf("%llu %llu %llu %llu\n", (unsigned long long)res.stats.nanoseconds, (unsigned long long)res.stats.syscalls,
         (unsigned long long)res.stats.bytes, (unsigned long long)res.stats.regions);
  return EXIT_OK;
}
