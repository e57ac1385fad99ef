/* vaoci-hook STAGE [--va-limit W] [--on-error fail|warn] [--container NAME] [--settle-ms N] */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "hook.h"
#include "vaoci/version.h"

static int usage(const char *why) {
  fprintf(stderr,
          "vaoci-hook: %s; usage: vaoci-hook poststart|prestart|createRuntime|precreate "
          "[--va-limit W] [--on-error fail|warn] [--container NAME] [--settle-ms N], or vaoci-hook --version\n",
          why);
  return 2;
}

static int parse(int argc, char **argv, struct vaoci_hook_opts *o) {
  static const struct option longopts[] = {{"va-limit", required_argument, 0, 'w'},
                                           {"on-error", required_argument, 0, 'e'},
                                           {"container", required_argument, 0, 'c'},
                                           {"settle-ms", required_argument, 0, 's'},
                                           {0, 0, 0, 0}};
  int c;
  *o = (struct vaoci_hook_opts){.stage = argc > 1 ? argv[1] : NULL, .settle_ms = 250};
  opterr = 0;
  optind = 2;
  while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
    if (c == 'w')
      o->va_limit = optarg;
    else if (c == 'e')
      o->on_error = optarg;
    else if (c == 'c')
      o->container = optarg;
    else if (c == 's')
      o->settle_ms = strtol(optarg, NULL, 10);
    else
      return -1;
  }
  if (o->on_error && strcmp(o->on_error, "fail") && strcmp(o->on_error, "warn"))
    return -1;
  return o->stage ? 0 : -1;
}

int main(int argc, char **argv) {
  struct vaoci_hook_opts o;
  vaoci_error_t err = {0};
  const char *node_path;
  if (argc == 2 && !strcmp(argv[1], "--version")) {
    fputs(VAOCI_VERSION_LINE("vaoci-hook"), stdout);
    return 0;
  }
  if (parse(argc, argv, &o) < 0)
    return usage("bad arguments");
  cleanup_json json_t *node = vaoci_node_config(&node_path, &err);
  if (!node && err.sys_errno != ENOENT) { /* no file: every default built in */
    vaoci_hook_say(NULL, NULL, 0, err.msg);
    return VAOCI_HOOK_EXIT_REFUSED;
  }
  if (!node)
    node = json_object();
  if (!strcmp(o.stage, "poststart"))
    return vaoci_hook_poststart(&o, node);
  if (!strcmp(o.stage, "prestart") || !strcmp(o.stage, "createRuntime"))
    return vaoci_hook_prestart(&o, node);
  if (!strcmp(o.stage, "precreate"))
    return vaoci_hook_precreate(&o, node, node_path);
  return usage("unknown stage");
}
