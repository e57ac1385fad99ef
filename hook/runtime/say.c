/* vaoci_runtime_say: one line to every place a runtime's user looks. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "say.h"
#include "util.h"

/* runtime_log appends to runc's/crun's log file in its format. */
static void runtime_log(const struct vaoci_runtime_args *a, int level, const char *line) {
  char stamp[40], text[4608];
  struct timespec ts;
  struct tm tm;
  const char *lv = level == VAOCI_SAY_ERROR ? "error" : "warning";
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  char msg[4200];
  snprintf(msg, sizeof msg, "vaoci-runtime: %s", line);
  if (a->log_format && !strcmp(a->log_format, "json")) {
    cleanup_json json_t *o = json_pack("{s:s, s:s, s:s}", "level", lv, "msg", msg, "time", stamp);
    cleanup_free char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
    snprintf(text, sizeof text, "%s\n", s ? s : "");
  } else {
    cleanup_json json_t *quoted = json_string(msg);
    cleanup_free char *q = quoted ? json_dumps(quoted, JSON_ENCODE_ANY) : NULL;
    snprintf(text, sizeof text, "time=\"%s\" level=%s msg=%s\n", stamp, lv, q ? q : "\"\"");
  }
  cleanup_close int fd = open(a->log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0)
    (void)vaoci_write_all(fd, text, strlen(text));
}

void vaoci_runtime_say(const struct vaoci_runtime_args *a, const json_t *node, int level, const char *line) {
  const char *prefix = level == VAOCI_SAY_ERROR ? "" : "warning: ";
  fprintf(stderr, "vaoci-runtime: %s%s\n", prefix, line);
  if (a && a->log)
    runtime_log(a, level, line);
  if (node)
    vaoci_log(node, "vaoci-runtime", "%s: %s%s", a && a->id ? a->id : "-", prefix, line);
}
