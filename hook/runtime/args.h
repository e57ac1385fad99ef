/* The runtime's command line, as runc and crun take it:
 *   RUNTIME [global options] COMMAND [command options] ID
 * Only what vaoci-runtime needs is read; argv itself is passed on as is.
 * (nvidia-container-toolkit: internal/oci/args.go, stricter: the command is
 * the first non-option word, not any word equal to "create".) */
#ifndef VAOCI_RUNTIME_ARGS_H
#define VAOCI_RUNTIME_ARGS_H

struct vaoci_runtime_args {
  const char *command; /* NULL when there is none (--version, --help) */
  const char *bundle; /* --bundle/-b, else NULL (the current directory) */
  const char *config; /* crun's --config/-f, else NULL (BUNDLE/config.json) */
  const char *id; /* the container id, else NULL */
  const char *log; /* --log FILE, else NULL */
  const char *log_format; /* --log-format text|json, else NULL */
  int version; /* --version before any command: what runs (main.c) */
};

/* vaoci_runtime_args_parse reads argv (argv[0] is the program). */
void vaoci_runtime_args_parse(int argc, char **argv, struct vaoci_runtime_args *out);

/* vaoci_runtime_args_modifies: the command creates a container from a
 * bundle (create, and run, which is create + start). */
int vaoci_runtime_args_modifies(const struct vaoci_runtime_args *a);

#endif
