/* vaoci-hook: the OCI hook. Stages (argv[1]):
 *   poststart     verify the container's process holds the window; report
 *   prestart, createRuntime   hook-only setups: the preload into the rootfs
 *                 and its /etc/ld.so.preload, every path inside the rootfs
 *   precreate     podman's hooks-dir stage: the config on stdin, the
 *                 config vaoci-runtime would write on stdout
 * Exit 0, or 1 with one line per problem when on-error fail refuses. */
#ifndef VAOCI_OCIHOOK_H
#define VAOCI_OCIHOOK_H

#include <jansson.h>
#include "spec.h"
#include "util.h"

#define VAOCI_HOOK_EXIT_REFUSED 1

/* vaoci_hook_opts is the command line after the stage. */
struct vaoci_hook_opts {
  const char *stage;
  const char *va_limit; /* --va-limit: the window vaoci-runtime resolved */
  const char *on_error; /* --on-error fail|warn */
  const char *container; /* --container NAME */
  long settle_ms; /* --settle-ms: how long poststart waits for the window to hold */
};

/* vaoci_hook_state is the OCI state the runtime writes on stdin. */
struct vaoci_hook_state {
  json_t *doc;
  const char *id, *bundle;
  int pid;
  json_t *annotations;
};

int vaoci_hook_read_state(int fd, struct vaoci_hook_state *st, vaoci_error_t *err);

/* vaoci_hook_bundle_policy resolves the policy from the state's bundle
 * (config.json, rootfs) and annotations, for hook-only setups. config
 * (may be NULL) receives the bundle's config, dirfd the bundle's fd. */
int vaoci_hook_bundle_policy(const struct vaoci_hook_state *st, const json_t *node, struct vaoci_spec_policy *sp,
                             json_t **config, int *dirfd, vaoci_error_t *err);

/* vaoci_hook_say prints "vaoci-hook: [warning: ]LINE" and logs it with the id. */
void vaoci_hook_say(const json_t *node, const char *id, int warning, const char *line);

int vaoci_hook_poststart(const struct vaoci_hook_opts *o, const json_t *node);
int vaoci_hook_prestart(const struct vaoci_hook_opts *o, const json_t *node);
int vaoci_hook_precreate(const struct vaoci_hook_opts *o, const json_t *node, const char *node_path);

/* The poststart report (schemas/hook-report.schema.json). */
struct vaoci_verify_report;
struct vaoci_hook_report {
  const struct vaoci_hook_state *st;
  const char *tool; /* who verifies: NULL is vaoci-hook; vaoci-nri verifies on PostStartContainer */
  const char *name, *status, *on_error;
  struct vaoci_window window;
  const struct vaoci_verify_report *verify; /* NULL unless verified */
  char message[512];
  long waited_ms;
  int ok;
  int timed_out; /* the verdict came at the hook's own timeout, the window not holding yet */
};

/* How long poststart looks for the exec before it leaves the verdict to a
 * watcher (runc runs poststart before the exec; a runc init is not waited for). */
#define VAOCI_HOOK_EXEC_GRACE_MS 5

/* vaoci_hook_settle polls r->st->pid until a verdict in r (and v), or returns
 * 0 ("pending") when no exec was seen by give_up_ms. budget_ms > 0 bounds it
 * (the hook's own timeout): then the verdict is what was seen so far. */
struct vaoci_verify_report;
int vaoci_hook_settle(long settle_ms, struct vaoci_hook_report *r, struct vaoci_verify_report *v, const json_t *env,
                      long give_up_ms, long budget_ms);

/* vaoci_hook_finish writes the report and says the verdict (node log, stderr); returns 1 when it is fine. */
int vaoci_hook_finish(const json_t *node, struct vaoci_hook_report *r);

/* vaoci_hook_enforce: under on-error fail a process whose window does not
 * hold is killed, since the OCI spec lets a runtime (crun) only warn when a
 * poststart hook fails. */
void vaoci_hook_enforce(const json_t *node, const struct vaoci_hook_report *r);

/* vaoci_hook_write_report writes DIR/ID.json atomically (DIR made if missing). */
int vaoci_hook_write_report(const json_t *node, const struct vaoci_hook_report *r, char *path, size_t size,
                            vaoci_error_t *err);

#endif
