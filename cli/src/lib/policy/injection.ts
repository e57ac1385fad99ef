/**
 * The injection: how the window gets into the process that must reserve it
 * (the emulator's, or a native workload's). The rules, in order:
 *
 * - no window → none.
 * - native guest (emulator none or preload) → preload into the workload; a
 *   statically linked entrypoint cannot load it → launch (vaoci-launch
 *   reserves, then loads the workload without exec).
 * - emulator preload → preload into whatever runs the guest.
 * - emulator none for an emulated guest → problem (nothing to inject into).
 * - FEX: it reserves [2^47, 2^48) for 64-bit guests (and places its own
 *   allocator, JIT code and stacks there: it must find it free) and keeps
 *   32-bit guests below 4 GiB itself (every gap above, up to 2^52). Nothing
 *   above 2^48: on a 52-bit kernel a 64-bit guest's hint at 2^50 got
 *   0x4000000000000 under FEX (built here, in the 6.12 VM). So a 64-bit
 *   window containing x86_64 → vaoci reserves only what lies outside the
 *   window and outside [2^47, 2^48) (the window widened to 2^48: nothing on a
 *   48-bit kernel), in FEX's process (preload; launch when statically linked;
 *   binfmt when vaoci-binfmt is in front); a 32-bit window containing i386 →
 *   none; a 64-bit wrap-around window whose hole ends at or below 2^47 →
 *   reserving only the hole, likewise; anything else → problem. vaoci never
 *   reserves in FEX's own region.
 * - qemu, i386 guest: qemu keeps 32-bit guests below 4 GiB itself (its
 *   reserved_va) → none for a window containing i386; [0, UPPER) → its switch
 *   QEMU_RESERVED_VA; else problem.
 * - qemu, x86_64 guest: dynamically linked → preload (with
 *   QEMU_UNSET_ENV=LD_PRELOAD so the guest does not inherit it); linkage
 *   unknown → preload (assumed dynamic); static → launch: the preload cannot
 *   reach it, and qemu's own QEMU_RESERVED_VA (-R) fails for x86-64 guests
 *   ("Cannot allocate vsyscall page", qemu 7.2 in the arm64 VM), so
 *   process.args becomes vaoci-launch -- EMULATOR ARGS…: the container's
 *   process runs under the window (programs it execs go through binfmt_misc
 *   again, without it: registering vaoci-binfmt on the node covers those).
 * - box64, Rosetta, unknown: static → launch as for qemu, else preload.
 * - wherever the emulator in use reserves in its own process (preload or
 *   launch above), a binfmt_misc entry that is vaoci-binfmt in front of it
 *   (`vaoci node install` registers one for a static qemu) → binfmt: it
 *   reserves in every process binfmt_misc starts, children too; only the
 *   window and the error mode go into the environment.
 */
import { origin } from './decision';
import { EXPECT, NODE } from './grammar.gen';
import { fmt, problemLine } from './line';
import type { Chosen } from './settings';
import type { BinfmtEntry, EmulatorName, GuestArch, Injection, Linkage, NodeConfig, OnError } from './types';
import { WINDOW_I386, WINDOW_X86_64, X86_64_UPPER, containsWindow, formatWindow, hex, wraps, type Window } from './window';

/** InjectionInput is what the injection depends on: the resolved fields and the settings they came from. */
export interface InjectionInput {
  guest: GuestArch;
  window: Window | null;
  emulator: EmulatorName;
  onError: OnError;
  /** va and emu are the va-limit and emulator settings, named in problem lines. */
  va: Chosen;
  emu: Chosen;
  /** entry is the binfmt_misc entry for the guest (null when none or native). */
  entry: BinfmtEntry | null;
  /** workload is the native entrypoint's path and linkage, when detected. */
  workload?: { path: string; linkage: 'static' | 'dynamic' };
  nodeConfig?: NodeConfig;
}

/** InjectionDecision is the injection with its reason, or a problem line (then the injection is none). */
export interface InjectionDecision {
  injection: Injection;
  reason: string;
  problem?: string;
}

const NONE: Injection = { method: 'none', env: {}, mounts: [] };

/** decideInjection applies the rules above. */
export function decideInjection(input: InjectionInput): InjectionDecision {
  const { guest, window, emulator } = input;
  if (window === null) return { injection: NONE, reason: 'no window: nothing to reserve' };
  if (guest === 'unknown') return { injection: NONE, reason: 'the guest architecture is unknown: nothing is injected' };
  if (guest === 'native') return nativeWorkload(input, window);
  if (emulator === 'preload')
    return {
      injection: preload(input, window),
      reason: `${origin(input.emu)} says preload: LD_PRELOAD into whatever runs the ${guest} guest`,
    };
  if (emulator === 'none') return refuse(input.emu, fmt(EXPECT.noneEmulated, guest), `no emulator to reserve in for a ${guest} guest`);
  if (emulator === 'fex') return fex(input, window);
  if (emulator === 'qemu') return guest === 'i386' ? qemu32(input, window) : qemu64(input, window);
  if (launcherInFront(input)) return binfmtLauncher(input, window);
  if (linkage(input) === 'static') return launchEmulator(input, window);
  return {
    injection: preload(input, window),
    reason: `${emulator} is ${describeLinkage(input)}: LD_PRELOAD reserves in its process before the guest runs`,
  };
}

/** launcherInFront: the binfmt entry in use is vaoci-binfmt, in front of the emulator. */
function launcherInFront(input: InjectionInput): boolean {
  return Boolean(input.entry?.launcher) && input.entry?.emulator === input.emulator;
}

/** binfmtLauncher: the node's vaoci-binfmt reserves before it loads the emulator; the container carries only the window. */
function binfmtLauncher(input: InjectionInput, window: Window): InjectionDecision {
  const e = input.entry as BinfmtEntry;
  return {
    injection: { method: 'binfmt', env: { VAOCI_VA_LIMIT: formatWindow(window), VAOCI_ON_ERROR: input.onError }, mounts: [] },
    reason: `binfmt_misc entry ${e.entry} runs ${e.interpreter} (vaoci-binfmt) in front of ${input.emulator}: it reserves VAOCI_VA_LIMIT before it loads the emulator, in every process of the container`,
  };
}

function nativeWorkload(input: InjectionInput, window: Window): InjectionDecision {
  const w = input.workload;
  if (w?.linkage === 'static') {
    return {
      injection: launch(input, window),
      reason: `native workload: ${w.path} is statically linked (LD_PRELOAD cannot load into it): vaoci-launch reserves, then loads it without exec`,
    };
  }
  const what = w ? `${w.path} is dynamically linked` : 'the entrypoint was not detected (assumed dynamically linked)';
  return { injection: preload(input, window), reason: `native workload: ${what}; LD_PRELOAD reserves in its own process` };
}

function fex(input: InjectionInput, window: Window): InjectionDecision {
  if (input.guest === 'i386' && containsWindow(window, WINDOW_I386)) {
    return {
      injection: NONE,
      reason: `FEX already keeps 32-bit guests below 4 GiB (it reserves every gap above), which ${formatWindow(window)} contains: vaoci never reserves twice under FEX`,
    };
  }
  if (input.guest === 'x86_64' && containsWindow(window, WINDOW_X86_64)) {
    const beyond = beyondFex(window);
    if (beyond === null) {
      return {
        injection: NONE,
        reason: `FEX reserves [2^47, 2^48) itself and ${formatWindow(window)} allows everything else outside it: nothing left to reserve`,
      };
    }
    return inFex(
      input,
      beyond,
      `FEX reserves [2^47, 2^48) itself but nothing above 2^48, which a 52-bit kernel hands out by hint: vaoci reserves outside ${formatWindow(beyond)} (${formatWindow(window)} and FEX's region; nothing on a 48-bit kernel), never inside FEX's region`,
    );
  }
  if (input.guest === 'x86_64' && wraps(window) && window.lower <= X86_64_UPPER) {
    return inFex(
      input,
      window,
      `FEX reserves [2^47, 2^48) itself; vaoci reserves only the hole [${hex(window.upper)}, ${hex(window.lower)}) below it, so nothing is reserved twice`,
    );
  }
  const expected = input.guest === 'x86_64' ? EXPECT.fexWindow64 : EXPECT.fexWindow32;
  return refuse(input.va, expected, 'FEX already reserves for its guests and vaoci never reserves twice');
}

/** FEX_TOP is the end of FEX's own region for 64-bit guests, [2^47, 2^48). */
const FEX_TOP = 1n << 48n;

/**
 * beyondFex is a window containing x86_64 widened by FEX's own region: what
 * vaoci reserves outside of it lies outside both. [0, U) → [0, max(U, 2^48));
 * a wrap-around window with hole [U, L) → hole [max(U, 2^48), L), or null
 * when nothing of the hole is left.
 */
function beyondFex(window: Window): Window | null {
  const upper = window.upper > FEX_TOP ? window.upper : FEX_TOP;
  if (!wraps(window)) return upper === window.upper ? window : { kind: 'custom', lower: 0n, upper };
  if (window.lower <= upper) return null;
  return upper === window.upper ? window : { kind: 'custom', lower: window.lower, upper };
}

/** inFex: vaoci reserves outside `reserve` in FEX's own process (vaoci-binfmt, launch or the preload). */
function inFex(input: InjectionInput, reserve: Window, reason: string): InjectionDecision {
  if (launcherInFront(input)) return { ...binfmtLauncher(input, reserve), reason };
  if (linkage(input) === 'static') return { ...launchEmulator(input, reserve), reason };
  return { injection: preload(input, reserve), reason };
}

function qemu32(input: InjectionInput, window: Window): InjectionDecision {
  if (containsWindow(window, WINDOW_I386)) {
    return { injection: NONE, reason: `qemu keeps 32-bit guests below 4 GiB itself (reserved_va), which ${formatWindow(window)} contains` };
  }
  if (!wraps(window) && window.lower === 0n) return qemuSwitch(window);
  return refuse(input.va, EXPECT.qemuI386Window, "a reservation cannot reach inside qemu's reserved_va");
}

function qemu64(input: InjectionInput, window: Window): InjectionDecision {
  if (launcherInFront(input)) return binfmtLauncher(input, window);
  const link = linkage(input);
  if (link === 'dynamic')
    return {
      injection: preload(input, window),
      reason: 'qemu is dynamically linked: LD_PRELOAD reserves in its process, QEMU_UNSET_ENV keeps it from the guest',
    };
  if (link === 'unknown')
    return { injection: preload(input, window), reason: "qemu's linkage is unknown (assumed dynamic): LD_PRELOAD, with QEMU_UNSET_ENV" };
  return launchEmulator(input, window);
}

/** launchEmulator runs the statically linked emulator (the detected binfmt_misc interpreter) under vaoci-launch. */
function launchEmulator(input: InjectionInput, window: Window): InjectionDecision {
  const { interpreter, flags } = input.entry as BinfmtEntry; // static linkage is only ever the detected entry's
  return {
    injection: launch(input, window, { interpreter, flags }),
    reason: `${interpreter} is statically linked (LD_PRELOAD cannot load into it): vaoci-launch reserves, then loads it without exec, and it runs the guest`,
  };
}

function qemuSwitch(window: Window): InjectionDecision {
  return {
    injection: { method: 'emulator-switch', env: { QEMU_RESERVED_VA: hex(window.upper) }, mounts: [] },
    reason: `qemu manages 32-bit guests inside its reserved_va: QEMU_RESERVED_VA=${hex(window.upper)} keeps the guest below ${hex(window.upper)}`,
  };
}

function refuse(ch: Chosen, expected: string, why: string): InjectionDecision {
  return { injection: NONE, reason: `nothing injected: ${why}`, problem: problemLine(ch.lineKey, ch.raw, expected) };
}

/** linkage is the emulator's linkage when the detected binfmt entry is the emulator in use, else unknown. */
function linkage(input: InjectionInput): Linkage {
  return input.entry && input.entry.emulator === input.emulator ? input.entry.linkage : 'unknown';
}

function describeLinkage(input: InjectionInput): string {
  const l = linkage(input);
  return l === 'unknown' ? 'of unknown linkage (assumed dynamically linked)' : `${l === 'static' ? 'statically' : 'dynamically'} linked`;
}

/**
 * launch builds the launch injection: process.args gets vaoci-launch, `--`
 * and (for an emulated guest) the emulator in front; the window and the error
 * mode in the environment; the launcher (and the emulator's file, which flag
 * F pinned on the host) bound into the container. For a guest the launcher
 * also gets the entry's flags (--binfmt-flags=FLAGS), so it starts the
 * emulator as binfmt_misc would: with P (Debian's qemu-user registers its
 * ARCH-binfmt-P links so) the emulator takes its second argument for the
 * guest's argv[0].
 */
function launch(input: InjectionInput, window: Window, emulator?: { interpreter: string; flags: string }): Injection {
  const inj = input.nodeConfig?.injection ?? {};
  const launcher = inj.launcher ?? `${inj.host_dir ?? NODE.hostDir}/${NODE.launcherSubpath}`;
  const mounts = (inj.bind_mount ?? NODE.bindMount) ? [launcher, ...(emulator ? [emulator.interpreter] : [])] : [];
  return {
    method: 'launch',
    env: { VAOCI_VA_LIMIT: formatWindow(window), VAOCI_ON_ERROR: input.onError },
    mounts,
    args: emulator ? [launcher, `--binfmt-flags=${emulator.flags}`, '--', emulator.interpreter] : [launcher, '--'],
  };
}

/**
 * preload builds the preload injection: LD_PRELOAD, the window and the
 * error mode in the environment; the preload bound into the container, and
 * for a dynamically linked emulator registered with flag F its loader and
 * the node's library directories (F pins only the interpreter file).
 */
function preload(input: InjectionInput, window: Window): Injection {
  const inj = input.nodeConfig?.injection ?? {};
  const path = inj.preload ?? `${inj.host_dir ?? NODE.hostDir}/${NODE.preloadSubpath}`;
  const env: Record<string, string> = { LD_PRELOAD: path, VAOCI_VA_LIMIT: formatWindow(window), VAOCI_ON_ERROR: input.onError };
  if (input.emulator === 'qemu') env.QEMU_UNSET_ENV = 'LD_PRELOAD';
  const mounts: string[] = [];
  if (inj.bind_mount ?? NODE.bindMount) {
    mounts.push(path);
    const e = input.guest === 'native' ? null : input.entry;
    const inUse = e && (e.emulator === input.emulator || input.emulator === 'preload');
    if (e && inUse && e.linkage === 'dynamic' && e.flags.includes('F') && e.loader) {
      mounts.push(e.loader, ...(inj.library_dirs ?? NODE.libraryDirs));
    }
  }
  return { method: 'preload', env, mounts: [...new Set(mounts)] };
}
