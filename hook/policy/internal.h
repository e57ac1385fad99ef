/* The resolver's steps, shared between its files (not part of the API). */
#ifndef VAOCI_HOOK_POLICY_INTERNAL_H
#define VAOCI_HOOK_POLICY_INTERNAL_H

#include "policy.h"

/* What one annotation key is (keys.c). */
enum { VAOCI_PKEY_FOREIGN, VAOCI_PKEY_SETTING, VAOCI_PKEY_PROBLEM };

/* vaoci_policy_parse_key classifies key: outside vaoci.io/ (FOREIGN), a
 * setting (its key index, and its container part or NULL), or a problem
 * whose line is written into line. */
int vaoci_policy_parse_key(const char *key, const json_t *value, int *which, const char **container, char *line,
                           size_t size);

/* vaoci_policy_parse_value checks a value against key's grammar (values.c):
 * 0 with out->word (and out->window), or -1 with the expected text. */
int vaoci_policy_parse_value(int key, const json_t *value, struct vaoci_chosen *out, char *expected, size_t size);

/* vaoci_policy_collect applies the precedence (settings.c): every key's
 * winner into chosen, every problem of the annotations and node defaults
 * into problems. */
void vaoci_policy_collect(const json_t *annotations, const json_t *node_config, const char *container,
                          struct vaoci_chosen chosen[VAOCI_KEY_COUNT], struct vaoci_problems *problems);

/* A decided field (resolve.c): value, provenance, or a problem line. */
struct vaoci_decision {
  int value;
  int required; /* in: an undecidable value is a problem (guest: detection_required) */
  struct vaoci_source source;
  int has_problem;
  char problem[VAOCI_POLICY_LINE_MAX];
};

/* vaoci_source_of: the setting's own provenance; vaoci_source_detected:
 * detected, keyed by where the setting came from. */
void vaoci_source_of(const struct vaoci_chosen *ch, struct vaoci_source *out);
void vaoci_source_detected(const struct vaoci_chosen *ch, struct vaoci_source *out);

/* vaoci_policy_inject decides the injection (injection.c) into p from the
 * resolved fields already in p; returns 0, or -1 with the problem line. */
int vaoci_policy_inject(struct vaoci_policy *p, const struct vaoci_chosen *va, const struct vaoci_chosen *emu,
                        const struct vaoci_binfmt_entry *entry, const struct vaoci_entrypoint *workload,
                        const json_t *node_config, char *problem, size_t size);

/* vaoci_policy_sandbox_marker names the annotation that marks a pod
 * sandbox (sandbox.c), or NULL; vaoci_policy_sandbox fills the policy every
 * sandbox gets: no window, no injection, each source "sandbox". */
const char *vaoci_policy_sandbox_marker(const json_t *annotations);
void vaoci_policy_sandbox(const char *marker, struct vaoci_policy *out);

/* Named windows, as native's window.c makes them. */
extern const struct vaoci_window vaoci_policy_window_x86_64, vaoci_policy_window_i386;

/* vaoci_policy_window_contains: outer holds every address of inner (a preset from 0). */
int vaoci_policy_window_contains(const struct vaoci_window *outer, const struct vaoci_window *inner);

#endif
