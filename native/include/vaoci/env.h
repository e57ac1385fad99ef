/* Reading the environment without libc: the preload calls nothing of the
 * libc it is loaded with, and vaoci-launch has none at all. */
#ifndef VAOCI_ENV_H
#define VAOCI_ENV_H

/* vaoci_env_get returns NAME's value in envp (a NULL-terminated array of
 * NAME=VALUE strings, or NULL), or NULL when it is not set. */
const char *vaoci_env_get(char *const *envp, const char *name);

#endif
