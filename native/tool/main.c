/* vaoci-reserve: probe the machine, reserve and check a window, benchmark
 * the algorithms in fresh processes, verify a live process. Human output by
 * default, one JSON object with --json. */
#include <string.h>
#include "tool.h"
#include "vaoci/version.h"

static const char usage[] =
    "usage: vaoci-reserve [--json] COMMAND [FLAGS]\n"
    "  probe                                  VA bits, page size, floor, stack, limits\n"
    "  check  --va-limit W [--algo A] [--samples N]\n"
    "                                         reserve, then sample mmap/shmat/mremap and verify\n"
    "  bench  [--va-limit W] [--runs N] [--algos A,B] [--dynamic PROG|none] [--preload SO]\n"
    "         [--mappings N] [--fixed-addresses] [--progress]\n"
    "                                         time each algorithm in fresh processes (--mappings: each\n"
    "                                         first makes N mappings of its own; needs --dynamic none;\n"
    "                                         --fixed-addresses: no ASLR, for emulators that translate\n"
    "                                         code per address)\n"
    "  verify --pid N --va-limit W            classify /proc/N/maps against a window\n"
    "windows: x86_64, i386, 0xLOWER-0xUPPER (LOWER > UPPER wraps around)\n"
    "algorithms: known (default), query, gaps, halving, ladder\n"
    "--json: one JSON object instead of text; anywhere on the line, as with vaoci\n"
    "--version: this program, vaoci's version and the architecture, on one line\n"
    "exit codes: 0 ok, 1 a check failed, 2 bad input\n";

struct command {
  const char *name;
  int (*run)(struct tool_ctx *, int, char **);
};

static const struct command commands[] = {
    {"probe", cmd_probe}, {"check", cmd_check}, {"bench", cmd_bench}, {"verify", cmd_verify}};

/* take_json removes every `--json` word from argv and says whether there was
 * one: the vaoci CLI takes --json anywhere on its command line, so this tool
 * does too, and the commands' own flag parsers never see it. */
static int take_json(int *argc, char **argv) {
  int found = 0, kept = 1;
  for (int i = 1; i < *argc; i++) {
    if (strcmp(argv[i], "--json") == 0)
      found = 1;
    else
      argv[kept++] = argv[i];
  }
  argv[kept] = NULL;
  *argc = kept;
  return found;
}

int main(int argc, char **argv) {
  struct tool_ctx ctx = {0};
  int i = 1;
  if (i < argc && strcmp(argv[i], "__child") == 0)
    return cmd_bench_child(argc - i, argv + i);
  ctx.json = take_json(&argc, argv);
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--version") == 0) {
      fputs(VAOCI_VERSION_LINE("vaoci-reserve"), stdout);
      return EXIT_OK;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      fputs(usage, stdout);
      return EXIT_OK;
    } else {
      fprintf(stderr, "vaoci-reserve: flag `%s`: expected --json, --help or --version\n", argv[i]);
      return EXIT_BAD_INPUT;
    }
  }
  if (i == argc) {
    fputs(usage, stderr);
    return EXIT_BAD_INPUT;
  }
  for (size_t c = 0; c < sizeof commands / sizeof commands[0]; c++) {
    if (strcmp(argv[i], commands[c].name) == 0) {
      ctx.command = commands[c].name;
      return commands[c].run(&ctx, argc - i, argv + i);
    }
  }
  fprintf(stderr, "vaoci-reserve: command `%s`: expected probe, check, bench or verify\n", argv[i]);
  return EXIT_BAD_INPUT;
}
