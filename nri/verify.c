/* vaoci_nri_verify: the poststart check, from the plugin (resolve.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hook.h"
#include "resolve.h"
#include "vaoci/verify.h"

#define WATCH_MS (120 * 1000) /* as the hook's watcher: a process that never execs is not waited on for ever */

static char *answer(int ok, const char *status, const char *message) {
  cleanup_json json_t *o = json_pack("{s:b, s:s, s:s}", "ok", ok, "status", status, "message", message);
  return o ? json_dumps(o, JSON_COMPACT) : NULL;
}

char *vaoci_nri_verify(const char *id, const char *name, int pid, const char *window, const char *on_error,
                       const char *env_json, long settle_ms) {
  vaoci_error_t err = {0};
  cleanup_json json_t *node = vaoci_nri_node_config(&err);
  if (!node)
    return answer(0, "error", err.msg);
  struct vaoci_hook_state st = {.id = id, .bundle = NULL, .pid = pid};
  struct vaoci_hook_report r = {.st = &st, .tool = "vaoci-nri", .name = name, .on_error = on_error};
  if (vaoci_window_parse(window, &r.window, &err) < 0)
    return answer(0, "error", err.msg);
  cleanup_json json_t *env = vaoci_json_load(env_json, strlen(env_json), &err);
  cleanup_free struct vaoci_verify_report *v = calloc(1, sizeof *v); /* one per check: checks run side by side */
  if (!env || !v)
    return answer(0, "error", env ? "out of memory" : err.msg);
  if (pid <= 0) {
    /* never looked at /proc/0 or beyond: a process that cannot be named cannot be verified or killed */
    r.status = "error", r.ok = 0, r.verify = NULL;
    snprintf(r.message, sizeof r.message, "the engine named no pid for the container: its window was not verified");
  } else if (!vaoci_hook_settle(settle_ms, &r, v, env, WATCH_MS, 0)) {
    r.status = "not-started", r.ok = 0, r.verify = NULL;
    snprintf(r.message, sizeof r.message, "pid %d did not exec within %d s", pid, WATCH_MS / 1000);
  }
  vaoci_hook_enforce(node, &r); /* first: a process released by the report must not run on */
  vaoci_hook_finish(node, &r);
  return answer(r.ok, r.status, r.message);
}
