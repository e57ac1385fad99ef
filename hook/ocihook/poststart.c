/* poststart: does the container's process hold its window? Runtimes
 * differ in when they run poststart: crun after the process exec'd, runc
 * 1.1 before (its init still waits on the exec fifo, and waits for the
 * hook). The process has exec'd when its /proc/PID/environ holds every
 * entry of the config's process.env (a runtime's init has its own). So:
 * poll until the window holds, the process is gone, or --settle-ms after
 * the exec; when no exec is seen within a short grace, the runtime is
 * waiting for this hook: a detached watcher finishes the job (and under
 * on-error fail kills a process whose window does not hold), and the
 * report says "pending" until it does. A process whose dynamic loader is
 * still at work, or whose preload is mapped but has not reserved yet, gets
 * up to LOADING_MS instead of --settle-ms (settle.c): an emulator such as qemu-x86_64
 * under software emulation takes ~100-300 ms from exec to the preload's
 * constructor, and a verdict before that would refuse a window that is
 * about to hold. When the config gives this hook a `timeout`, the verdict
 * comes before it (TIMEOUT_MARGIN_MS early): a runtime that kills a hook
 * only warns (crun) or fails for its own reason, so a hook killed while
 * waiting would leave the process unverified whatever on-error says. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include "hook.h"
#include "vaoci/verify.h"

#define WATCH_MS (120 * 1000)
#define TIMEOUT_MARGIN_MS 250

/* window_of: the window vaoci-runtime passed, or the policy from the bundle. 1: verify; 0: nothing to do
 * (no window, or one the emulator keeps itself: vaoci_policy_verifiable). */
static int window_of(const struct vaoci_hook_opts *o, const json_t *node, const struct vaoci_hook_state *st,
                     struct vaoci_hook_report *r, struct vaoci_spec_policy *sp, vaoci_error_t *err) {
  if (o->va_limit) {
    r->name = o->container ? o->container : "";
    r->on_error = o->on_error ? o->on_error : "fail";
    return vaoci_window_parse(o->va_limit, &r->window, err) < 0 ? vaoci_wrap_error(err, "--va-limit") : 1;
  }
  if (vaoci_hook_bundle_policy(st, node, sp, NULL, NULL, err) < 0)
    return -1;
  r->name = sp->name;
  r->on_error = vaoci_policy_on_error_names[sp->policy.on_error];
  r->window = sp->policy.window;
  return sp->refused ? vaoci_make_error(err, VAOCI_E_INVALID, 0, "%s", sp->policy.problems.lines[0])
                     : vaoci_policy_verifiable(&sp->policy);
}

/* own_timeout_ms: the smallest `timeout` config.json gives a vaoci-hook poststart hook, in ms; 0: none. */
static long own_timeout_ms(const json_t *config) {
  const json_t *h;
  size_t i;
  long least = 0;
  json_array_foreach(json_object_get(json_object_get(config, "hooks"), "poststart"), i, h) {
    const char *path = json_string_value(json_object_get(h, "path")) ?: "";
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    json_int_t t = json_integer_value(json_object_get(h, "timeout"));
    if (!strcmp(base, "vaoci-hook") && t > 0 && (least == 0 || t * 1000 < least))
      least = (long)t * 1000;
  }
  return least;
}

/* spec_of: from the bundle's config.json, process.env (which tells the runtime's init from the
 * exec'd process) and the time this hook may take (its timeout less a margin; 0: unbounded). */
static json_t *spec_of(const struct vaoci_hook_state *st, long *budget_ms) {
  char path[4200];
  cleanup_free char *text = NULL;
  size_t len;
  vaoci_error_t err;
  *budget_ms = 0;
  snprintf(path, sizeof path, "%s/config.json", st->bundle ? st->bundle : ".");
  if (vaoci_read_file(AT_FDCWD, path, VAOCI_FILE_MAX, &text, &len, &err) < 0)
    return NULL;
  cleanup_json json_t *config = vaoci_json_load(text, len, &err);
  long timeout = own_timeout_ms(config);
  if (timeout)
    *budget_ms = timeout - (timeout / 4 < TIMEOUT_MARGIN_MS ? timeout / 4 : TIMEOUT_MARGIN_MS);
  return json_incref(json_object_get(json_object_get(config, "process"), "env"));
}

/* watch finishes in a detached process: the runtime waits for this hook
 * (and for its stdout and stderr to close) before it lets the process exec. */
static void watch(const struct vaoci_hook_opts *o, const json_t *node, struct vaoci_hook_report *r,
                  struct vaoci_verify_report *v, const json_t *env) {
  pid_t child = fork();
  if (child != 0) {
    if (child > 0)
      waitpid(child, NULL, 0);
    return;
  }
  setsid();
  if (fork() != 0)
    _exit(0);
  int devnull = open("/dev/null", O_RDWR);
  for (int fd = 0; fd < 3; fd++)
    dup2(devnull, fd);
  /* Every other inherited fd too: a runtime that reads a pipe until EOF would wait for the watcher. */
  if (syscall(SYS_close_range, 3, ~0u, 0) < 0)
    for (int fd = 3; fd < 1024; fd++)
      close(fd);
  if (!vaoci_hook_settle(o->settle_ms, r, v, env, WATCH_MS, 0)) {
    r->status = "not-started", r->ok = 0, r->verify = NULL;
    snprintf(r->message, sizeof r->message, "pid %d did not exec within %d s", r->st->pid, WATCH_MS / 1000);
  }
  vaoci_hook_enforce(node, r); /* first: a process released by the report must not run on */
  vaoci_hook_finish(node, r);
  _exit(0);
}

int vaoci_hook_poststart(const struct vaoci_hook_opts *o, const json_t *node) {
  struct vaoci_hook_state st;
  vaoci_error_t err = {0};
  struct vaoci_hook_report r = {.st = &st};
  static struct vaoci_verify_report v;
  static struct vaoci_spec_policy sp;
  int rc = vaoci_hook_read_state(0, &st, &err);
  if (rc == 0 && (rc = window_of(o, node, &st, &r, &sp, &err)) == 0)
    return json_decref(st.doc), 0;
  if (rc < 0) {
    int warn = (r.on_error ? r.on_error : o->on_error ? o->on_error : "fail")[0] == 'w';
    vaoci_hook_say(node, st.id, warn, err.msg);
    json_decref(st.doc);
    return warn ? 0 : VAOCI_HOOK_EXIT_REFUSED;
  }
  long budget_ms;
  cleanup_json json_t *env = spec_of(&st, &budget_ms);
  int ok = 1;
  if (vaoci_hook_settle(o->settle_ms, &r, &v, env, VAOCI_HOOK_EXEC_GRACE_MS, budget_ms)) {
    /* The verdict first: once its process dies, a runtime may stop this hook (crun 1.8.1 does when
     * the hook has a timeout), and the report and the line would be lost. */
    ok = vaoci_hook_finish(node, &r) || !strcmp(r.on_error, "warn");
    vaoci_hook_enforce(node, &r);
  } else {
    r.status = "pending", r.ok = 1;
    snprintf(r.message, sizeof r.message,
             "pid %d has not exec'd yet (the runtime runs poststart first): a watcher verifies it", r.st->pid);
    vaoci_hook_finish(node, &r);
    watch(o, node, &r, &v, env);
  }
  json_decref(st.doc);
  return ok ? 0 : VAOCI_HOOK_EXIT_REFUSED;
}
