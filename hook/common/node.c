/* The node config (/etc/vaoci/config.json or $VAOCI_CONFIG) and the log. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include "policy_gen.h"
#include "util.h"

json_t *vaoci_node_config(const char **path, vaoci_error_t *err) {
  const char *p = getenv(VAOCI_CONFIG_ENV);
  if (!p || !*p)
    p = VAOCI_CONFIG_DEFAULT;
  *path = p;
  cleanup_free char *text = NULL;
  size_t len;
  if (vaoci_read_file(AT_FDCWD, p, VAOCI_FILE_MAX, &text, &len, err) < 0)
    return vaoci_wrap_error(err, "node config"), NULL;
  json_t *doc = vaoci_json_load(text, len, err);
  if (!doc)
    return vaoci_wrap_error(err, "node config `%s`", p), NULL;
  if (!json_is_object(doc)) {
    json_decref(doc);
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "node config `%s`: expected a JSON object", p), NULL;
  }
  return doc;
}

const char *vaoci_node_string(const json_t *node, const char *key, const char *def) {
  const char *v = json_string_value(json_object_get(node, key));
  return v && *v ? v : def;
}

/* log_max_bytes: the node config's log_max_mib (an integer 0-4096), else the default. */
static long long log_max_bytes(const json_t *node) {
  const json_t *v = json_object_get(node, "log_max_mib");
  long long mib = json_is_integer(v) && json_integer_value(v) >= 0 && json_integer_value(v) <= 4096
                      ? json_integer_value(v)
                      : VAOCI_NODE_LOG_MAX_MIB;
  return mib << 20;
}

void vaoci_log(const json_t *node, const char *tool, const char *fmt, ...) {
  char line[4096], stamp[32];
  struct timespec ts;
  struct tm tm;
  clock_gettime(CLOCK_REALTIME, &ts);
  gmtime_r(&ts.tv_sec, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  int n = snprintf(line, sizeof line, "%s %s[%d]: ", stamp, tool, (int)getpid());
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof line - 2)
    n = (int)sizeof line - 2;
  line[n++] = '\n';
  const char *path = vaoci_node_string(node, "log", VAOCI_NODE_LOG);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (fd < 0)
    return;
  (void)vaoci_write_all(fd, line, (size_t)n); /* one write: O_APPEND keeps concurrent lines whole */
  vaoci_log_rotate(fd, path, log_max_bytes(node));
  close(fd);
}

const char *vaoci_host_arch_name(void) {
#if defined(__x86_64__)
  return "x86_64";
#else
  return "aarch64";
#endif
}
