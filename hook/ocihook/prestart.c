/* prestart / createRuntime, for setups that allow only hooks (CRI-O's
 * hooks.d): the preload goes into the rootfs at the policy's path and into
 * the rootfs's /etc/ld.so.preload. Every path is resolved inside the rootfs
 * (inroot.h) and every file is replaced by rename in a directory fd opened
 * inside it, never written through a symlink: an image whose /etc, or
 * /etc/ld.so.preload, or the preload's directory points at a host path
 * makes an error or writes inside the rootfs, never one byte outside.
 * A hook cannot change the process's environment: the window must reach
 * it another way (VAOCI_VA_LIMIT in the Pod spec); without it the hook
 * says so (the preload would load and reserve nothing). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include "hook.h"
#include "inroot.h"

/* same_content: dirfd/name (not followed if a symlink) already holds data. */
static int same_content(int dirfd, const char *name, const char *data, size_t len) {
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  cleanup_free char *have = NULL;
  size_t n;
  vaoci_error_t err;
  return fd >= 0 && vaoci_read_fd(fd, len + 1, &have, &n, &err) == 0 && n == len && !memcmp(have, data, len);
}

/* install copies the node's file src to the same path inside the rootfs. */
static int install(int rootfd, const char *src, vaoci_error_t *err) {
  char dir[VAOCI_INROOT_PATH_MAX];
  const char *base = strrchr(src, '/');
  cleanup_free char *data = NULL;
  size_t len;
  if (!base || !base[1])
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "preload `%s`: not an absolute file path", src);
  if (vaoci_read_file(AT_FDCWD, src, 64u << 20, &data, &len, err) < 0)
    return vaoci_wrap_error(err, "preload");
  snprintf(dir, sizeof dir, "%.*s", (int)(base - src), src);
  cleanup_close int dfd = vaoci_inroot_mkdirs(rootfd, dir, 0755, err);
  if (dfd < 0)
    return vaoci_wrap_error(err, "rootfs");
  if (same_content(dfd, base + 1, data, len))
    return 0;
  return vaoci_write_atomic(dfd, base + 1, data, len, 0755, err) < 0 ? vaoci_wrap_error(err, "rootfs `%s`", src) : 1;
}

static int has_line(const char *text, const char *item) {
  size_t n = strlen(item);
  for (const char *p = text; *p; p += strcspn(p, " \t\n:")) {
    p += strspn(p, " \t\n:");
    if (!strncmp(p, item, n) && strchr(" \t\n:", p[n]))
      return 1;
  }
  return 0;
}

/* preload_list puts path first in the rootfs's /etc/ld.so.preload. */
static int preload_list(int rootfd, const char *path, vaoci_error_t *err) {
  cleanup_close int etc = vaoci_inroot_mkdirs(rootfd, "/etc", 0755, err);
  cleanup_free char *old = NULL, *text = NULL;
  if (etc < 0)
    return vaoci_wrap_error(err, "rootfs");
  cleanup_close int fd = vaoci_inroot_open(rootfd, "/etc/ld.so.preload", O_RDONLY | O_NONBLOCK, NULL, 0, err);
  if (fd < 0 && err->sys_errno != ENOENT)
    return vaoci_wrap_error(err, "rootfs");
  if (fd >= 0 && vaoci_read_fd(fd, 1 << 20, &old, NULL, err) < 0)
    return vaoci_wrap_error(err, "rootfs `/etc/ld.so.preload`");
  if (old && has_line(old, path))
    return 0;
  if (asprintf(&text, "%s\n%s", path, old ? old : "") < 0)
    return vaoci_make_error(err, VAOCI_E_NOMEM, ENOMEM, "out of memory");
  return vaoci_write_atomic(etc, "ld.so.preload", text, strlen(text), 0644, err) < 0
             ? vaoci_wrap_error(err, "rootfs `/etc/ld.so.preload`")
             : 1;
}

/* env_missing names the first policy variable (but LD_PRELOAD) the process lacks. */
static const char *env_missing(const json_t *config, const struct vaoci_policy *p, char *want, size_t size) {
  const json_t *env = json_object_get(json_object_get(config, "process"), "env"), *e;
  for (int i = 0; i < p->env_count; i++) {
    size_t k;
    int found = 0;
    if (!strcmp(p->env[i].name, "LD_PRELOAD"))
      continue;
    snprintf(want, size, "%s=%s", p->env[i].name, p->env[i].value);
    json_array_foreach(env, k, e) found |= !strcmp(json_string_value(e) ?: "", want);
    if (!found)
      return want;
  }
  return NULL;
}

static int inject(const json_t *config, int dirfd, const struct vaoci_policy *p, vaoci_error_t *err) {
  const char *root = json_string_value(json_object_get(json_object_get(config, "root"), "path"));
  cleanup_close int rootfd = root ? openat(dirfd, root, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  char want[4200];
  if (rootfd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open the rootfs `%s`", root ? root : "(none)");
  if (p->method == VAOCI_METHOD_LAUNCH)
    return vaoci_make_error(
        err, VAOCI_E_INVALID, 0,
        "%s is statically linked and must start under vaoci-launch, which only vaoci-runtime or the "
        "precreate hook can arrange (a createRuntime hook cannot change process.args)",
        p->args_count > 2 ? p->args[p->args_count - 1] : "the entrypoint");
  if (p->method == VAOCI_METHOD_PRELOAD &&
      (install(rootfd, p->preload_path, err) < 0 || preload_list(rootfd, p->preload_path, err) < 0))
    return -err->status;
  if (env_missing(config, p, want, sizeof want))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                            "the process's environment lacks %s, which a hook cannot add: set it in the Pod spec, "
                            "or register vaoci-runtime",
                            want);
  return 0;
}

int vaoci_hook_prestart(const struct vaoci_hook_opts *o, const json_t *node) {
  struct vaoci_hook_state st;
  vaoci_error_t err = {0};
  static struct vaoci_spec_policy sp;
  cleanup_json json_t *config = NULL;
  cleanup_close int dirfd = -1;
  int rc = vaoci_hook_read_state(0, &st, &err);
  if (rc == 0)
    rc = vaoci_hook_bundle_policy(&st, node, &sp, &config, &dirfd, &err);
  int warn = rc == 0 ? sp.policy.on_error == VAOCI_ON_ERROR_WARN : (o->on_error && !strcmp(o->on_error, "warn"));
  for (int i = 0; rc == 0 && i < sp.policy.problems.count; i++)
    vaoci_hook_say(node, st.id, !sp.refused, sp.policy.problems.lines[i]);
  if (rc == 0 && sp.refused)
    rc = -VAOCI_E_INVALID;
  else if (rc == 0 && sp.policy.method != VAOCI_METHOD_NONE)
    rc = inject(config, dirfd, &sp.policy, &err);
  if (rc < 0 && !(rc == -VAOCI_E_INVALID && sp.refused))
    vaoci_hook_say(node, st.id, warn, err.msg);
  json_decref(st.doc);
  return rc < 0 && !warn ? VAOCI_HOOK_EXIT_REFUSED : 0;
}
