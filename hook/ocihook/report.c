/* The poststart report (schemas/hook-report.schema.json), written to
 * REPORTS_DIR/ID.json atomically: a reader sees the old report or the new. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include "hook.h"
#include "policy_gen.h"
#include "vaoci/verify.h"

/* verify_json: the same object as `vaoci-reserve --json verify` (defs.schema.json#/$defs/verify). */
static json_t *verify_json(const struct vaoci_verify_report *v) {
  json_t *free_list = json_array(), *mapped_list = json_array();
  for (size_t i = 0; i < v->nfree_listed; i++)
    json_array_append_new(free_list, json_pack("{s:o, s:o}", "start", vaoci_json_hex(v->free_list[i].start), "end",
                                               vaoci_json_hex(v->free_list[i].end)));
  for (size_t i = 0; i < v->nmapped_listed; i++)
    json_array_append_new(mapped_list,
                          json_pack("{s:o, s:o, s:s, s:s}", "start", vaoci_json_hex(v->mapped_list[i].start), "end",
                                    vaoci_json_hex(v->mapped_list[i].end), "perms", v->mapped_list[i].perms, "name",
                                    v->mapped_list[i].name));
  return json_pack("{s:i, s:b, s:o, s:o, s:{s:I, s:I}, s:{s:I, s:I, s:o}, s:{s:I, s:I, s:o}, s:I, s:f}", "pid", v->pid,
                   "holds", v->holds, "floor", vaoci_json_hex(v->floor), "task_size", vaoci_json_hex(v->task_size),
                   "reserved", "bytes", (json_int_t)v->reserved_bytes, "regions", (json_int_t)v->reserved_regions,
                   "mapped", "bytes", (json_int_t)v->mapped_bytes, "regions", (json_int_t)v->mapped_regions, "list",
                   mapped_list, "free", "bytes", (json_int_t)v->free_bytes, "regions", (json_int_t)v->free_regions,
                   "list", free_list, "stack_keep_bytes", (json_int_t)v->stack_keep_bytes, "coverage", v->coverage);
}

static json_t *report_json(const struct vaoci_hook_report *r) {
  char stamp[32];
  time_t t = time(NULL);
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:i, s:s}, s:o, s:s, s:b, s:s, s:s, s:I, s:o}", "tool",
                   r->tool ? r->tool : "vaoci-hook", "stage", "poststart", "arch", vaoci_host_arch_name(), "time",
                   stamp, "container", "id", r->st->id, "name", r->name ? r->name : "", "pid", r->st->pid, "bundle",
                   r->st->bundle ? r->st->bundle : "", "window", vaoci_json_window(&r->window), "on_error", r->on_error,
                   "ok", r->ok, "status", r->status, "message", r->message, "waited_ms", (json_int_t)r->waited_ms,
                   "verify", r->verify ? verify_json(r->verify) : json_null());
}

/* safe_id: a container id as runc allows it ([A-Za-z0-9_+.-], not . or ..), usable as a file name. */
static int safe_id(const char *id) {
  size_t n = strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+.-");
  return n && !id[n] && n <= 200 && strcmp(id, ".") && strcmp(id, "..");
}

int vaoci_hook_write_report(const json_t *node, const struct vaoci_hook_report *r, char *path, size_t size,
                            vaoci_error_t *err) {
  const char *dir = vaoci_node_string(node, "reports_dir", VAOCI_NODE_REPORTS_DIR);
  char name[256];
  snprintf(path, size, "%s/%s.json", dir, r->st->id);
  if (!safe_id(r->st->id))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "report: container id `%s` is not a file name", r->st->id);
  snprintf(name, sizeof name, "%s.json", r->st->id);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "report: mkdir `%s`", dir);
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_json json_t *doc = report_json(r);
  cleanup_free char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
  if (dfd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "report: open `%s`", dir);
  if (!text)
    return vaoci_make_error(err, VAOCI_E_NOMEM, ENOMEM, "report: out of memory");
  return vaoci_write_atomic(dfd, name, text, strlen(text), 0644, err) < 0 ? vaoci_wrap_error(err, "report") : 0;
}
