/**
 * `vaoci doctor`: can this node give x86 containers their window? Each check
 * is a pure function of facts read once (doctor/facts.ts), so every verdict
 * is testable with written facts: the address space, who runs x86-64 and
 * i386 ELF (and, when vaoci-binfmt stands in front, what it launches), the
 * install, the container engine (which, its version, the handler in its
 * config), a real runtime, and which vaoci this is and installed.
 */
import type { EngineFacts } from '../node/engine';
import type { Running } from '../node/engine-live';
import type { BinfmtEntry } from '../policy/types';
import type { Behind, NodeStatus } from '../node/status';

export type Verdict = 'ok' | 'warn' | 'fail';

/** Check is one line of the doctor's answer. */
export interface Check {
  name: 'address space' | 'x86-64 ELF' | 'i386 ELF' | 'install' | 'engine' | 'runtime' | 'version';
  status: Verdict;
  detail: string;
}

/** DoctorFacts is everything the checks look at. */
export interface DoctorFacts {
  arch: 'aarch64' | 'x86_64';
  vaBits: number;
  x86_64: { entry: BinfmtEntry; behind: Behind | null } | null;
  i386: { entry: BinfmtEntry; behind: Behind | null } | null;
  status: Pick<NodeStatus, 'installed' | 'prefix' | 'mode' | 'files' | 'annotations_reach' | 'binfmt'>;
  runtimes: string[];
  /** engine: the node's container engine, or null when neither containerd nor CRI-O is there. */
  engine: EngineFacts | null;
  /** running: the running engine's own answer over CRI (engine-live.ts), or null when its socket is not there to ask. */
  running: Running | null;
  /** version: this vaoci's, and the one the install record says installed (null: not installed, or an older record). */
  version: { running: string; installed: string | null };
}

export function addressSpace(f: DoctorFacts): Check {
  const name = 'address space';
  if (f.arch === 'x86_64')
    return {
      name,
      status: 'ok',
      detail: `x86-64 node, ${f.vaBits}-bit user space: x86-64 containers run natively; windows narrower than x86_64 (i386, a custom one) still apply`,
    };
  if (f.vaBits > 47)
    return {
      name,
      status: 'ok',
      detail: `arm64 node, ${f.vaBits}-bit user space: x86-64 guests get addresses up to 2^${f.vaBits}, so they need a window (vaoci's job)`,
    };
  return {
    name,
    status: 'ok',
    detail: `arm64 node, ${f.vaBits}-bit user space: already inside x86-64's 2^47; only narrower windows (i386, custom) reserve anything`,
  };
}

/** x86_64Elf says who runs x86-64 ELF, and whether the window can reach that process. */
export function x86_64Elf(f: DoctorFacts): Check {
  const name = 'x86-64 ELF';
  if (f.arch === 'x86_64') return { name, status: 'ok', detail: 'runs natively on this node' };
  const x = f.x86_64;
  if (!x)
    return {
      name,
      status: 'fail',
      detail: 'no binfmt_misc entry runs x86-64 ELF: x86-64 containers cannot start here (register qemu-user-static, FEX or box64)',
    };
  const e = x.entry;
  const noF = e.flags.includes('F') ? '' : '; without flag F the interpreter must exist inside every container';
  if (e.launcher) {
    const b = x.behind;
    const what = b?.emulator
      ? `${b.emulator}${b.from === 'bundle' ? ', carried in its bundle' : ', from /etc/vaoci/launch.conf'}`
      : 'an emulator it does not name';
    const status: Verdict = b?.emulator ? 'ok' : 'fail';
    return {
      name,
      status,
      detail: `${e.entry}: vaoci-binfmt (${e.interpreter}, flags ${e.flags || '-'}) in front of ${what}; it reserves ${b?.va_limit ?? 'no window'} (or the container's VAOCI_VA_LIMIT) in every x86-64 process${noF}`,
    };
  }
  const head = `${e.entry}: ${e.interpreter} (${e.emulator}, ${e.linkage}, flags ${e.flags || '-'})`;
  if (e.emulator === 'fex') return { name, status: 'ok', detail: `${head}: FEX reserves [2^47, 2^48) for its guests itself${noF}` };
  if (e.linkage === 'static') {
    return {
      name,
      status: 'warn',
      detail: `${head}: statically linked, LD_PRELOAD cannot reach it; vaoci-runtime starts each container's first process under vaoci-launch, but processes it execs are not covered — \`vaoci node install\` puts vaoci-binfmt in front of it${noF}`,
    };
  }
  if (e.linkage === 'unknown')
    return {
      name,
      status: 'warn',
      detail: `${head}: its interpreter could not be read here; vaoci assumes dynamic linkage (the preload)${noF}`,
    };
  return {
    name,
    status: noF ? 'warn' : 'ok',
    detail: `${head}: dynamically linked, the preload reaches it (vaoci-runtime binds its loader and libraries into containers)${noF}`,
  };
}

/** i386Elf says who runs i386 ELF: qemu keeps its guests below 4 GiB itself. */
export function i386Elf(f: DoctorFacts): Check {
  const name = 'i386 ELF';
  const x = f.i386;
  if (!x)
    return {
      name,
      status: f.arch === 'x86_64' ? 'ok' : 'warn',
      detail: f.arch === 'x86_64' ? 'runs natively on this node' : 'no binfmt_misc entry runs i386 ELF: i386 containers cannot start here',
    };
  const e = x.entry;
  const head = `${e.entry}: ${e.launcher ? `vaoci-binfmt in front of ${x.behind?.emulator ?? 'an emulator it does not name'}` : `${e.interpreter} (${e.emulator}, ${e.linkage})`}`;
  if (e.emulator === 'qemu')
    return {
      name,
      status: 'ok',
      detail: `${head}: qemu keeps 32-bit guests below 4 GiB (reserved_va); a narrower window uses QEMU_RESERVED_VA`,
    };
  if (e.emulator === 'fex') return { name, status: 'ok', detail: `${head}: FEX keeps 32-bit guests below 4 GiB itself` };
  return {
    name,
    status: 'warn',
    detail: `${head}: vaoci knows no switch for this emulator's 32-bit guests; a window reaches it only through the preload or vaoci-launch`,
  };
}

export function install(f: DoctorFacts): Check {
  const name = 'install';
  const s = f.status;
  if (!s.installed)
    return {
      name,
      status: 'warn',
      detail: `not installed under ${s.prefix}: \`vaoci node install\` (or the Helm chart) puts the runtime handler vaoci on this node`,
    };
  const broken = s.files.find((x) => x.state !== 'ok');
  if (broken)
    return { name, status: 'fail', detail: `${broken.path} is ${broken.state} since the install: run \`vaoci node install\` again` };
  if (!s.annotations_reach.ok)
    return { name, status: 'fail', detail: `annotations would not reach containers: ${s.annotations_reach.why}` };
  const b = s.binfmt;
  if (b && (!b.registered || b.fronts_state !== 'disabled')) {
    return {
      name,
      status: 'fail',
      detail: `vaoci-binfmt ${b.entry} ${b.registered ? 'is registered' : 'is NOT registered'} and ${b.fronts} is ${b.fronts_state}: run \`vaoci node install\` again (binfmt_misc forgets at reboot)`,
    };
  }
  return {
    name,
    status: 'ok',
    detail: `installed under ${s.prefix}: every file as written, vaoci.io/ annotations reach containers${b ? `, ${b.entry} in front of ${b.fronts}` : ''}`,
  };
}

export function runtime(f: DoctorFacts): Check {
  const name = 'runtime';
  if (!f.runtimes.length) return { name, status: 'fail', detail: 'neither runc nor crun found: vaoci-runtime wraps one of them' };
  return { name, status: 'ok', detail: `${f.runtimes.join(', ')}` };
}

/**
 * engine says which engine, its version, whether its config has the handler vaoci (missing fails once
 * vaoci is installed) and whether the running engine reports it (not: fails, the engine needs a restart);
 * in mode nri, whether the engine serves NRI instead.
 */
export function engine(f: DoctorFacts): Check {
  const name = 'engine';
  const e = f.engine;
  if (!e)
    return {
      name,
      status: 'warn',
      detail: 'neither containerd nor CRI-O found on this node: vaoci registers its runtime handler with one of them',
    };
  const said =
    e.version_from === 'install record' ? ' (as the install recorded it)' : e.version_from === 'running engine' ? ' (running)' : '';
  const version = e.version ? `${e.version}${said}` : 'version unknown';
  const head = `${e.engine} ${version}${e.binary ? `, ${e.binary}` : ', its binary not found'}`;
  // mode nri registers no handler: what matters is that the engine serves NRI
  if (f.status.mode === 'nri') {
    const reach = f.status.annotations_reach;
    return { name, status: reach.ok ? 'ok' : 'fail', detail: `${head}: mode nri, ${reach.why}` };
  }
  if (!e.handler.present)
    return {
      name,
      status: f.status.installed ? 'fail' : 'warn',
      detail: `${head}: ${e.handler.why}${f.status.installed ? ': run `vaoci node install` again' : ''}`,
    };
  // The files say what the engine loads at its next start; the running engine, what it runs now.
  if (!f.running) return { name, status: 'ok', detail: `${head}: ${e.handler.why} (the running engine was not asked: no CRI socket here)` };
  if (f.running.present) return { name, status: 'ok', detail: `${head}: ${e.handler.why}, and ${f.running.why}` };
  return { name, status: 'fail', detail: `${head}: ${e.handler.why}, but ${f.running.why}` };
}

/** version says which vaoci this is and which installed; a difference is a warning (the install predates an upgrade). */
export function version(f: DoctorFacts): Check {
  const name = 'version';
  const { running, installed } = f.version;
  if (!installed || installed === running) return { name, status: 'ok', detail: `vaoci ${running}${installed ? ', as installed' : ''}` };
  return {
    name,
    status: 'warn',
    detail: `vaoci ${running}, but ${installed} installed this node: \`vaoci node install\` (the chart's DaemonSet on upgrade) brings it to ${running}`,
  };
}

/** NodeSummary is what the doctor saw, for --json readers: vaoci, the engine, who runs x86-64 and i386 ELF. */
export interface NodeSummary {
  vaoci_version: string;
  installed_version: string | null;
  engine: {
    name: EngineFacts['engine'];
    version: string | null;
    version_from: EngineFacts['version_from'];
    binary: string | null;
    handler: boolean;
    running_handler: boolean | null;
  } | null;
  emulator: { x86_64: string; i386: string };
}

/** emulatorOf names who runs one ELF: the emulator (behind vaoci-binfmt: that one), native, or none. */
function emulatorOf(f: DoctorFacts, x: DoctorFacts['x86_64']): string {
  if (x) return x.entry.launcher ? `vaoci-binfmt → ${x.entry.emulator}` : x.entry.emulator;
  return f.arch === 'x86_64' ? 'native' : 'none';
}

/** summarize gives the node's facts in short, beside the checks. */
export function summarize(f: DoctorFacts): NodeSummary {
  const e = f.engine;
  return {
    vaoci_version: f.version.running,
    installed_version: f.version.installed,
    engine: e && {
      name: e.engine,
      version: e.version,
      version_from: e.version_from,
      binary: e.binary,
      handler: e.handler.present,
      running_handler: f.running ? f.running.present : null,
    },
    emulator: { x86_64: emulatorOf(f, f.x86_64), i386: emulatorOf(f, f.i386) },
  };
}

/** diagnose runs every check, in the order they matter. */
export function diagnose(f: DoctorFacts): Check[] {
  return [addressSpace(f), x86_64Elf(f), i386Elf(f), install(f), engine(f), runtime(f), version(f)];
}
