/* vaoci_policy_resolve: settings by precedence, then the guest
 * architecture, the window, the emulator and the injection, as
 * cli/src/lib/policy/resolve.ts (guest.ts, window-setting.ts, emulator.ts). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "internal.h"
#include "line.h"

void vaoci_source_of(const struct vaoci_chosen *ch, struct vaoci_source *out) {
  out->source = ch->source;
  snprintf(out->key, sizeof out->key, "%s", ch->key);
}

void vaoci_source_detected(const struct vaoci_chosen *ch, struct vaoci_source *out) {
  out->source = VAOCI_SOURCE_DETECTED;
  snprintf(out->key, sizeof out->key, "%s", ch->key);
}

static const char *entry_arch_name(int arch) { return vaoci_policy_entry_arch_names[arch]; }

/* detection_required: an undetectable guest refuses the container only when
 * a window was asked for: a vaoci.io annotation applies to it (and its
 * va-limit is not none), or the va-limit is a concrete window. The default
 * auto acts only on the guests it recognizes (guest.ts detectionRequired). */
static int detection_required(const struct vaoci_chosen chosen[VAOCI_KEY_COUNT]) {
  int va = chosen[VAOCI_KEY_VA_LIMIT].word;
  if (va == VAOCI_SET_VA_LIMIT_NONE)
    return 0;
  if (va != VAOCI_SET_VA_LIMIT_AUTO)
    return 1;
  for (int k = 0; k < VAOCI_KEY_COUNT; k++)
    if (chosen[k].source == VAOCI_SOURCE_POD_ANNOTATION || chosen[k].source == VAOCI_SOURCE_CONTAINER_ANNOTATION)
      return 1;
  return 0;
}

static void undetected(struct vaoci_decision *d, const struct vaoci_chosen *ch, const char *detail) {
  char expected[VAOCI_POLICY_LINE_MAX];
  d->value = VAOCI_GUEST_ARCH_UNKNOWN;
  vaoci_source_detected(ch, &d->source);
  if (!d->required)
    return;
  snprintf(expected, sizeof expected, VAOCI_EXPECT_GUEST_UNDETECTED, detail);
  vaoci_line_problem_text(d->problem, sizeof d->problem, ch->line_key, ch->raw, expected);
  d->has_problem = 1;
}

/* guest: as written, or auto from the entrypoint's ELF (native when it is the host's). */
static void guest(struct vaoci_decision *d, const struct vaoci_chosen *ch, const struct vaoci_detected *det) {
  static const int written[] = {[VAOCI_SET_GUEST_ARCH_X86_64] = VAOCI_GUEST_ARCH_X86_64,
                                [VAOCI_SET_GUEST_ARCH_I386] = VAOCI_GUEST_ARCH_I386,
                                [VAOCI_SET_GUEST_ARCH_NATIVE] = VAOCI_GUEST_ARCH_NATIVE};
  if (ch->word != VAOCI_SET_GUEST_ARCH_AUTO) {
    d->value = written[ch->word];
    vaoci_source_of(ch, &d->source);
    return;
  }
  const struct vaoci_entrypoint *ep = det ? &det->entrypoint : NULL;
  int host = det ? det->host_arch : VAOCI_ENTRY_ARCH_AARCH64;
  if (!ep || !ep->present)
    return undetected(d, ch, VAOCI_EXPECT_NO_ENTRYPOINT);
  if (ep->error)
    return undetected(d, ch, ep->error);
  vaoci_source_detected(ch, &d->source);
  if (ep->arch == host || (host == VAOCI_ENTRY_ARCH_X86_64 && ep->arch == VAOCI_ENTRY_ARCH_I386)) {
    d->value = VAOCI_GUEST_ARCH_NATIVE;
  } else if (ep->arch == VAOCI_ENTRY_ARCH_AARCH64) {
    char detail[VAOCI_POLICY_LINE_MAX / 2];
    snprintf(detail, sizeof detail, VAOCI_EXPECT_FOREIGN_ARCH, ep->path, entry_arch_name(ep->arch),
             entry_arch_name(host));
    undetected(d, ch, detail);
  } else {
    d->value = ep->arch == VAOCI_ENTRY_ARCH_X86_64 ? VAOCI_GUEST_ARCH_X86_64 : VAOCI_GUEST_ARCH_I386;
  }
}

/* window: as written, or auto from the guest; a native container of a named
 * pod takes a window only from its own per-container key. */
static void window(struct vaoci_policy *p, const struct vaoci_chosen *ch, const char *container) {
  struct vaoci_source *src = &p->sources[VAOCI_FIELD_VA_LIMIT];
  p->has_window = 0;
  if (ch->word == VAOCI_SET_VA_LIMIT_AUTO) {
    vaoci_source_detected(ch, src);
    if (p->guest_arch == VAOCI_GUEST_ARCH_X86_64 || p->guest_arch == VAOCI_GUEST_ARCH_I386) {
      p->has_window = 1;
      p->window = p->guest_arch == VAOCI_GUEST_ARCH_X86_64 ? vaoci_policy_window_x86_64 : vaoci_policy_window_i386;
    }
    return;
  }
  int written = ch->word != VAOCI_SET_VA_LIMIT_NONE;
  if (written && p->guest_arch == VAOCI_GUEST_ARCH_NATIVE && container[0] &&
      ch->source != VAOCI_SOURCE_CONTAINER_ANNOTATION) {
    vaoci_source_detected(ch, src);
    return;
  }
  vaoci_source_of(ch, src);
  p->has_window = written;
  if (ch->word == VAOCI_SET_VA_LIMIT_X86_64)
    p->window = vaoci_policy_window_x86_64;
  else if (ch->word == VAOCI_SET_VA_LIMIT_I386)
    p->window = vaoci_policy_window_i386;
  else if (written)
    p->window = ch->window;
}

static const struct vaoci_binfmt_entry *binfmt_for(int guest_arch, const struct vaoci_detected *det) {
  if (!det || (guest_arch != VAOCI_GUEST_ARCH_X86_64 && guest_arch != VAOCI_GUEST_ARCH_I386))
    return NULL;
  const struct vaoci_binfmt_entry *e = &det->binfmt[guest_arch == VAOCI_GUEST_ARCH_X86_64 ? 0 : 1];
  return e->present ? e : NULL;
}

/* emulator: native guests have none (unless preload); auto reads binfmt_misc. */
static void emulator(struct vaoci_decision *d, const struct vaoci_policy *p, const struct vaoci_chosen *ch,
                     const struct vaoci_detected *det) {
  static const int written[] = {[VAOCI_SET_EMULATOR_FEX] = VAOCI_EMULATOR_FEX,
                                [VAOCI_SET_EMULATOR_BOX64] = VAOCI_EMULATOR_BOX64,
                                [VAOCI_SET_EMULATOR_QEMU] = VAOCI_EMULATOR_QEMU,
                                [VAOCI_SET_EMULATOR_PRELOAD] = VAOCI_EMULATOR_PRELOAD,
                                [VAOCI_SET_EMULATOR_NONE] = VAOCI_EMULATOR_NONE};
  int emulated = p->guest_arch == VAOCI_GUEST_ARCH_X86_64 || p->guest_arch == VAOCI_GUEST_ARCH_I386;
  int explicit_own = ch->word == VAOCI_SET_EMULATOR_PRELOAD || ch->word == VAOCI_SET_EMULATOR_NONE;
  if (!emulated && !explicit_own) {
    d->value = VAOCI_EMULATOR_NONE;
    vaoci_source_detected(ch, &d->source);
    return;
  }
  if (ch->word != VAOCI_SET_EMULATOR_AUTO) {
    d->value = written[ch->word];
    vaoci_source_of(ch, &d->source);
    return;
  }
  const struct vaoci_binfmt_entry *e = binfmt_for(p->guest_arch, det);
  static const int named[] = {[VAOCI_BINFMT_EMULATOR_FEX] = VAOCI_EMULATOR_FEX,
                              [VAOCI_BINFMT_EMULATOR_BOX64] = VAOCI_EMULATOR_BOX64,
                              [VAOCI_BINFMT_EMULATOR_QEMU] = VAOCI_EMULATOR_QEMU,
                              [VAOCI_BINFMT_EMULATOR_ROSETTA] = VAOCI_EMULATOR_ROSETTA,
                              [VAOCI_BINFMT_EMULATOR_UNKNOWN] = VAOCI_EMULATOR_UNKNOWN};
  vaoci_source_detected(ch, &d->source);
  d->value = e ? named[e->emulator] : VAOCI_EMULATOR_NONE;
  if (!e && p->has_window) {
    char expected[VAOCI_POLICY_LINE_MAX];
    snprintf(expected, sizeof expected, VAOCI_EXPECT_NO_BINFMT, vaoci_policy_guest_arch_names[p->guest_arch]);
    vaoci_line_problem_text(d->problem, sizeof d->problem, ch->line_key, ch->raw, expected);
    d->has_problem = 1;
  }
}

int vaoci_policy_resolve(const json_t *annotations, const json_t *node_config, const char *container,
                         const struct vaoci_detected *detected, struct vaoci_policy *out) {
  struct vaoci_chosen chosen[VAOCI_KEY_COUNT];
  struct vaoci_decision g = {0}, e = {0};
  char problem[VAOCI_POLICY_LINE_MAX] = "";
  memset(out, 0, offsetof(struct vaoci_policy, problems.lines));
  out->container = container ? container : "";
  const char *sandbox = vaoci_policy_sandbox_marker(annotations);
  if (sandbox) { /* before the annotations are even checked: they are the pod's, not the sandbox's */
    vaoci_policy_sandbox(sandbox, out);
    return 0;
  }
  vaoci_policy_collect(annotations, node_config, out->container, chosen, &out->problems);
  out->on_error =
      chosen[VAOCI_KEY_ON_ERROR].word == VAOCI_SET_ON_ERROR_WARN ? VAOCI_ON_ERROR_WARN : VAOCI_ON_ERROR_FAIL;
  vaoci_source_of(&chosen[VAOCI_KEY_ON_ERROR], &out->sources[VAOCI_FIELD_ON_ERROR]);
  if (out->problems.count && out->on_error == VAOCI_ON_ERROR_FAIL)
    return -VAOCI_E_INVALID;

  g.required = detection_required(chosen);
  guest(&g, &chosen[VAOCI_KEY_GUEST_ARCH], detected);
  out->guest_arch = g.value;
  out->sources[VAOCI_FIELD_GUEST_ARCH] = g.source;
  window(out, &chosen[VAOCI_KEY_VA_LIMIT], out->container);
  emulator(&e, out, &chosen[VAOCI_KEY_EMULATOR], detected);
  out->emulator = e.value;
  out->sources[VAOCI_FIELD_EMULATOR] = e.source;
  out->method = VAOCI_METHOD_NONE;
  if (g.has_problem)
    snprintf(problem, sizeof problem, "%s", g.problem);
  else if (e.has_problem)
    snprintf(problem, sizeof problem, "%s", e.problem);
  else {
    const struct vaoci_entrypoint *ep = detected ? &detected->entrypoint : NULL;
    vaoci_policy_inject(out, &chosen[VAOCI_KEY_VA_LIMIT], &chosen[VAOCI_KEY_EMULATOR],
                        binfmt_for(out->guest_arch, detected), ep && ep->present && !ep->error ? ep : NULL, node_config,
                        problem, sizeof problem);
  }
  /* Under fail there are no earlier problems here (they returned above): the line stands alone. */
  if (problem[0])
    vaoci_problems_add(&out->problems, problem);
  return problem[0] && out->on_error == VAOCI_ON_ERROR_FAIL ? -VAOCI_E_INVALID : 0;
}
