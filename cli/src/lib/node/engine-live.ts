/**
 * Whether the engine that runs now has the runtime handler vaoci: its own
 * answer over CRI (../cri/status), not its config files. The socket is a
 * node path, taken under the host root like every other node path (the
 * chart mounts the engine's socket directory into the agent read-only; a
 * unix socket connects through a read-only mount).
 */
import { criStatus, criVersion } from '../cri/status';
import { HANDLER } from './containerd';
import type { Host } from './host';
import type { Engine } from './record';

/** CRI_SOCKETS: each engine's default CRI socket on a node. */
export const CRI_SOCKETS: Record<Engine, string> = {
  containerd: '/run/containerd/containerd.sock',
  'cri-o': '/var/run/crio/crio.sock',
};

/** Running is the engine's answer: whether it runs the handler, and why, in one line. */
export interface Running {
  present: boolean;
  why: string;
}

/** handlerRunning asks the engine at node path `socket` whether it runs the runtime handler vaoci. */
export async function handlerRunning(host: Host, engine: Engine, socket: string, timeoutMs = 5000): Promise<Running> {
  let s;
  try {
    s = await criStatus(host.at(socket), timeoutMs);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    return {
      present: false,
      why: `cannot ask ${engine} over CRI at ${socket}: ${err.code ?? err.message} (the agent needs the engine's socket; chart value agent.criSocket)`,
    };
  }
  const runtime = s.conditions.find((c) => c.type === 'RuntimeReady');
  if (runtime && !runtime.status)
    return { present: false, why: `${engine} at ${socket} says RuntimeReady=false: ${runtime.reason} ${runtime.message}`.trim() };
  if (!s.handlers)
    return {
      present: false,
      why: `${engine} at ${socket} names no runtime handlers in its CRI status (neither runtime_handlers nor a dumped config)`,
    };
  if (!s.handlers.includes(HANDLER)) {
    const runs = s.handlers.map((h) => (h === '' ? '(default)' : h)).join(', ') || 'none';
    return {
      present: false,
      why: `the running ${engine} has no runtime handler "${HANDLER}" (it runs: ${runs}) — restart it to load the drop-in`,
    };
  }
  return {
    present: true,
    why: `the running ${engine} reports the runtime handler "${HANDLER}" (CRI status at ${socket}, ${s.handlersFrom})`,
  };
}

/** runningVersion is the running engine's version as it reports it over CRI (v-prefix dropped), or null when it cannot be asked. */
export async function runningVersion(host: Host, socket: string, timeoutMs = 5000): Promise<string | null> {
  try {
    const v = await criVersion(host.at(socket), timeoutMs);
    return v.version ? v.version.replace(/^v/, '') : null;
  } catch {
    return null;
  }
}
