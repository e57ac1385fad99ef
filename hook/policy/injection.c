/* The injection: how the window reaches the process that must reserve it.
 * The rules and their order are cli/src/lib/policy/injection.ts's:
 * no window → none; native → preload into the workload (static → launch);
 * preload → preload; none for an emulated guest → problem; FEX → none for a
 * 32-bit window containing i386 (FEX reserves above 4 GiB itself); for a
 * 64-bit window containing x86_64, reserve in FEX's process (preload, static:
 * launch) outside the window widened by FEX's own [2^47, 2^48) (FEX reserves
 * nothing above 2^48, which a 52-bit kernel hands out by hint; never reserve
 * in FEX's region); likewise for a 64-bit wrap-around hole at or below 2^47;
 * else problem; qemu
 * i386 → none when the window contains i386, QEMU_RESERVED_VA for [0, UPPER),
 * else problem; qemu x86_64 → preload when dynamic or of unknown linkage,
 * launch when static (qemu's QEMU_RESERVED_VA fails for x86-64 guests with
 * "Cannot allocate vsyscall page"); others → preload, launch when static.
 * Launch puts vaoci-launch -- [EMULATOR] before process.args. Wherever the
 * emulator in use reserves in its own process (preload or launch), a binfmt
 * entry that is vaoci-binfmt in front of it → binfmt: it reserves in every
 * process binfmt_misc starts; only the window goes into the environment. */
#include <stdio.h>
#include <string.h>
#include "internal.h"
#include "line.h"

#define X86_64_UPPER (1ull << 47)
#define FEX_TOP (1ull << 48) /* FEX's own region for 64-bit guests is [2^47, 2^48) */

const struct vaoci_window vaoci_policy_window_x86_64 = {VAOCI_WINDOW_X86_64, 0, X86_64_UPPER};
const struct vaoci_window vaoci_policy_window_i386 = {VAOCI_WINDOW_I386, 0, 1ull << 32};

int vaoci_policy_window_contains(const struct vaoci_window *outer, const struct vaoci_window *inner) {
  if (vaoci_window_wraps(outer))
    return outer->upper >= inner->upper;
  return outer->lower == 0 && outer->upper >= inner->upper;
}

/* ctx carries what every rule needs. */
struct ctx {
  struct vaoci_policy *p;
  const struct vaoci_chosen *va, *emu;
  const struct vaoci_binfmt_entry *entry;
  const struct vaoci_entrypoint *workload;
  const json_t *node_config;
  char *problem;
  size_t size;
  const struct vaoci_window *reserve; /* what VAOCI_VA_LIMIT names: the window, or FEX's widened one */
};

static int refuse(struct ctx *c, const struct vaoci_chosen *ch, const char *expected) {
  c->p->method = VAOCI_METHOD_NONE;
  vaoci_line_problem_text(c->problem, c->size, ch->line_key, ch->raw, expected);
  return -1;
}

/* in_use: the detected binfmt entry is the emulator the policy names. */
static int in_use(const struct ctx *c) {
  static const int named[] = {[VAOCI_BINFMT_EMULATOR_FEX] = VAOCI_EMULATOR_FEX,
                              [VAOCI_BINFMT_EMULATOR_BOX64] = VAOCI_EMULATOR_BOX64,
                              [VAOCI_BINFMT_EMULATOR_QEMU] = VAOCI_EMULATOR_QEMU,
                              [VAOCI_BINFMT_EMULATOR_ROSETTA] = VAOCI_EMULATOR_ROSETTA,
                              [VAOCI_BINFMT_EMULATOR_UNKNOWN] = VAOCI_EMULATOR_UNKNOWN};
  return c->entry && named[c->entry->emulator] == c->p->emulator;
}

/* linkage: the detected entry's, when it is the emulator in use; else unknown. */
static int linkage(const struct ctx *c) { return in_use(c) ? c->entry->linkage : VAOCI_LINKAGE_UNKNOWN; }

static const json_t *injection_setting(const struct ctx *c, const char *name) {
  const json_t *inj = c->node_config ? json_object_get(c->node_config, "injection") : NULL;
  return json_is_object(inj) ? json_object_get(inj, name) : NULL;
}

static void env(struct vaoci_policy *p, const char *name, const char *value) {
  if (p->env_count < VAOCI_POLICY_ENV_MAX)
    p->env[p->env_count++] = (struct vaoci_env){name, value};
}

static void mount(struct vaoci_policy *p, const char *path) {
  for (int i = 0; i < p->mount_count; i++)
    if (!strcmp(p->mounts[i], path))
      return;
  if (p->mount_count < VAOCI_POLICY_MOUNTS_MAX)
    p->mounts[p->mount_count++] = path;
}

/* emulator_mounts adds a dynamically linked F-flag emulator's loader and the library dirs. */
static void emulator_mounts(struct ctx *c) {
  const struct vaoci_binfmt_entry *e = c->p->guest_arch == VAOCI_GUEST_ARCH_NATIVE ? NULL : c->entry;
  if (!e || !(in_use(c) || c->p->emulator == VAOCI_EMULATOR_PRELOAD))
    return;
  if (e->linkage != VAOCI_LINKAGE_DYNAMIC || !e->flags || !strchr(e->flags, 'F') || !e->loader)
    return;
  mount(c->p, e->loader);
  const json_t *dirs = injection_setting(c, "library_dirs"), *dir;
  size_t i;
  if (!json_is_array(dirs)) {
    for (int k = 0; k < VAOCI_NODE_LIBRARY_DIR_COUNT; k++)
      mount(c->p, vaoci_node_library_dirs[k]);
    return;
  }
  json_array_foreach(dirs, i, dir) if (json_is_string(dir)) mount(c->p, json_string_value(dir));
}

/* node_file is a node file of vaoci's: the node config's `setting`, else HOST_DIR/subpath. */
static void node_file(const struct ctx *c, const char *setting, const char *subpath, char *out, size_t size) {
  const json_t *path = injection_setting(c, setting), *host = injection_setting(c, "host_dir");
  if (json_is_string(path))
    snprintf(out, size, "%s", json_string_value(path));
  else
    snprintf(out, size, "%s/%s", json_is_string(host) ? json_string_value(host) : VAOCI_NODE_HOST_DIR, subpath);
}

/* window_env: the method, and the window to reserve outside and the error mode in the environment (preload and launch alike). */
static void window_env(struct ctx *c, int method) {
  struct vaoci_policy *p = c->p;
  vaoci_window_format(c->reserve ? c->reserve : &p->window, p->window_text, sizeof p->window_text);
  p->method = method;
  env(p, "VAOCI_VA_LIMIT", p->window_text);
  env(p, "VAOCI_ON_ERROR", vaoci_policy_on_error_names[p->on_error]);
}

static int bind_mounts(const struct ctx *c) {
  const json_t *bind = injection_setting(c, "bind_mount");
  return json_is_boolean(bind) ? json_is_true(bind) : VAOCI_NODE_BIND_MOUNT;
}

static int preload(struct ctx *c) {
  struct vaoci_policy *p = c->p;
  node_file(c, "preload", VAOCI_NODE_PRELOAD_SUBPATH, p->preload_path, sizeof p->preload_path);
  env(p, "LD_PRELOAD", p->preload_path);
  window_env(c, VAOCI_METHOD_PRELOAD);
  if (p->emulator == VAOCI_EMULATOR_QEMU)
    env(p, "QEMU_UNSET_ENV", "LD_PRELOAD");
  if (bind_mounts(c)) {
    mount(p, p->preload_path);
    emulator_mounts(c);
  }
  return 0;
}

static int qemu_switch(struct ctx *c) {
  snprintf(c->p->reserved_va, sizeof c->p->reserved_va, "0x%llx", (unsigned long long)c->p->window.upper);
  c->p->method = VAOCI_METHOD_EMULATOR_SWITCH;
  env(c->p, "QEMU_RESERVED_VA", c->p->reserved_va);
  return 0;
}

/* launch: vaoci-launch reserves, then loads the static emulator (the
 * detected binfmt_misc interpreter) or the static workload without exec. An
 * emulator gets its entry's flags, so the launcher starts it as binfmt_misc
 * would (with P, Debian's qemu reads its second argument as the guest's
 * argv[0]). */
static int launch(struct ctx *c, const char *emulator) {
  struct vaoci_policy *p = c->p;
  node_file(c, "launcher", VAOCI_NODE_LAUNCHER_SUBPATH, p->launcher_path, sizeof p->launcher_path);
  window_env(c, VAOCI_METHOD_LAUNCH);
  p->args[p->args_count++] = p->launcher_path;
  if (emulator) {
    snprintf(p->binfmt_flags_arg, sizeof p->binfmt_flags_arg, "--binfmt-flags=%s",
             c->entry->flags ? c->entry->flags : "");
    p->args[p->args_count++] = p->binfmt_flags_arg;
  }
  p->args[p->args_count++] = "--";
  if (emulator)
    p->args[p->args_count++] = emulator;
  if (bind_mounts(c)) {
    mount(p, p->launcher_path);
    if (emulator)
      mount(p, emulator);
  }
  return 0;
}

/* static_emulator: linkage static is only ever the detected entry's, so its interpreter is known. */
static int static_emulator(struct ctx *c) { return launch(c, c->entry->interpreter); }

/* binfmt_launcher: the node's vaoci-binfmt reserves; the container carries only the window. */
static int binfmt_launcher(struct ctx *c) {
  window_env(c, VAOCI_METHOD_BINFMT);
  return 0;
}

/* in_process: the emulator in use reserves in its own process — through the
 * node's vaoci-binfmt, vaoci-launch (static) or the preload. */
static int in_process(struct ctx *c) {
  if (in_use(c) && c->entry->launcher)
    return binfmt_launcher(c);
  return linkage(c) == VAOCI_LINKAGE_STATIC ? static_emulator(c) : preload(c);
}

/* beyond_fex widens a window containing x86_64 by FEX's own region: [0, U)
 * → [0, max(U, 2^48)); a wrap-around hole [U, L) → [max(U, 2^48), L). 0 when
 * nothing is left outside it. */
static int beyond_fex(const struct vaoci_window *w, struct vaoci_window *out) {
  uint64_t upper = w->upper > FEX_TOP ? w->upper : FEX_TOP;
  *out = *w;
  if (upper == w->upper)
    return 1;
  if (vaoci_window_wraps(w) && w->lower <= upper)
    return 0;
  *out = (struct vaoci_window){VAOCI_WINDOW_CUSTOM, vaoci_window_wraps(w) ? w->lower : 0, upper};
  return 1;
}

static int fex(struct ctx *c) {
  const struct vaoci_window *w = &c->p->window;
  int is64 = c->p->guest_arch == VAOCI_GUEST_ARCH_X86_64;
  struct vaoci_window widened; /* formatted into the policy's env before fex returns */
  if (!is64 && vaoci_policy_window_contains(w, &vaoci_policy_window_i386))
    return 0;
  if (is64 && vaoci_policy_window_contains(w, &vaoci_policy_window_x86_64)) {
    if (!beyond_fex(w, &widened))
      return 0;
    c->reserve = &widened;
    return in_process(c);
  }
  if (is64 && vaoci_window_wraps(w) && w->lower <= X86_64_UPPER)
    return in_process(c);
  return refuse(c, c->va, is64 ? VAOCI_EXPECT_FEX_WINDOW64 : VAOCI_EXPECT_FEX_WINDOW32);
}

static int from_zero(const struct vaoci_window *w) { return !vaoci_window_wraps(w) && w->lower == 0; }

static int qemu(struct ctx *c) {
  const struct vaoci_window *w = &c->p->window;
  if (c->p->guest_arch == VAOCI_GUEST_ARCH_I386) {
    if (vaoci_policy_window_contains(w, &vaoci_policy_window_i386))
      return 0;
    return from_zero(w) ? qemu_switch(c) : refuse(c, c->va, VAOCI_EXPECT_QEMU_I386_WINDOW);
  }
  return in_process(c);
}

static int native(struct ctx *c) {
  return c->workload && c->workload->linkage == VAOCI_LINKAGE_STATIC ? launch(c, NULL) : preload(c);
}

int vaoci_policy_inject(struct vaoci_policy *p, const struct vaoci_chosen *va, const struct vaoci_chosen *emu,
                        const struct vaoci_binfmt_entry *entry, const struct vaoci_entrypoint *workload,
                        const json_t *node_config, char *problem, size_t size) {
  struct ctx c = {p, va, emu, entry, workload, node_config, problem, size, NULL};
  p->method = VAOCI_METHOD_NONE;
  if (!p->has_window || p->guest_arch == VAOCI_GUEST_ARCH_UNKNOWN)
    return 0;
  if (p->guest_arch == VAOCI_GUEST_ARCH_NATIVE)
    return native(&c);
  if (p->emulator == VAOCI_EMULATOR_PRELOAD)
    return preload(&c);
  if (p->emulator == VAOCI_EMULATOR_NONE) {
    char expected[VAOCI_POLICY_LINE_MAX];
    snprintf(expected, sizeof expected, VAOCI_EXPECT_NONE_EMULATED, vaoci_policy_guest_arch_names[p->guest_arch]);
    return refuse(&c, emu, expected);
  }
  if (p->emulator == VAOCI_EMULATOR_FEX)
    return fex(&c);
  if (p->emulator == VAOCI_EMULATOR_QEMU)
    return qemu(&c);
  return in_process(&c);
}
