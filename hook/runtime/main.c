/* vaoci-runtime: registered in place of runc or crun. Every command is
 * exec'd unchanged (same argv) on the real runtime the node config names;
 * create and run first prepare the bundle's config.json (create.c).
 *
 * `--version` prints vaoci's own line, then execs the real runtime with the
 * same argv, so its lines follow: whoever asks `RUNTIME --version` (podman
 * info shows the whole text, docker info and crictl-style parsers look for
 * the `runc version X` / `crun version X` line wherever it is, an operator
 * wants to know both) learns that vaoci wraps it and what actually runs the
 * containers. Without a usable node config there is no real runtime to ask:
 * vaoci's line stands, the reason goes to stderr, and the exit is still 0
 * (the question was what this program is). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include "args.h"
#include "create.h"
#include "say.h"
#include "util.h"
#include "vaoci/version.h"

#define EXIT_REFUSED 1

/* real_runtime is the node config's runtime: absolute, and not this program
 * (installed in place of runc, a guess could exec the wrapper forever). */
static const char *real_runtime(const json_t *node, const char *node_path, vaoci_error_t *err) {
  const char *rt = json_string_value(json_object_get(node, "runtime"));
  struct stat self, other;
  if (!rt || rt[0] != '/')
    return vaoci_make_error(err, VAOCI_E_INVALID, 0,
                            "node config `%s`: `runtime` must be the real runtime's absolute path", node_path),
           NULL;
  if (stat(rt, &other) < 0)
    return vaoci_make_error(err, VAOCI_E_SYSTEM, errno, "node config `%s`: runtime `%s`", node_path, rt), NULL;
  if (stat("/proc/self/exe", &self) == 0 && self.st_dev == other.st_dev && self.st_ino == other.st_ino)
    return vaoci_make_error(err, VAOCI_E_INVALID, 0, "node config `%s`: runtime `%s` is vaoci-runtime itself",
                            node_path, rt),
           NULL;
  return rt;
}

int main(int argc, char **argv) {
  struct vaoci_runtime_args args;
  vaoci_error_t err = {0};
  const char *node_path, *runtime = NULL;
  vaoci_runtime_args_parse(argc, argv, &args);
  if (args.version) {
    fputs(VAOCI_VERSION_LINE("vaoci-runtime"), stdout);
    fflush(stdout); /* before the exec replaces this process and its buffer */
  }
  cleanup_json json_t *node = vaoci_node_config(&node_path, &err);
  if (node)
    runtime = real_runtime(node, node_path, &err);
  if (!runtime && args.version) {
    fprintf(stderr, "vaoci-runtime: the real runtime's version is unknown: %s\n", err.msg);
    return 0;
  }
  if (!runtime) {
    vaoci_runtime_say(&args, NULL, VAOCI_SAY_ERROR, err.msg);
    return EXIT_REFUSED;
  }
  if (vaoci_runtime_args_modifies(&args) && vaoci_runtime_create(&args, node) < 0)
    return EXIT_REFUSED;
  argv[0] = (char *)runtime;
  execv(runtime, argv);
  vaoci_make_error(&err, VAOCI_E_SYSTEM, errno, "exec `%s`", runtime);
  vaoci_runtime_say(&args, node, VAOCI_SAY_ERROR, err.msg);
  return EXIT_REFUSED;
}
