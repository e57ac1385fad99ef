/* vaoci_nri_resolve: detect → resolve → modify, all in the wrapper's C. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "detect.h"
#include "policy_gen.h"
#include "resolve.h"
#include "spec.h"
#include "util.h"

#define IMAGE_ENTRYPOINT "the image's entrypoint"

/* image_facts: the entrypoint's architecture is the image's (its config's
 * "architecture"), its linkage unknown; binfmt_misc as the wrapper reads it
 * (already in f). */
static void image_facts(const char *arch, const char *why, struct vaoci_facts *f) {
  struct vaoci_entrypoint *ep = &f->detected.entrypoint;
  memset(ep, 0, sizeof *ep);
  f->entry_error[0] = 0;
  ep->present = 1, ep->path = IMAGE_ENTRYPOINT, ep->linkage = VAOCI_LINKAGE_UNKNOWN;
  if (arch && !strcmp(arch, "amd64"))
    ep->arch = VAOCI_ENTRY_ARCH_X86_64;
  else if (arch && !strcmp(arch, "386"))
    ep->arch = VAOCI_ENTRY_ARCH_I386;
  else if (arch && !strcmp(arch, "arm64"))
    ep->arch = VAOCI_ENTRY_ARCH_AARCH64;
  else if (arch && *arch)
    snprintf(f->entry_error, sizeof f->entry_error, "the image's architecture `%s` is not amd64, 386 or arm64", arch);
  else
    snprintf(f->entry_error, sizeof f->entry_error, "the image's architecture is unknown: %s",
             why && *why ? why : "no image");
  if (f->entry_error[0])
    ep->error = f->entry_error;
}

static json_t *lines(const struct vaoci_problems *p) {
  json_t *a = json_array();
  for (int i = 0; a && i < p->count; i++)
    json_array_append_new(a, json_string(p->lines[i]));
  return a;
}

static void log_decision(const json_t *node, const char *id, const struct vaoci_policy *p, int changed) {
  char window[VAOCI_WINDOW_TEXT_MAX] = "none";
  if (!p->has_window && p->method == VAOCI_METHOD_NONE)
    return; /* as the wrapper: only the containers vaoci acts on */
  if (p->has_window)
    vaoci_window_format(&p->window, window, sizeof window);
  vaoci_log(node, "vaoci-nri", "%s: container \"%s\": va-limit %s, guest %s, emulator %s, injection %s, spec %s", id,
            p->container, window, vaoci_policy_guest_arch_names[p->guest_arch],
            vaoci_policy_emulator_names[p->emulator], vaoci_policy_method_names[p->method],
            changed ? "adjusted" : "already prepared");
}

/* answer builds the reply for one resolved (and perhaps modified) container. */
static json_t *answer(json_t *config, const json_t *node, const char *id, const struct vaoci_spec_policy *sp) {
  const char *prefix = sp->refused ? "" : "warning: ";
  for (int i = 0; i < sp->policy.problems.count; i++)
    vaoci_log(node, "vaoci-nri", "%s: %s%s", id, prefix, sp->policy.problems.lines[i]);
  return json_pack("{s:b, s:o, s:O, s:s}", "refused", sp->refused, "lines", lines(&sp->policy.problems), "config",
                   config, "on_error", vaoci_policy_on_error_names[sp->policy.on_error]);
}

/* outcome is what a resolution does to the container, to compare two: the
 * lines, the window and the injection; the guest and emulator only when
 * vaoci acts (they are in the node log's line then). */
static json_t *outcome(const struct vaoci_spec_policy *sp) {
  const struct vaoci_policy *p = &sp->policy;
  cleanup_json json_t *policy = vaoci_policy_to_json(p);
  json_t *o = policy
                  ? json_pack("{s:b, s:o, s:O, s:O}", "refused", sp->refused, "lines", lines(&p->problems), "va_limit",
                              json_object_get(policy, "va_limit"), "injection", json_object_get(policy, "injection"))
                  : NULL;
  if (o && (p->has_window || p->method != VAOCI_METHOD_NONE))
    json_object_set_new(
        o, "acts",
        json_pack("[s,s]", vaoci_policy_guest_arch_names[p->guest_arch], vaoci_policy_emulator_names[p->emulator]));
  return o;
}

/* image_matters: would the image's architecture change this container's
 * outcome? Resolves with each architecture vaoci knows and with none; when
 * all agree (an unannotated pod on a node without defaults, a pod that names
 * its guest), the engine need not be asked for the image. */
static int image_matters(const json_t *config, const json_t *node, struct vaoci_spec_policy *sp) {
  static const char *const arches[] = {"amd64", "386", "arm64", NULL};
  cleanup_json json_t *first = NULL;
  for (size_t i = 0; i < sizeof arches / sizeof arches[0]; i++) {
    image_facts(arches[i], "not asked", &sp->facts);
    memset(&sp->policy, 0, offsetof(struct vaoci_policy, problems.lines));
    vaoci_spec_resolve_facts(config, node, sp);
    cleanup_json json_t *o = outcome(sp);
    if (!o)
      return 1;
    if (!first)
      first = json_incref(o);
    else if (!json_equal(first, o))
      return 1;
  }
  return 0;
}

/* vaoci_nri_node_config is the node config, read and parsed again only when its file
 * changed (another path, inode, size, mtime or ctime): the wrapper reads it once
 * per container because it lives that long; the plugin lives as long as the
 * node, and an install rewrites the file whole (a new inode). The stat comes
 * before the read, so a change racing the read is seen next time. The
 * callers only read the document they share. */
json_t *vaoci_nri_node_config(vaoci_error_t *err) {
  static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  static json_t *cached;
  static struct stat seen;
  static char seen_path[4096];
  const char *path = getenv(VAOCI_CONFIG_ENV), *read_from;
  if (!path || !*path)
    path = VAOCI_CONFIG_DEFAULT;
  struct stat st;
  int known = stat(path, &st) == 0;
  pthread_mutex_lock(&lock);
  json_t *doc = NULL;
  if (known && cached && !strcmp(path, seen_path) && st.st_dev == seen.st_dev && st.st_ino == seen.st_ino &&
      st.st_size == seen.st_size && st.st_mtim.tv_sec == seen.st_mtim.tv_sec &&
      st.st_mtim.tv_nsec == seen.st_mtim.tv_nsec && st.st_ctim.tv_sec == seen.st_ctim.tv_sec &&
      st.st_ctim.tv_nsec == seen.st_ctim.tv_nsec) {
    doc = json_incref(cached);
  } else {
    doc = vaoci_node_config(&read_from, err);
    json_decref(cached);
    cached = doc && known ? json_incref(doc) : NULL;
    seen = st;
    snprintf(seen_path, sizeof seen_path, "%s", path);
  }
  pthread_mutex_unlock(&lock);
  return doc;
}

static json_t *run(json_t *in) {
  vaoci_error_t err = {0};
  const char *id = json_string_value(json_object_get(in, "id")) ?: "-";
  cleanup_json json_t *node = vaoci_nri_node_config(&err);
  if (!node)
    return json_pack("{s:s}", "error", err.msg);
  cleanup_json json_t *config =
      json_pack("{s:O, s:O, s:O}", "annotations", json_object_get(in, "annotations"), "process",
                json_object_get(in, "process"), "mounts", json_object_get(in, "mounts"));
  /* one policy per thread, kept: its ~140 KiB would be mapped and faulted
   * in again on every container (the resolver clears what it uses) */
  static __thread struct vaoci_spec_policy *sp;
  if (!sp)
    sp = calloc(1, sizeof *sp);
  if (!config || !sp)
    return NULL;
  memset(&sp->facts, 0, sizeof sp->facts);
  vaoci_detect(-1, NULL, vaoci_node_string(node, "binfmt_dir", VAOCI_NODE_BINFMT_DIR), &sp->facts);
  if (json_is_true(json_object_get(in, "image_pending"))) {
    if (image_matters(config, node, sp))
      return json_pack("{s:b}", "need_image", 1);
  } else {
    image_facts(json_string_value(json_object_get(in, "image_arch")),
                json_string_value(json_object_get(in, "image_error")), &sp->facts);
    vaoci_spec_resolve_facts(config, node, sp);
  }
  json_t *out = answer(config, node, id, sp);
  if (!out || sp->refused)
    return out;
  /* the hook the runtime runs on the node: the plugin's -hook, else beside the plugin (as the wrapper) */
  char hook[4096];
  const char *given = json_string_value(json_object_get(in, "hook"));
  if (given)
    snprintf(hook, sizeof hook, "%s", given);
  else
    vaoci_hook_path(hook, sizeof hook);
  struct vaoci_modify_ctx ctx = {&sp->policy, hook, getenv(VAOCI_CONFIG_ENV)};
  int r = vaoci_spec_modify(config, &ctx, &err);
  if (r < 0) {
    /* as the wrapper: under fail the container is refused, under warn it starts without vaoci */
    int fail = sp->policy.on_error != VAOCI_ON_ERROR_WARN;
    char line[VAOCI_ERROR_MSG_MAX + 64];
    snprintf(line, sizeof line, "%s%s", err.msg, fail ? "" : " (on-error warn: the container starts without vaoci)");
    vaoci_log(node, "vaoci-nri", "%s: %s%s", id, fail ? "" : "warning: ", line);
    json_object_set_new(out, "refused", json_boolean(fail));
    json_object_set_new(out, "lines", json_pack("[s]", line));
    json_object_set_new(out, "changed", json_integer(0));
    return out;
  }
  log_decision(node, id, &sp->policy, r);
  json_object_set_new(out, "changed", json_integer(r));
  return out;
}

char *vaoci_nri_resolve(const char *text, size_t len) {
  vaoci_error_t err = {0};
  cleanup_json json_t *in = vaoci_json_load(text, len, &err);
  cleanup_json json_t *out = in ? run(in) : json_pack("{s:s}", "error", err.msg);
  return out ? json_dumps(out, JSON_COMPACT) : NULL;
}
