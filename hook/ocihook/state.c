/* The OCI state on stdin, and the policy from its bundle for hook-only setups. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "hook.h"

int vaoci_hook_read_state(int fd, struct vaoci_hook_state *st, vaoci_error_t *err) {
  cleanup_free char *text = NULL;
  size_t len;
  memset(st, 0, sizeof *st);
  if (vaoci_read_fd(fd, VAOCI_FILE_MAX, &text, &len, err) < 0)
    return vaoci_wrap_error(err, "state on stdin");
  if (!(st->doc = vaoci_json_load(text, len, err)))
    return vaoci_wrap_error(err, "state on stdin");
  st->id = json_string_value(json_object_get(st->doc, "id"));
  st->bundle = json_string_value(json_object_get(st->doc, "bundle"));
  st->pid = (int)json_integer_value(json_object_get(st->doc, "pid"));
  st->annotations = json_object_get(st->doc, "annotations");
  if (!st->id || !st->id[0])
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "state on stdin: no `id`");
  return 0;
}

int vaoci_hook_bundle_policy(const struct vaoci_hook_state *st, const json_t *node, struct vaoci_spec_policy *sp,
                             json_t **config_out, int *dirfd_out, vaoci_error_t *err) {
  if (!st->bundle)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "state on stdin: no `bundle`");
  cleanup_close int dirfd = open(st->bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *text = NULL;
  size_t len;
  if (dirfd < 0 || vaoci_read_file(dirfd, "config.json", VAOCI_FILE_MAX, &text, &len, err) < 0)
    return dirfd < 0 ? vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open the bundle `%s`", st->bundle)
                     : vaoci_wrap_error(err, "bundle");
  cleanup_json json_t *config = vaoci_json_load(text, len, err);
  if (!config)
    return vaoci_wrap_error(err, "`%s/config.json`", st->bundle);
  /* The state's annotations are the ones the runtime holds; prefer them. */
  if (json_is_object(st->annotations))
    json_object_set(config, "annotations", st->annotations);
  vaoci_spec_resolve(config, dirfd, node, sp);
  if (config_out)
    *config_out = json_incref(config);
  if (dirfd_out)
    *dirfd_out = dup(dirfd);
  return 0;
}

void vaoci_hook_say(const json_t *node, const char *id, int warning, const char *line) {
  fprintf(stderr, "vaoci-hook: %s%s\n", warning ? "warning: " : "", line);
  if (node)
    vaoci_log(node, "vaoci-hook", "%s: %s%s", id ? id : "-", warning ? "warning: " : "", line);
}
