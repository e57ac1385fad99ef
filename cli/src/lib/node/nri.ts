/**
 * The nri mode's facts about a node: whether its engine serves NRI, and
 * whether vaoci-nri says it is connected. Their own file so status and the
 * agent do not load the installer's planning.
 */
import * as fs from 'node:fs';
import type { Reach } from './containerd';
import type { Host } from './host';

/** NRI_SOCKET is where containerd (>= 1.7) and CRI-O (>= 1.26) serve NRI when it is on. */
export const NRI_SOCKET = '/var/run/nri/nri.sock';

/**
 * nriReach: in nri mode the annotations reach vaoci-nri whatever the engine's
 * runtime config says (NRI hands the plugin the pod's and the container's
 * annotations), as long as the engine serves NRI.
 */
export function nriReach(host: Host, socket = NRI_SOCKET): Reach {
  return host.isSocket(socket)
    ? { ok: true, why: `the engine serves NRI at ${socket}: vaoci-nri sees every pod's annotations` }
    : { ok: false, why: `no NRI socket at ${socket}: the engine does not serve NRI (turn it on, or install with --mode runtime-class)` };
}

/**
 * nriConnected reads vaoci-nri's -status file (a path on this machine: the
 * DaemonSet shares it between the plugin and the agent): present while the
 * plugin is connected to the engine, with the line it wrote.
 */
export function nriConnected(file: string): { present: boolean; why: string } {
  try {
    const line = fs.readFileSync(file, 'utf8').trim().split('\n')[0];
    return { present: true, why: `vaoci-nri: ${line}` };
  } catch {
    return { present: false, why: `vaoci-nri is not connected to the engine (no ${file})` };
  }
}
