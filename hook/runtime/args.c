/* vaoci_runtime_args_parse: global options, the command, its options, the id. */
#include <string.h>
#include "args.h"

/* Options that take a value when written without '=' (runc 1.1, crun 1.8). */
static const char *const global_valued[] = {"--log",  "--log-format", "--log-level",      "--root",
                                            "--criu", "--rootless",   "--cgroup-manager", NULL};
static const char *const command_valued[] = {
    "--bundle", "-b", "--console-socket", "--pid-file", "--preserve-fds", "--config", "-f", NULL};

static int in(const char *const *list, const char *word) {
  for (; *list; list++)
    if (!strcmp(*list, word))
      return 1;
  return 0;
}

/* option splits "--name=value" / "--name value": returns the value (or NULL)
 * and advances *i past a separate value. name gets the option's name. */
static const char *option(int argc, char **argv, int *i, const char *const *valued, char *name, size_t size) {
  const char *a = argv[*i], *eq = strchr(a, '=');
  size_t n = eq ? (size_t)(eq - a) : strlen(a);
  if (n >= size)
    n = size - 1;
  memcpy(name, a, n);
  name[n] = 0;
  if (eq)
    return eq + 1;
  if (in(valued, name) && *i + 1 < argc)
    return argv[++*i];
  return NULL;
}

static void command_options(int argc, char **argv, int i, struct vaoci_runtime_args *out) {
  char name[64];
  for (; i < argc; i++) {
    if (!strcmp(argv[i], "--")) {
      if (i + 1 < argc && !out->id)
        out->id = argv[i + 1];
      return;
    }
    if (argv[i][0] != '-' || !argv[i][1]) {
      if (!out->id)
        out->id = argv[i];
      continue;
    }
    const char *v = option(argc, argv, &i, command_valued, name, sizeof name);
    if (!strcmp(name, "--bundle") || !strcmp(name, "-b"))
      out->bundle = v;
    else if (!strcmp(name, "--config") || !strcmp(name, "-f"))
      out->config = v;
  }
}

void vaoci_runtime_args_parse(int argc, char **argv, struct vaoci_runtime_args *out) {
  char name[64];
  memset(out, 0, sizeof *out);
  for (int i = 1; i < argc; i++) {
    if (argv[i][0] != '-') {
      out->command = argv[i];
      command_options(argc, argv, i + 1, out);
      return;
    }
    const char *v = option(argc, argv, &i, global_valued, name, sizeof name);
    if (!strcmp(name, "--version"))
      out->version = 1;
    else if (!strcmp(name, "--log"))
      out->log = v;
    else if (!strcmp(name, "--log-format"))
      out->log_format = v;
  }
}

int vaoci_runtime_args_modifies(const struct vaoci_runtime_args *a) {
  return a->command && (!strcmp(a->command, "create") || !strcmp(a->command, "run"));
}
