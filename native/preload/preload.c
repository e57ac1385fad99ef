/* libvaoci-preload.so: reserves the window's complement in its constructor,
 * before the program (or the emulator) it is loaded into runs.
 *   VAOCI_VA_LIMIT  x86_64 | i386 | 0xLOWER-0xUPPER   (unset: do nothing)
 *   VAOCI_ON_ERROR  fail (default: exit 127) | warn (report, run unprotected)
 *   VAOCI_DEBUG     1: one human line on success; json: one JSON line;
 *                   maps: /proc/self/maps as it stands after reserving
 *   VAOCI_ALGO      known (default) | query | gaps | halving | ladder
 * It lives inside someone else's process: no libc calls beyond the weak
 * environ/getauxval that glibc and musl both export, never abort(), and
 * silent on success unless asked.
 * Built a second time with -DVAOCI_BENCH_FLOOR as libvaoci-bench-floor.so,
 * make bench's floor row for dynamic processes: the same constructor, but
 * it times only the remapping of what the default reserved (floor.c). */
#include "../src/hot.h"
#include "../src/sys.h"
#include "vaoci/env.h"
#include "vaoci/maps.h"
#include "vaoci/reserve.h"

extern char **environ __attribute__((weak));

static struct vaoci_reservation reservation VAOCI_HOT_BSS; /* src/hot.h */

#ifdef VAOCI_BENCH_FLOOR
#define RESERVE(w, algo, res, err) vaoci_reserve_floor(w, res, err)
#define ALGO_NAME(s) "floor"
#else
#define RESERVE(w, algo, res, err) vaoci_reserve(w, algo, res, err)
#define ALGO_NAME(s) vaoci_algo_name((s)->algo_used)
#endif

static const char *env_get(const char *name) { return &environ ? vaoci_env_get(environ, name) : 0; }

static int env_is(const char *value, const char *want) {
  if (!value)
    return 0;
  while (*want && *value == *want)
    value++, want++;
  return !*want && !*value;
}

static void say(const char *line) {
  unsigned long n = 0;
  while (line[n])
    n++;
  vaoci_sys_write(2, line, n);
}

/* dump_maps copies /proc/self/maps to stderr: the address space the program
 * starts with, so a test can tell its later mappings from earlier ones. */
static void dump_maps(void) {
  vaoci_error_t err;
  char buf[4096];
  int fd = vaoci_maps_open(0, &err);
  long n;
  while (fd >= 0 && (n = vaoci_sys_read(fd, buf, sizeof buf)) > 0)
    vaoci_sys_write(2, buf, (uint64_t)n);
  if (fd >= 0)
    vaoci_sys_close(fd);
}

static void report_success(const char *window, const char *debug) {
  if (env_is(debug, "maps")) {
    dump_maps();
    return;
  }
  char line[320];
  const struct vaoci_reserve_stats *s = &reservation.stats;
  if (env_is(debug, "json"))
    vaoci_formatf(line, sizeof line,
                  "{\"vaoci\":\"preload\",\"window\":\"%s\",\"algorithm\":\"%s\",\"nanoseconds\":%lu,"
                  "\"syscalls\":%lu,\"bytes\":%lu,\"regions\":%lu}\n",
                  window, ALGO_NAME(s), (unsigned long)s->nanoseconds, (unsigned long)s->syscalls,
                  (unsigned long)s->bytes, (unsigned long)s->regions);
  else
    vaoci_formatf(line, sizeof line, "vaoci: reserved %lu GiB in %lu regions outside %s (%s, %lu us, %lu syscalls)\n",
                  (unsigned long)(s->bytes >> 30), (unsigned long)s->regions, window, ALGO_NAME(s),
                  (unsigned long)(s->nanoseconds / 1000), (unsigned long)s->syscalls);
  say(line);
}

static void fail(const vaoci_error_t *err, const char *on_error) {
  char line[VAOCI_ERROR_MSG_MAX + 64];
  int warn = env_is(on_error, "warn");
  vaoci_formatf(line, sizeof line, "vaoci: %s: %s\n", warn ? "warning" : "error", err->msg);
  say(line);
  if (!warn)
    vaoci_syscall6(SYS_exit_group, 127, 0, 0, 0, 0, 0);
}

static int choose(struct vaoci_window *w, enum vaoci_algo *algo, const char *limit, vaoci_error_t *err) {
  if (vaoci_window_parse(limit, w, err) < 0)
    return vaoci_wrap_error(err, "VAOCI_VA_LIMIT");
  const char *a = env_get("VAOCI_ALGO");
  *algo = VAOCI_ALGO_DEFAULT;
  if (a && vaoci_algo_parse(a, algo, err) < 0)
    return vaoci_wrap_error(err, "VAOCI_ALGO");
  const char *on_error = env_get("VAOCI_ON_ERROR");
  if (on_error && !env_is(on_error, "fail") && !env_is(on_error, "warn"))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "VAOCI_ON_ERROR `%s`: expected fail or warn", on_error);
  return 0;
}

__attribute__((constructor)) static void vaoci_preload_init(void) {
  const char *limit = env_get("VAOCI_VA_LIMIT");
  if (!limit)
    return;
  struct vaoci_window w;
  enum vaoci_algo algo;
  vaoci_error_t err;
  const char *debug = env_get("VAOCI_DEBUG");
  int report = debug && !env_is(debug, "0");
  reservation.untimed = !report; /* only the report says how long it took */
  if (choose(&w, &algo, limit, &err) < 0 || RESERVE(&w, algo, &reservation, &err) < 0) {
    fail(&err, env_get("VAOCI_ON_ERROR"));
    return;
  }
  if (report) {
    char text[VAOCI_WINDOW_TEXT_MAX];
    vaoci_window_format(&w, text, sizeof text);
    report_success(text, debug);
  }
}
