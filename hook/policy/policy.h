/* The policy contract, C side: annotations + node config (JSON, jansson) +
 * container name + detected facts → the container's resolved policy, or
 * the problem lines that refuse it. The same rules, order and byte-identical
 * lines as the TypeScript resolver (cli/src/lib/policy/); schemas/vectors/
 * holds both to the same answers. The grammar's tables come from the
 * schemas through policy_gen.h; windows are parsed by native's window.h.
 *
 * Strings in the results are borrowed from the JSON documents, the detected
 * facts or the generated tables, or stored in the result itself: keep the
 * inputs alive as long as the policy. */
#ifndef VAOCI_HOOK_POLICY_H
#define VAOCI_HOOK_POLICY_H

#include <jansson.h>
#include "policy_gen.h"
#include "vaoci/window.h"

#define VAOCI_POLICY_LINE_MAX 2048 /* one problem line: holds the longest (cut key and value, escaped) */
#define VAOCI_POLICY_PROBLEMS_MAX 64 /* lines kept; more are only counted (dropped) */
#define VAOCI_POLICY_KEY_TEXT_MAX 80 /* an annotation key that passed the length rule, or a pointer */
#define VAOCI_POLICY_ENV_MAX 4
#define VAOCI_POLICY_MOUNTS_MAX 16

/* vaoci_problems holds problem lines (KEY: value "VALUE" — expected WHAT). */
struct vaoci_problems {
  int count, dropped;
  char lines[VAOCI_POLICY_PROBLEMS_MAX][VAOCI_POLICY_LINE_MAX];
};

/* The detected facts (schemas/policy.schema.json#/$defs/detected). A NULL
 * string means absent. */
struct vaoci_entrypoint {
  int present; /* 0: nothing was detected */
  const char *path; /* inside the rootfs; may be NULL with error */
  const char *error; /* non-NULL: why no architecture could be read */
  int arch; /* enum vaoci_policy_entry_arch */
  int linkage; /* VAOCI_LINKAGE_STATIC or _DYNAMIC */
};

struct vaoci_binfmt_entry {
  int present; /* 0: no enabled entry handles this architecture */
  const char *entry, *interpreter, *flags, *loader;
  int emulator; /* enum vaoci_policy_binfmt_emulator */
  int linkage; /* enum vaoci_policy_linkage */
  int launcher; /* the interpreter is vaoci-binfmt, in front of the emulator named */
};

enum { VAOCI_BINFMT_X86_64, VAOCI_BINFMT_I386, VAOCI_BINFMT_COUNT };

struct vaoci_detected {
  int host_arch; /* VAOCI_ENTRY_ARCH_AARCH64 (default) or _X86_64 */
  struct vaoci_entrypoint entrypoint;
  struct vaoci_binfmt_entry binfmt[VAOCI_BINFMT_COUNT];
};

/* vaoci_chosen is the setting that won for one key. */
struct vaoci_chosen {
  int word; /* index into the key's values, or VAOCI_SET_VA_LIMIT_WINDOW */
  struct vaoci_window window; /* when word is the window */
  const char *raw; /* the text as written */
  int source; /* enum vaoci_policy_source (never detected here) */
  char key[VAOCI_POLICY_KEY_TEXT_MAX]; /* annotation key or node pointer; "" for the default */
  char line_key[VAOCI_POLICY_KEY_TEXT_MAX]; /* names the setting in a problem line */
};

/* vaoci_source is where a resolved field came from. */
struct vaoci_source {
  int source; /* enum vaoci_policy_source */
  char key[VAOCI_POLICY_KEY_TEXT_MAX]; /* "" when absent */
};

enum { VAOCI_FIELD_VA_LIMIT, VAOCI_FIELD_GUEST_ARCH, VAOCI_FIELD_EMULATOR, VAOCI_FIELD_ON_ERROR, VAOCI_FIELD_COUNT };

struct vaoci_env {
  const char *name, *value;
};

/* vaoci_policy is one container's resolved policy (schemas/policy.schema.json, without reasons). */
struct vaoci_policy {
  const char *container;
  int guest_arch; /* enum vaoci_policy_guest_arch */
  int has_window;
  struct vaoci_window window;
  int emulator; /* enum vaoci_policy_emulator */
  int on_error; /* enum vaoci_policy_on_error */
  int method; /* enum vaoci_policy_method */
  int env_count, mount_count;
  struct vaoci_env env[VAOCI_POLICY_ENV_MAX];
  const char *mounts[VAOCI_POLICY_MOUNTS_MAX];
  int args_count; /* launch: what goes before process.args */
  const char *args[4]; /* vaoci-launch, [--binfmt-flags=FLAGS,] "--", [the emulator] (the bracketed: a guest's) */
  struct vaoci_source sources[VAOCI_FIELD_COUNT];
  /* storage for values built here */
  char window_text[VAOCI_WINDOW_TEXT_MAX];
  char reserved_va[24];
  char binfmt_flags_arg[32]; /* "--binfmt-flags=" and the entry's flags (at most POCF) */
  char preload_path[4096];
  char launcher_path[4096];
  /* Last: resolution clears the struct only up to problems.lines (128 KiB
   * that are read only up to count), so each container start does not fault
   * in and zero pages it never uses. */
  struct vaoci_problems problems; /* warnings under warn; the refusing lines under fail */
};

/* vaoci_policy_verifiable: vaoci reserves the window in the container's
 * process (preload, launch or binfmt), so the poststart hook can verify it
 * there. Not under none or emulator-switch: the emulator keeps the guest in
 * the window itself (qemu's reserved_va for i386, FEX above 4 GiB), and its
 * own process is mapped wherever the host put it. */
static inline int vaoci_policy_verifiable(const struct vaoci_policy *p) {
  return p->has_window &&
         (p->method == VAOCI_METHOD_PRELOAD || p->method == VAOCI_METHOD_LAUNCH || p->method == VAOCI_METHOD_BINFMT);
}

/* vaoci_policy_resolve resolves one container. annotations is a JSON object
 * (string values; anything else is a problem), node_config the node config
 * object or NULL, detected the facts or NULL. Returns 0 with the policy
 * (warnings in out->problems under warn), or -VAOCI_E_INVALID when on-error
 * fail refuses it: then out->problems holds the lines, in the order
 * annotations (by key bytes), node-config defaults, one resolution problem. */
int vaoci_policy_resolve(const json_t *annotations, const json_t *node_config, const char *container,
                         const struct vaoci_detected *detected, struct vaoci_policy *out);

/* vaoci_policy_to_json writes the policy as schemas/policy.schema.json
 * says (no reasons). Returns a new reference, or NULL when out of memory. */
json_t *vaoci_policy_to_json(const struct vaoci_policy *p);

/* vaoci_json_hex and vaoci_json_window build the JSON forms every schema
 * shares: "0x…" strings (JavaScript numbers stop at 2^53) and a window
 * object {text, lower, upper, wraps} (defs.schema.json#/$defs/window). */
json_t *vaoci_json_hex(uint64_t v);
json_t *vaoci_json_window(const struct vaoci_window *w);

/* vaoci_detected_from_json reads detected facts written as JSON (a test
 * vector's "detected"); strings stay borrowed from `doc`. Returns 0, or
 * -VAOCI_E_INVALID with err when a value is not in the schema's enums. */
int vaoci_detected_from_json(const json_t *doc, struct vaoci_detected *out, vaoci_error_t *err);

#endif
