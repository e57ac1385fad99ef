/* Annotation keys: vaoci.io/KEY and vaoci.io/KEY.CONTAINER, the typo guard
 * and Kubernetes' 63-character name limit (cli/src/lib/policy/keys.ts). */
#include <stdio.h>
#include <string.h>
#include "internal.h"
#include "line.h"

static int find_key(const char *base, size_t len) {
  for (int i = 0; i < VAOCI_KEY_COUNT; i++)
    if (strlen(vaoci_policy_keys[i].name) == len && !strncmp(vaoci_policy_keys[i].name, base, len))
      return i;
  return -1;
}

static int in(char c, const char *set) { return c && strchr(set, c) != NULL; }

/* is_label checks a DNS-1123 label's characters. */
static int is_label(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || !in(s[0], VAOCI_POLICY_LABEL_EDGE) || !in(s[n - 1], VAOCI_POLICY_LABEL_EDGE))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!in(s[i], VAOCI_POLICY_LABEL_INNER))
      return 0;
  return 1;
}

static void unknown_key(const char *key, const json_t *value, const char *name, size_t base_len, char *line,
                        size_t size) {
  const char *names[VAOCI_KEY_COUNT];
  for (int i = 0; i < VAOCI_KEY_COUNT; i++)
    names[i] = vaoci_policy_keys[i].name;
  const char *near = vaoci_line_closest(name, base_len, names, VAOCI_KEY_COUNT);
  char expected[VAOCI_POLICY_LINE_MAX], guess[VAOCI_POLICY_LINE_MAX / 2] = "";
  if (near) {
    char full[VAOCI_POLICY_LINE_MAX / 4];
    snprintf(full, sizeof full, "%s%s%s", VAOCI_POLICY_PREFIX, near, name + base_len);
    snprintf(guess, sizeof guess, VAOCI_EXPECT_SUGGEST, full);
  }
  snprintf(expected, sizeof expected, "%s%s", VAOCI_EXPECT_UNKNOWN_KEY, guess);
  vaoci_line_problem(line, size, key, value, expected);
}

int vaoci_policy_parse_key(const char *key, const json_t *value, int *which, const char **container, char *line,
                           size_t size) {
  size_t prefix = strlen(VAOCI_POLICY_PREFIX);
  if (strncmp(key, VAOCI_POLICY_PREFIX, prefix))
    return VAOCI_PKEY_FOREIGN;
  const char *name = key + prefix, *dot = strchr(name, '.');
  size_t base_len = dot ? (size_t)(dot - name) : strlen(name);
  int k = find_key(name, base_len);
  if (k < 0) {
    unknown_key(key, value, name, base_len, line, size);
    return VAOCI_PKEY_PROBLEM;
  }
  const struct vaoci_policy_key_info *info = &vaoci_policy_keys[k];
  if (strlen(name) > VAOCI_POLICY_KEY_NAME_MAX) {
    char expected[VAOCI_POLICY_LINE_MAX];
    snprintf(expected, sizeof expected, VAOCI_EXPECT_KEY_TOO_LONG, VAOCI_POLICY_KEY_NAME_MAX, (int)strlen(name),
             info->name, info->container_max, info->name);
    vaoci_line_problem(line, size, key, value, expected);
    return VAOCI_PKEY_PROBLEM;
  }
  if (dot && !is_label(dot + 1)) {
    vaoci_line_problem(line, size, key, value, VAOCI_EXPECT_CONTAINER);
    return VAOCI_PKEY_PROBLEM;
  }
  *which = k;
  *container = dot ? dot + 1 : NULL;
  return VAOCI_PKEY_SETTING;
}
