/* The modifiers: one spec change each, run from a list that skips the
 * disabled ones; each returns 1 when it changed the config, 0 when it found
 * its work already done (so a second run on one bundle changes nothing), or
 * a negative status. (nvidia-container-toolkit: internal/modifier/list.go) */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include "spec.h"
#include "util.h"

/* child returns config[key], created as an empty object or array when absent. */
static json_t *child(json_t *parent, const char *key, int array) {
  json_t *c = json_object_get(parent, key);
  if (!c) {
    c = array ? json_array() : json_object();
    json_object_set_new(parent, key, c);
  }
  return c;
}

/* bind_mounts: each policy mount, read-only at the same path, unless the
 * config already mounts something there (the image's or the user's wins). */
static int bind_mounts(json_t *config, const struct vaoci_modify_ctx *ctx, vaoci_error_t *err) {
  if (!ctx->policy->mount_count)
    return 0;
  json_t *mounts = child(config, "mounts", 1), *m;
  int changed = 0;
  if (!json_is_array(mounts))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "config.json: `mounts` is not an array");
  for (int i = 0; i < ctx->policy->mount_count; i++) {
    const char *path = ctx->policy->mounts[i];
    size_t k;
    int found = 0;
    json_array_foreach(mounts, k, m) found |= !strcmp(json_string_value(json_object_get(m, "destination")) ?: "", path);
    if (found)
      continue;
    json_array_append_new(mounts, json_pack("{s:s, s:s, s:s, s:[s,s,s,s]}", "destination", path, "type", "bind",
                                            "source", path, "options", "rbind", "ro", "nosuid", "nodev"));
    changed = 1;
  }
  return changed;
}

/* has_token: list (':' or ' ' separated, as ld.so reads LD_PRELOAD) holds item. */
static int has_token(const char *list, const char *item) {
  size_t n = strlen(item);
  for (const char *p = list; *p; p += strcspn(p, ": ")) {
    p += strspn(p, ": ");
    if (!strncmp(p, item, n) && (p[n] == 0 || p[n] == ':' || p[n] == ' '))
      return 1;
  }
  return 0;
}

/* set_env sets NAME=value in process.env; LD_PRELOAD keeps what the image
 * preloads, after vaoci's library. */
static int set_env(json_t *env, const char *name, const char *value) {
  size_t n = strlen(name), i;
  json_t *e;
  char buf[8192];
  json_array_foreach(env, i, e) {
    const char *s = json_string_value(e);
    if (!s || strncmp(s, name, n) || s[n] != '=')
      continue;
    if (!strcmp(s + n + 1, value) || (!strcmp(name, "LD_PRELOAD") && has_token(s + n + 1, value)))
      return 0;
    if (!strcmp(name, "LD_PRELOAD") && s[n + 1])
      snprintf(buf, sizeof buf, "%s=%s:%s", name, value, s + n + 1);
    else
      snprintf(buf, sizeof buf, "%s=%s", name, value);
    json_array_set_new(env, i, json_string(buf));
    return 1;
  }
  snprintf(buf, sizeof buf, "%s=%s", name, value);
  json_array_append_new(env, json_string(buf));
  return 1;
}

static int environment(json_t *config, const struct vaoci_modify_ctx *ctx, vaoci_error_t *err) {
  json_t *process = json_object_get(config, "process");
  if (!json_is_object(process))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "config.json: no `process` object");
  json_t *env = child(process, "env", 1);
  if (!json_is_array(env))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "config.json: `process.env` is not an array");
  int changed = 0;
  for (int i = 0; i < ctx->policy->env_count; i++)
    changed |= set_env(env, ctx->policy->env[i].name, ctx->policy->env[i].value);
  return changed;
}

/* hook_entry is the poststart hook that verifies the window (hook/README.md).
 * No "timeout": crun 1.8.1 reported "timeout expired" for this hook in ~2%
 * of runs although it had finished; the hook bounds its own time instead
 * (--settle-ms, and a detached watcher when the runtime waits for it). */
static json_t *hook_entry(const struct vaoci_modify_ctx *ctx) {
  const struct vaoci_policy *p = ctx->policy;
  char window[VAOCI_WINDOW_TEXT_MAX];
  vaoci_window_format(&p->window, window, sizeof window);
  json_t *h = json_pack("{s:s, s:[s,s,s,s,s,s]}", "path", ctx->hook_path, "args", "vaoci-hook", "poststart",
                        "--va-limit", window, "--on-error", vaoci_policy_on_error_names[p->on_error]);
  if (h && p->container[0]) {
    json_array_append_new(json_object_get(h, "args"), json_string("--container"));
    json_array_append_new(json_object_get(h, "args"), json_string(p->container));
  }
  if (h && ctx->config_path) {
    char env[4200];
    snprintf(env, sizeof env, "%s=%s", VAOCI_CONFIG_ENV, ctx->config_path);
    json_object_set_new(h, "env", json_pack("[s]", env));
  }
  return h;
}

static int poststart_hook(json_t *config, const struct vaoci_modify_ctx *ctx, vaoci_error_t *err) {
  json_t *hooks = child(config, "hooks", 0), *list, *h;
  if (!json_is_object(hooks) || !json_is_array(list = child(hooks, "poststart", 1)))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "config.json: `hooks.poststart` is not an array");
  cleanup_json json_t *want = hook_entry(ctx);
  size_t i;
  json_array_foreach(list, i, h) {
    if (strcmp(json_string_value(json_object_get(h, "path")) ?: "", ctx->hook_path))
      continue;
    if (json_equal(h, want))
      return 0;
    json_array_set(list, i, want);
    return 1;
  }
  json_array_append(list, want);
  return 1;
}

/* launch_args puts vaoci-launch -- [EMULATOR] before process.args, unless
 * they already start with the launcher (a second run on one bundle). */
static int launch_args(json_t *config, const struct vaoci_modify_ctx *ctx, vaoci_error_t *err) {
  const struct vaoci_policy *p = ctx->policy;
  json_t *args = json_object_get(json_object_get(config, "process"), "args");
  if (!json_is_array(args) || !json_array_size(args))
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "config.json: `process.args` is not a non-empty array");
  if (!strcmp(json_string_value(json_array_get(args, 0)) ?: "", p->args[0]))
    return 0;
  for (int i = p->args_count - 1; i >= 0; i--)
    json_array_insert_new(args, 0, json_string(p->args[i]));
  return 1;
}

static int has_injection(const struct vaoci_modify_ctx *ctx) { return ctx->policy->method != VAOCI_METHOD_NONE; }
static int has_launch(const struct vaoci_modify_ctx *ctx) { return ctx->policy->method == VAOCI_METHOD_LAUNCH; }
static int has_window(const struct vaoci_modify_ctx *ctx) {
  return vaoci_policy_verifiable(ctx->policy) && ctx->hook_path;
}

static const struct {
  const char *name;
  int (*enabled)(const struct vaoci_modify_ctx *);
  int (*apply)(json_t *, const struct vaoci_modify_ctx *, vaoci_error_t *);
} modifiers[] = {
    {"bind mounts", has_injection, bind_mounts},
    {"environment", has_injection, environment},
    {"process args", has_launch, launch_args},
    {"poststart hook", has_window, poststart_hook},
};

int vaoci_spec_modify(json_t *config, const struct vaoci_modify_ctx *ctx, vaoci_error_t *err) {
  int changed = 0;
  for (size_t i = 0; i < sizeof modifiers / sizeof modifiers[0]; i++) {
    if (!modifiers[i].enabled(ctx))
      continue;
    int r = modifiers[i].apply(config, ctx, err);
    if (r < 0)
      return vaoci_wrap_error(err, "%s", modifiers[i].name);
    changed += r;
  }
  return changed;
}
