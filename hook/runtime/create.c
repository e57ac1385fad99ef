/* vaoci_runtime_create: Load → resolve → Modify → Flush. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "create.h"
#include "say.h"
#include "spec.h"
#include "util.h"

/* bundle is one config.json: where it lives, its bytes, the document. */
struct bundle {
  int dirfd; /* the bundle directory: root.path is relative to it */
  int config_dirfd; /* the directory config.json is in (crun's --config may put it elsewhere) */
  char name[256]; /* config.json's file name in config_dirfd */
  mode_t mode;
  json_t *doc;
};

static void bundle_close(struct bundle *b) {
  if (b->config_dirfd >= 0 && b->config_dirfd != b->dirfd)
    close(b->config_dirfd);
  if (b->dirfd >= 0)
    close(b->dirfd);
  json_decref(b->doc);
}

static int load(const struct vaoci_runtime_args *a, struct bundle *b, vaoci_error_t *err) {
  const char *dir = a->bundle ? a->bundle : ".", *config = a->config ? a->config : "config.json";
  const char *slash = strrchr(config, '/');
  b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (b->dirfd < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open the bundle `%s`", dir);
  if (slash) {
    char parent[4096];
    snprintf(parent, sizeof parent, "%.*s", slash == config ? 1 : (int)(slash - config), config);
    b->config_dirfd = openat(b->dirfd, parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  } else {
    b->config_dirfd = b->dirfd;
  }
  snprintf(b->name, sizeof b->name, "%s", slash ? slash + 1 : config);
  cleanup_close int fd = b->config_dirfd < 0 ? -1 : openat(b->config_dirfd, b->name, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0 || fstat(fd, &st) < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "open `%s`", config);
  b->mode = st.st_mode & 07777;
  cleanup_free char *text = NULL;
  size_t len;
  if (vaoci_read_fd(fd, VAOCI_FILE_MAX, &text, &len, err) < 0)
    return vaoci_wrap_error(err, "`%s`", config);
  if (!(b->doc = vaoci_json_load(text, len, err)) || !json_is_object(b->doc))
    return b->doc ? vaoci_make_error(err, VAOCI_E_INVALID, 0, "`%s`: not a JSON object", config)
                  : vaoci_wrap_error(err, "`%s`", config);
  return 0;
}

static int flush(struct bundle *b, vaoci_error_t *err) {
  size_t len;
  cleanup_free char *text = vaoci_json_dump(b->doc, &len);
  if (!text)
    return vaoci_make_error(err, VAOCI_E_NOMEM, ENOMEM, "write config.json: out of memory");
  return vaoci_write_atomic(b->config_dirfd, b->name, text, len, (int)b->mode, err);
}

/* say_problems prints the policy's lines: errors when refused, else warnings. */
static void say_problems(const struct vaoci_runtime_args *a, const json_t *node, const struct vaoci_spec_policy *sp) {
  for (int i = 0; i < sp->policy.problems.count; i++)
    vaoci_runtime_say(a, node, sp->refused ? VAOCI_SAY_ERROR : VAOCI_SAY_WARNING, sp->policy.problems.lines[i]);
}

static void log_decision(const struct vaoci_runtime_args *a, const json_t *node, const struct vaoci_policy *p,
                         int changed) {
  char window[VAOCI_WINDOW_TEXT_MAX] = "none";
  if (!p->has_window && p->method == VAOCI_METHOD_NONE)
    return; /* nothing decided: keep the log to the containers vaoci acts on */
  if (p->has_window)
    vaoci_window_format(&p->window, window, sizeof window);
  vaoci_log(node, "vaoci-runtime",
            "%s: container \"%s\": va-limit %s, guest %s, emulator %s, injection %s, config.json %s",
            a->id ? a->id : "-", p->container, window, vaoci_policy_guest_arch_names[p->guest_arch],
            vaoci_policy_emulator_names[p->emulator], vaoci_policy_method_names[p->method],
            changed ? "updated" : "already prepared");
}

static int prepare(const struct vaoci_runtime_args *a, const json_t *node, struct vaoci_spec_policy *sp,
                   vaoci_error_t *err) {
  struct bundle b = {-1, -1, "", 0, NULL};
  char hook[4096];
  int r = load(a, &b, err);
  if (r == 0) {
    vaoci_spec_resolve(b.doc, b.dirfd, node, sp);
    say_problems(a, node, sp);
    vaoci_hook_path(hook, sizeof hook);
    struct vaoci_modify_ctx ctx = {&sp->policy, hook, getenv(VAOCI_CONFIG_ENV)};
    r = sp->refused ? 0 : vaoci_spec_modify(b.doc, &ctx, err);
    if (r > 0)
      r = flush(&b, err) < 0 ? -1 : 1;
    if (r >= 0 && !sp->refused)
      log_decision(a, node, &sp->policy, r);
  }
  bundle_close(&b);
  return r;
}

int vaoci_runtime_create(const struct vaoci_runtime_args *a, const json_t *node) {
  vaoci_error_t err = {0};
  cleanup_free struct vaoci_spec_policy *sp = calloc(1, sizeof *sp);
  if (!sp || prepare(a, node, sp, &err) >= 0)
    return sp && sp->refused ? -1 : 0;
  /* config.json could not be read (the runtime will say why in its own
   * words), or not written: then the policy says what that does. */
  int unread = !sp->policy.container;
  int fail = !unread && sp->policy.on_error != VAOCI_ON_ERROR_WARN;
  char line[VAOCI_ERROR_MSG_MAX + 64];
  snprintf(line, sizeof line, "%s%s", err.msg,
           fail     ? ""
           : unread ? " (passed to the runtime unchanged)"
                    : " (on-error warn: the container starts without vaoci)");
  vaoci_runtime_say(a, node, fail ? VAOCI_SAY_ERROR : VAOCI_SAY_WARNING, line);
  return fail ? -1 : 0;
}
