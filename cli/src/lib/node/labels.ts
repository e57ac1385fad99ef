/**
 * The labels the node agent keeps on its Node, so schedulers and operators
 * can tell prepared nodes apart, and `vaoci explain --node-labels` can answer
 * for the node from anywhere: vaoci.io/ready (installed, every file as
 * written, an annotation would reach a container, and the running engine
 * reports the runtime handler over CRI — in nri mode: the engine serves NRI
 * and vaoci-nri says it is connected), vaoci.io/mode (runtime-class or nri:
 * the chart's RuntimeClass sends its pods only to runtime-class nodes), vaoci.io/va-bits (the
 * kernel's user address bits, from vaoci-reserve probe), vaoci.io/version
 * (the vaoci running the agent), and binfmt_misc's answer for x86-64 ELF —
 * vaoci.io/emulator with its linkage, flags and whether vaoci-binfmt stands
 * in front (what the resolver needs to pick the injection) — and for i386 ELF.
 */
import { detectBinfmt, hostBinfmtIo } from '../policy/binfmt';
import type { BinfmtEntry } from '../policy/types';
import { labelValue, vaociVersion } from '../version';
import { BINFMT_DIR } from './binfmt';
import { probe } from '../probe';
import type { Host } from './host';
import { LABELS } from './label-keys';
import { CRI_SOCKETS, handlerRunning } from './engine-live';
import { status } from './status';
import { nriConnected } from './nri';

export { LABELS };

/** NodeFacts are what the labels say, with the reason `ready` is what it is. */
export interface NodeFacts {
  labels: Record<string, string>;
  why: string;
}

/** binfmtLabels describes the x86-64 entry (none: emulator none, the rest empty) and who runs i386 ELF. */
export function binfmtLabels(x86: BinfmtEntry | null, i386: BinfmtEntry | null): Record<string, string> {
  return {
    [LABELS.emulator]: x86 ? x86.emulator : 'none',
    [LABELS.linkage]: x86 ? x86.linkage : 'none',
    [LABELS.flags]: x86?.flags ?? '',
    [LABELS.fronted]: String(Boolean(x86?.launcher)),
    [LABELS.i386]: i386 ? i386.emulator : 'none',
  };
}

/**
 * nodeFacts reads the node: the install under `prefix`, the kernel, binfmt_misc under the host root.
 * Ready needs the files right and then the running engine's word that it runs the handler, over CRI
 * at `criSocket` (a node path; null: the engine's default socket; 'none': the files decide alone).
 * In nri mode there is no handler: ready needs vaoci-nri's `nriStatus` file instead, when given
 * (else the engine's NRI socket, which only root can see).
 */
export async function nodeFacts(
  host: Host,
  prefix: string,
  criSocket: string | null = null,
  nriStatus: string | null = null,
): Promise<NodeFacts> {
  const s = status(host, prefix);
  const broken = s.files.filter((f) => f.state !== 'ok');
  // In nri mode the agent cannot look at the engine's NRI socket (its directory is root's alone);
  // vaoci-nri's status file says more: the plugin is connected to it.
  const plugin = s.mode === 'nri' && nriStatus ? nriConnected(nriStatus) : null;
  const reach = plugin ? { ok: plugin.present, why: plugin.why } : s.annotations_reach;
  let ready = s.installed && !broken.length && reach.ok;
  let why = !s.installed ? `not installed under ${prefix}` : broken.length ? `${broken[0].path} is ${broken[0].state}` : reach.why;
  if (s.mode === 'nri') {
    if (ready && !plugin) why = `${why} (vaoci-nri not asked: no --nri-status)`;
  } else if (ready && s.engine && criSocket !== 'none') {
    const running = await handlerRunning(host, s.engine, criSocket ?? CRI_SOCKETS[s.engine]);
    ready = running.present;
    why = running.present ? `${why}; ${running.why}` : running.why;
  } else if (ready) {
    why = `${why} (the files say so; the engine was not asked: --cri-socket none)`;
  }
  const { va_bits: vaBits } = await probe();
  const b = detectBinfmt(host.at(BINFMT_DIR), hostBinfmtIo(host.root));
  return {
    labels: {
      [LABELS.ready]: String(ready),
      [LABELS.mode]: s.mode ?? 'none',
      [LABELS.vaBits]: String(vaBits),
      [LABELS.version]: labelValue(vaociVersion()),
      ...binfmtLabels(b.x86_64, b.i386),
    },
    why,
  };
}
