/* The policy as JSON (schemas/policy.schema.json, without reasons), and
 * detected facts from JSON (schemas/policy.schema.json#/$defs/detected). */
#include <stdio.h>
#include <string.h>
#include "internal.h"

json_t *vaoci_json_hex(uint64_t v) {
  char buf[24];
  snprintf(buf, sizeof buf, "0x%llx", (unsigned long long)v);
  return json_string(buf);
}

json_t *vaoci_json_window(const struct vaoci_window *w) {
  char text[VAOCI_WINDOW_TEXT_MAX];
  vaoci_window_format(w, text, sizeof text);
  return json_pack("{s:s, s:o, s:o, s:b}", "text", text, "lower", vaoci_json_hex(w->lower), "upper",
                   vaoci_json_hex(w->upper), "wraps", vaoci_window_wraps(w));
}

static json_t *window_json(const struct vaoci_policy *p) {
  return p->has_window ? vaoci_json_window(&p->window) : json_null();
}

static json_t *source_json(const struct vaoci_source *s) {
  json_t *o = json_pack("{s:s}", "source", vaoci_policy_source_names[s->source]);
  if (o && s->key[0])
    json_object_set_new(o, "key", json_string(s->key));
  return o;
}

static json_t *injection_json(const struct vaoci_policy *p) {
  json_t *env = json_object(), *mounts = json_array();
  for (int i = 0; i < p->env_count; i++)
    json_object_set_new(env, p->env[i].name, json_string(p->env[i].value));
  for (int i = 0; i < p->mount_count; i++)
    json_array_append_new(mounts, json_string(p->mounts[i]));
  json_t *inj =
      json_pack("{s:s, s:o, s:o}", "method", vaoci_policy_method_names[p->method], "env", env, "mounts", mounts);
  if (inj && p->args_count) {
    json_t *args = json_array();
    for (int i = 0; i < p->args_count; i++)
      json_array_append_new(args, json_string(p->args[i]));
    json_object_set_new(inj, "args", args);
  }
  return inj;
}

json_t *vaoci_policy_to_json(const struct vaoci_policy *p) {
  char va[VAOCI_WINDOW_TEXT_MAX] = "none";
  json_t *warnings = json_array();
  for (int i = 0; i < p->problems.count; i++)
    json_array_append_new(warnings, json_string(p->problems.lines[i]));
  if (p->has_window)
    vaoci_window_format(&p->window, va, sizeof va);
  return json_pack(
      "{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:{s:o, s:o, s:o, s:o}, s:o}", "container", p->container, "guest_arch",
      vaoci_policy_guest_arch_names[p->guest_arch], "va_limit", va, "window", window_json(p), "emulator",
      vaoci_policy_emulator_names[p->emulator], "on_error", vaoci_policy_on_error_names[p->on_error], "injection",
      injection_json(p), "sources", "va_limit", source_json(&p->sources[VAOCI_FIELD_VA_LIMIT]), "guest_arch",
      source_json(&p->sources[VAOCI_FIELD_GUEST_ARCH]), "emulator", source_json(&p->sources[VAOCI_FIELD_EMULATOR]),
      "on_error", source_json(&p->sources[VAOCI_FIELD_ON_ERROR]), "warnings", warnings);
}

/* lookup finds text in a generated name table; -1 when absent. */
static int lookup(const char *text, const char *const *names, int count) {
  for (int i = 0; text && i < count; i++)
    if (!strcmp(text, names[i]))
      return i;
  return -1;
}

#define COUNT(a) ((int)(sizeof(a) / sizeof((a)[0])))

static int enum_of(const json_t *o, const char *field, const char *const *names, int count, int *out,
                   vaoci_error_t *err) {
  const char *text = json_string_value(json_object_get(o, field));
  if ((*out = lookup(text, names, count)) < 0)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "detected `%s`: `%s` is not a known value", field,
                            text ? text : "(missing)");
  return 0;
}

static int entrypoint_from_json(const json_t *o, struct vaoci_entrypoint *ep, vaoci_error_t *err) {
  if (!json_is_object(o))
    return 0;
  ep->present = 1;
  ep->path = json_string_value(json_object_get(o, "path"));
  ep->error = json_string_value(json_object_get(o, "error"));
  if (ep->error)
    return 0;
  if (enum_of(o, "arch", vaoci_policy_entry_arch_names, COUNT(vaoci_policy_entry_arch_names), &ep->arch, err) < 0)
    return -VAOCI_E_INVALID;
  return enum_of(o, "linkage", vaoci_policy_linkage_names, COUNT(vaoci_policy_linkage_names), &ep->linkage, err);
}

static int binfmt_from_json(const json_t *o, struct vaoci_binfmt_entry *e, vaoci_error_t *err) {
  if (!json_is_object(o))
    return 0;
  e->present = 1;
  e->entry = json_string_value(json_object_get(o, "entry"));
  e->interpreter = json_string_value(json_object_get(o, "interpreter"));
  e->flags = json_string_value(json_object_get(o, "flags"));
  e->loader = json_string_value(json_object_get(o, "loader"));
  e->launcher = json_is_true(json_object_get(o, "launcher"));
  if (enum_of(o, "emulator", vaoci_policy_binfmt_emulator_names, COUNT(vaoci_policy_binfmt_emulator_names),
              &e->emulator, err) < 0)
    return -VAOCI_E_INVALID;
  return enum_of(o, "linkage", vaoci_policy_linkage_names, COUNT(vaoci_policy_linkage_names), &e->linkage, err);
}

int vaoci_detected_from_json(const json_t *doc, struct vaoci_detected *out, vaoci_error_t *err) {
  memset(out, 0, sizeof *out);
  out->host_arch = VAOCI_ENTRY_ARCH_AARCH64;
  if (!json_is_object(doc))
    return 0;
  const json_t *host = json_object_get(doc, "host_arch"), *binfmt = json_object_get(doc, "binfmt");
  if (host && enum_of(doc, "host_arch", vaoci_policy_entry_arch_names, COUNT(vaoci_policy_entry_arch_names),
                      &out->host_arch, err) < 0)
    return -VAOCI_E_INVALID;
  if (entrypoint_from_json(json_object_get(doc, "entrypoint"), &out->entrypoint, err) < 0)
    return -VAOCI_E_INVALID;
  if (binfmt_from_json(json_object_get(binfmt, "x86_64"), &out->binfmt[VAOCI_BINFMT_X86_64], err) < 0)
    return -VAOCI_E_INVALID;
  return binfmt_from_json(json_object_get(binfmt, "i386"), &out->binfmt[VAOCI_BINFMT_I386], err);
}
