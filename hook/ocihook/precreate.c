/* precreate (podman's hooks-dir stage): the runtime config on stdin, the
 * config vaoci-runtime would write on stdout — the same resolution and
 * modifiers, so podman needs no wrapper. Unchanged bytes when vaoci has
 * nothing to do. Relative root.path is relative to the working directory. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "hook.h"

int vaoci_hook_precreate(const struct vaoci_hook_opts *o, const json_t *node, const char *node_path) {
  vaoci_error_t err = {0};
  cleanup_free char *text = NULL, *out = NULL;
  cleanup_json json_t *config = NULL;
  static struct vaoci_spec_policy sp;
  char hook[4096];
  size_t len, out_len;
  (void)o;
  if (vaoci_read_fd(0, VAOCI_FILE_MAX, &text, &len, &err) < 0 || !(config = vaoci_json_load(text, len, &err))) {
    vaoci_hook_say(node, NULL, 0, err.msg);
    return VAOCI_HOOK_EXIT_REFUSED;
  }
  vaoci_spec_resolve(config, AT_FDCWD, node, &sp);
  for (int i = 0; i < sp.policy.problems.count; i++)
    vaoci_hook_say(node, NULL, !sp.refused, sp.policy.problems.lines[i]);
  if (sp.refused)
    return VAOCI_HOOK_EXIT_REFUSED;
  vaoci_hook_path(hook, sizeof hook);
  struct vaoci_modify_ctx ctx = {&sp.policy, hook, getenv(VAOCI_CONFIG_ENV) ? node_path : NULL};
  int changed = vaoci_spec_modify(config, &ctx, &err);
  if (changed < 0) {
    int warn = sp.policy.on_error == VAOCI_ON_ERROR_WARN;
    vaoci_hook_say(node, NULL, warn, err.msg);
    if (!warn)
      return VAOCI_HOOK_EXIT_REFUSED;
  }
  if (changed > 0 && (out = vaoci_json_dump(config, &out_len)))
    return vaoci_write_all(1, out, out_len) < 0 ? VAOCI_HOOK_EXIT_REFUSED : 0;
  return vaoci_write_all(1, text, len) < 0 ? VAOCI_HOOK_EXIT_REFUSED : 0;
}
