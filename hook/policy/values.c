/* Setting values: each key's words from policy_gen.h, and for va-limit a
 * window parsed by native's vaoci_window_parse (cli/src/lib/policy/values.ts). */
#include <stdio.h>
#include <string.h>
#include "internal.h"
#include "line.h"

/* looks_like_range: starts with 0x or 0X and has a '-', so it was meant as a window. */
static int looks_like_range(const char *s) { return s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && strchr(s, '-'); }

int vaoci_policy_parse_value(int key, const json_t *value, struct vaoci_chosen *out, char *expected, size_t size) {
  const struct vaoci_policy_key_info *info = &vaoci_policy_keys[key];
  if (!json_is_string(value)) {
    snprintf(expected, size, "%s", VAOCI_EXPECT_STRING);
    return -1;
  }
  const char *text = json_string_value(value);
  for (int i = 0; i < info->value_count; i++)
    if (!strcmp(text, info->values[i])) {
      out->word = i;
      return 0;
    }
  if (info->window && looks_like_range(text)) {
    vaoci_error_t err = {0};
    if (vaoci_window_parse(text, &out->window, &err) < 0) {
      snprintf(expected, size, "%s", VAOCI_EXPECT_WINDOW);
      return -1;
    }
    out->word = VAOCI_SET_VA_LIMIT_WINDOW;
    return 0;
  }
  const char *near = vaoci_line_closest(text, strlen(text), info->values, info->value_count);
  char guess[64] = "";
  if (near)
    snprintf(guess, sizeof guess, VAOCI_EXPECT_SUGGEST, near);
  snprintf(expected, size, "%s%s", info->expect, guess);
  return -1;
}
