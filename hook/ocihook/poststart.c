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
 * up to LOADING_MS instead of --settle-ms: an emulator such as qemu-x86_64
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

#define EXEC_GRACE_MS 5
#define LOADING_MS (10 * 1000)
#define PRELOAD_NAME "/libvaoci-preload.so"
#define WATCH_MS (120 * 1000)
#define TIMEOUT_MARGIN_MS 250

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* backoff sleeps *us, then doubles it up to 2 ms: a process that exec's
 * right after the hook starts is seen within ~0.1 ms, one that takes its
 * time costs few polls. */
static void backoff(long *us) {
  struct timespec t = {0, *us * 1000};
  nanosleep(&t, NULL);
  if (*us < 2000)
    *us = *us * 2 > 2000 ? 2000 : *us * 2;
}

/* gone: the process exited (no /proc entry, or a zombie). */
static int gone(int pid) {
  char path[40], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof buf - 1);
  if (n <= 0)
    return 1;
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  return !p || p[1] != ' ' || p[2] == 'Z' || p[2] == 'X';
}

/* execed: /proc/PID/environ holds every entry of env (the config's process.env). */
static int execed(int pid, const json_t *env) {
  char path[40];
  cleanup_free char *text = NULL;
  size_t len, i;
  vaoci_error_t err;
  const json_t *e;
  if (!json_array_size(env))
    return 1; /* nothing to tell them apart by: take the process as it is */
  snprintf(path, sizeof path, "/proc/%d/environ", pid);
  if (vaoci_read_file(AT_FDCWD, path, 1 << 20, &text, &len, &err) < 0)
    return 0;
  json_array_foreach(env, i, e) {
    const char *want = json_string_value(e);
    size_t n = want ? strlen(want) + 1 : 0, at = 0;
    while (want && at < len && memcmp(text + at, want, n < len - at ? n : len - at))
      at += strlen(text + at) + 1;
    if (!want || at >= len)
      return 0;
  }
  return 1;
}

/* runc_init: the process is still runc's init ("runc:[2:INIT]"), which
 * waits for this hook before it execs: no use waiting the grace. */
static int runc_init(int pid) {
  char path[40], comm[32] = "";
  snprintf(path, sizeof path, "/proc/%d/comm", pid);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  return fd >= 0 && read(fd, comm, sizeof comm - 1) > 0 && !strncmp(comm, "runc:[", 6);
}

/* loading: the process is still on its way to the preload's constructor:
 * the preload is mapped (its constructor reserves next), or a dynamic loader
 * is mapped but no libc yet (the preload comes before the libraries). */
static int loading(int pid) {
  char path[40];
  cleanup_free char *maps = NULL;
  size_t len;
  vaoci_error_t err;
  snprintf(path, sizeof path, "/proc/%d/maps", pid);
  if (vaoci_read_file(AT_FDCWD, path, 16 << 20, &maps, &len, &err) < 0)
    return 0;
  if (strstr(maps, PRELOAD_NAME "\n"))
    return 1;
  return strstr(maps, "/ld-") && !strstr(maps, "/libc.so") && !strstr(maps, "/libc-");
}

/* settle polls until a verdict, or returns 0 ("pending") when no exec was seen by give_up_ms.
 * budget_ms > 0 bounds it (the hook's own timeout): then the verdict is what was seen so far. */
static int settle(const struct vaoci_hook_opts *o, struct vaoci_hook_report *r, struct vaoci_verify_report *v,
                  const json_t *env, long give_up_ms, long budget_ms) {
  long t0 = now_ms(), exec_at = -1, wait_us = 100;
  vaoci_error_t err = {0};
  for (;; backoff(&wait_us)) {
    if (gone(r->st->pid)) {
      r->status = "exited", r->ok = 1, r->verify = NULL;
      snprintf(r->message, sizeof r->message, "pid %d exited before it could be verified", r->st->pid);
      break;
    }
    if (exec_at < 0 && !execed(r->st->pid, env)) {
      if (now_ms() - t0 >= give_up_ms || (give_up_ms == EXEC_GRACE_MS && runc_init(r->st->pid)))
        return r->waited_ms = now_ms() - t0, 0;
      continue;
    }
    if (exec_at < 0)
      exec_at = now_ms();
    int out_of_time = budget_ms > 0 && now_ms() - t0 >= budget_ms;
    if (vaoci_verify_pid(r->st->pid, &r->window, v, &err) < 0) {
      if (!out_of_time && (gone(r->st->pid) || now_ms() - exec_at < o->settle_ms))
        continue; /* an exiting process can fail a read before it shows as gone */
      r->status = "error", r->ok = 0, r->verify = NULL;
      snprintf(r->message, sizeof r->message, "verify pid %d: %s", r->st->pid, err.msg);
      break;
    }
    r->verify = v, r->ok = v->holds, r->status = v->holds ? "holds" : "does-not-hold";
    long waited = now_ms() - exec_at;
    r->timed_out = out_of_time && !v->holds;
    if (v->holds || out_of_time || (waited >= o->settle_ms && (waited >= LOADING_MS || !loading(r->st->pid))))
      break;
  }
  r->waited_ms = now_ms() - t0;
  return 1;
}

/* describe writes the verdict's line (exited, pending and errors have theirs). */
static void describe(struct vaoci_hook_report *r) {
  char text[VAOCI_WINDOW_TEXT_MAX];
  vaoci_window_format(&r->window, text, sizeof text);
  if (r->verify && r->verify->holds)
    snprintf(r->message, sizeof r->message, "va-limit %s holds in pid %d", text, r->st->pid);
  else if (r->verify)
    snprintf(
        r->message, sizeof r->message,
        "va-limit %s does not hold in pid %d%s: %llu MiB in %llu gaps outside the window are free (first 0x%llx-0x%llx)",
        text, r->st->pid, r->timed_out ? " before the hook's timeout (config.json)" : "",
        (unsigned long long)(r->verify->free_bytes >> 20), (unsigned long long)r->verify->free_regions,
        (unsigned long long)(r->verify->nfree_listed ? r->verify->free_list[0].start : 0),
        (unsigned long long)(r->verify->nfree_listed ? r->verify->free_list[0].end : 0));
}

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

/* finish writes the report and says the verdict; returns 1 when it is fine. */
static int finish(const json_t *node, struct vaoci_hook_report *r) {
  char path[4200];
  vaoci_error_t err = {0};
  describe(r);
  if (vaoci_hook_write_report(node, r, path, sizeof path, &err) < 0)
    vaoci_hook_say(node, r->st->id, 1, err.msg);
  if (r->ok)
    vaoci_log(node, "vaoci-hook", "%s: %s (report %s)", r->st->id, r->message, path);
  else
    vaoci_hook_say(node, r->st->id, !strcmp(r->on_error, "warn"), r->message);
  return r->ok;
}

/* enforce: under on-error fail a process whose window does not hold is
 * killed, since the OCI spec lets a runtime (crun) only warn when a
 * poststart hook fails. */
static void enforce(const json_t *node, const struct vaoci_hook_report *r) {
  if (!r->ok && strcmp(r->on_error, "warn") && r->verify && kill(r->st->pid, SIGKILL) == 0)
    vaoci_log(node, "vaoci-hook", "%s: killed pid %d (on-error fail)", r->st->id, r->st->pid);
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
  if (!settle(o, r, v, env, WATCH_MS, 0)) {
    r->status = "not-started", r->ok = 0, r->verify = NULL;
    snprintf(r->message, sizeof r->message, "pid %d did not exec within %d s", r->st->pid, WATCH_MS / 1000);
  }
  enforce(node, r); /* first: a process released by the report must not run on */
  finish(node, r);
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
  if (settle(o, &r, &v, env, EXEC_GRACE_MS, budget_ms)) {
    /* The verdict first: once its process dies, a runtime may stop this hook (crun 1.8.1 does when
     * the hook has a timeout), and the report and the line would be lost. */
    ok = finish(node, &r) || !strcmp(r.on_error, "warn");
    enforce(node, &r);
  } else {
    r.status = "pending", r.ok = 1;
    snprintf(r.message, sizeof r.message,
             "pid %d has not exec'd yet (the runtime runs poststart first): a watcher verifies it", r.st->pid);
    finish(node, &r);
    watch(o, node, &r, &v, env);
  }
  json_decref(st.doc);
  return ok ? 0 : VAOCI_HOOK_EXIT_REFUSED;
}
