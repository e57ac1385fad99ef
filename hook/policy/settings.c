/* Precedence: per-container annotation > pod-wide annotation > node config
 * > built-in default. Every vaoci.io/ annotation of the pod is checked, in
 * key byte order; a bad one is skipped (cli/src/lib/policy/settings.ts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"
#include "line.h"

static int by_bytes(const void *a, const void *b) { return strcmp(*(const char *const *)a, *(const char *const *)b); }

static void set_source(struct vaoci_chosen *ch, int source, const char *key, int k) {
  ch->source = source;
  snprintf(ch->key, sizeof ch->key, "%s", key ? key : "");
  if (source == VAOCI_SOURCE_POD_ANNOTATION || source == VAOCI_SOURCE_CONTAINER_ANNOTATION)
    snprintf(ch->line_key, sizeof ch->line_key, "%s", key);
  else
    snprintf(ch->line_key, sizeof ch->line_key, "%s%s", VAOCI_POLICY_PREFIX, vaoci_policy_keys[k].name);
}

/* chosen_from parses one setting's value into ch, or adds the problem line
 * (keyed by line_key: the annotation, or the node config's JSON pointer). */
static int chosen_from(int k, const json_t *value, const char *line_key, struct vaoci_chosen *ch,
                       struct vaoci_problems *problems) {
  char expected[VAOCI_POLICY_LINE_MAX], line[VAOCI_POLICY_LINE_MAX];
  if (vaoci_policy_parse_value(k, value, ch, expected, sizeof expected) < 0) {
    vaoci_line_problem(line, sizeof line, line_key, value, expected);
    vaoci_problems_add(problems, line);
    return -1;
  }
  ch->raw = json_string_value(value);
  return 0;
}

/* annotation handles one key: a problem, or a candidate for this container or the pod. */
static void annotation(const char *key, const json_t *value, const char *container, struct vaoci_chosen *own,
                       int *has_own, struct vaoci_chosen *pod, int *has_pod, struct vaoci_problems *problems) {
  char line[VAOCI_POLICY_LINE_MAX];
  const char *part = NULL;
  int k = -1, kind = vaoci_policy_parse_key(key, value, &k, &part, line, sizeof line);
  if (kind == VAOCI_PKEY_FOREIGN)
    return;
  if (kind == VAOCI_PKEY_PROBLEM) {
    vaoci_problems_add(problems, line);
    return;
  }
  struct vaoci_chosen ch = {0};
  if (chosen_from(k, value, key, &ch, problems) < 0)
    return;
  if (!part) {
    set_source(&ch, VAOCI_SOURCE_POD_ANNOTATION, key, k);
    pod[k] = ch, has_pod[k] = 1;
  } else if (container && !strcmp(part, container)) {
    set_source(&ch, VAOCI_SOURCE_CONTAINER_ANNOTATION, key, k);
    own[k] = ch, has_own[k] = 1;
  }
}

static void annotations_pass(const json_t *annotations, const char *container, struct vaoci_chosen *own, int *has_own,
                             struct vaoci_chosen *pod, int *has_pod, struct vaoci_problems *problems) {
  size_t n = json_object_size(annotations), i = 0;
  if (!n)
    return; /* no keys: nothing to sort (qsort of NULL is undefined even for 0 items) */
  const char **keys = calloc(n, sizeof *keys);
  const char *key;
  json_t *value;
  if (!keys)
    return;
  json_object_foreach((json_t *)annotations, key, value) keys[i++] = key;
  qsort(keys, n, sizeof *keys, by_bytes);
  for (i = 0; i < n; i++)
    annotation(keys[i], json_object_get(annotations, keys[i]), container, own, has_own, pod, has_pod, problems);
  free(keys);
}

/* node_pass reads the node config's defaults, each bad one a problem keyed by its JSON pointer. */
static void node_pass(const json_t *node_config, struct vaoci_chosen *node, int *has_node,
                      struct vaoci_problems *problems) {
  const json_t *defaults = node_config ? json_object_get(node_config, "defaults") : NULL;
  for (int k = 0; k < VAOCI_KEY_COUNT && json_is_object(defaults); k++) {
    const json_t *value = json_object_get(defaults, vaoci_policy_keys[k].config_field);
    char pointer[VAOCI_POLICY_KEY_TEXT_MAX];
    if (!value)
      continue;
    snprintf(pointer, sizeof pointer, "/defaults/%s", vaoci_policy_keys[k].config_field);
    struct vaoci_chosen ch = {0};
    if (chosen_from(k, value, pointer, &ch, problems) < 0)
      continue;
    set_source(&ch, VAOCI_SOURCE_NODE_CONFIG, pointer, k);
    node[k] = ch, has_node[k] = 1;
  }
}

void vaoci_policy_collect(const json_t *annotations, const json_t *node_config, const char *container,
                          struct vaoci_chosen chosen[VAOCI_KEY_COUNT], struct vaoci_problems *problems) {
  struct vaoci_chosen own[VAOCI_KEY_COUNT], pod[VAOCI_KEY_COUNT], node[VAOCI_KEY_COUNT];
  int has_own[VAOCI_KEY_COUNT] = {0}, has_pod[VAOCI_KEY_COUNT] = {0}, has_node[VAOCI_KEY_COUNT] = {0};
  if (json_is_object(annotations))
    annotations_pass(annotations, container, own, has_own, pod, has_pod, problems);
  node_pass(node_config, node, has_node, problems);
  for (int k = 0; k < VAOCI_KEY_COUNT; k++) {
    if (has_own[k])
      chosen[k] = own[k];
    else if (has_pod[k])
      chosen[k] = pod[k];
    else if (has_node[k])
      chosen[k] = node[k];
    else {
      memset(&chosen[k], 0, sizeof chosen[k]);
      chosen[k].word = vaoci_policy_keys[k].builtin;
      chosen[k].raw = vaoci_policy_keys[k].values[chosen[k].word];
      set_source(&chosen[k], VAOCI_SOURCE_DEFAULT, NULL, k);
    }
  }
}
