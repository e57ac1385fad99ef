/* settle: does a container's process hold its window, and what then: the
 * poststart check of vaoci-hook (poststart.c) and of vaoci-nri, which runs
 * it on NRI's PostStartContainer instead of starting a hook per container.
 * The process has exec'd when its /proc/PID/environ holds every entry of
 * the config's process.env (a runtime's init has its own); then it is
 * verified until the window holds or --settle-ms passed (LOADING_MS while a
 * dynamic loader or the preload is still at work: an emulator such as
 * qemu-x86_64 under software emulation takes ~100-300 ms from exec to the
 * preload's constructor, and a verdict before that would refuse a window
 * that is about to hold). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "hook.h"
#include "vaoci/verify.h"

#define LOADING_MS (10 * 1000)

/* vaoci_verify_pid keeps its scratch in static storage (libvaoci is
 * freestanding): one verify at a time, as vaoci-nri checks containers side
 * by side. */
static pthread_mutex_t verify_lock = PTHREAD_MUTEX_INITIALIZER;

static int verify_one(int pid, const struct vaoci_window *w, struct vaoci_verify_report *v, vaoci_error_t *err) {
  pthread_mutex_lock(&verify_lock);
  int rc = vaoci_verify_pid(pid, w, v, err);
  pthread_mutex_unlock(&verify_lock);
  return rc;
}
#define PRELOAD_NAME "/libvaoci-preload.so"

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

int vaoci_hook_settle(long settle_ms, struct vaoci_hook_report *r, struct vaoci_verify_report *v, const json_t *env,
                      long give_up_ms, long budget_ms) {
  long t0 = now_ms(), exec_at = -1, wait_us = 100;
  vaoci_error_t err = {0};
  for (;; backoff(&wait_us)) {
    if (gone(r->st->pid)) {
      r->status = "exited", r->ok = 1, r->verify = NULL;
      snprintf(r->message, sizeof r->message, "pid %d exited before it could be verified", r->st->pid);
      break;
    }
    if (exec_at < 0 && !execed(r->st->pid, env)) {
      if (now_ms() - t0 >= give_up_ms || (give_up_ms == VAOCI_HOOK_EXEC_GRACE_MS && runc_init(r->st->pid)))
        return r->waited_ms = now_ms() - t0, 0;
      continue;
    }
    if (exec_at < 0)
      exec_at = now_ms();
    int out_of_time = budget_ms > 0 && now_ms() - t0 >= budget_ms;
    if (verify_one(r->st->pid, &r->window, v, &err) < 0) {
      if (!out_of_time && (gone(r->st->pid) || now_ms() - exec_at < settle_ms))
        continue; /* an exiting process can fail a read before it shows as gone */
      r->status = "error", r->ok = 0, r->verify = NULL;
      snprintf(r->message, sizeof r->message, "verify pid %d: %s", r->st->pid, err.msg);
      break;
    }
    r->verify = v, r->ok = v->holds, r->status = v->holds ? "holds" : "does-not-hold";
    long waited = now_ms() - exec_at;
    r->timed_out = out_of_time && !v->holds;
    if (v->holds || out_of_time || (waited >= settle_ms && (waited >= LOADING_MS || !loading(r->st->pid))))
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

/* say prints "TOOL: [warning: ]LINE" and logs it with the id, as vaoci_hook_say does for the hook. */
static void say(const json_t *node, const struct vaoci_hook_report *r, int warning, const char *line) {
  const char *tool = r->tool ? r->tool : "vaoci-hook";
  fprintf(stderr, "%s: %s%s\n", tool, warning ? "warning: " : "", line);
  if (node)
    vaoci_log(node, tool, "%s: %s%s", r->st->id ? r->st->id : "-", warning ? "warning: " : "", line);
}

int vaoci_hook_finish(const json_t *node, struct vaoci_hook_report *r) {
  char path[4200];
  vaoci_error_t err = {0};
  describe(r);
  if (vaoci_hook_write_report(node, r, path, sizeof path, &err) < 0)
    say(node, r, 1, err.msg);
  if (r->ok)
    vaoci_log(node, r->tool ? r->tool : "vaoci-hook", "%s: %s (report %s)", r->st->id, r->message, path);
  else
    say(node, r, !strcmp(r->on_error, "warn"), r->message);
  return r->ok;
}

void vaoci_hook_enforce(const json_t *node, const struct vaoci_hook_report *r) {
  if (!r->ok && strcmp(r->on_error, "warn") && r->verify && kill(r->st->pid, SIGKILL) == 0)
    vaoci_log(node, r->tool ? r->tool : "vaoci-hook", "%s: killed pid %d (on-error fail)", r->st->id, r->st->pid);
}
