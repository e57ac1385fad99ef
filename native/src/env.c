#include "vaoci/env.h"

const char *vaoci_env_get(char *const *envp, const char *name) {
  for (char *const *e = envp; e && *e; e++) {
    const char *a = *e, *b = name;
    while (*b && *a == *b)
      a++, b++;
    if (!*b && *a == '=')
      return a + 1;
  }
  return 0;
}
