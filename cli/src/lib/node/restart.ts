/**
 * Restarting the container engine after its drop-in changed, from wherever
 * the installer runs: `chroot HOST_ROOT systemctl restart UNIT`. From the
 * DaemonSet (the node's / at /host) that is the node's own systemctl talking
 * to the node's systemd through /host/run; on the node itself the chroot is
 * to /. Running containers keep running (their shims and conmon outlive the
 * engine); pod starts on that node pause for a moment.
 */
import { spawnSync } from 'node:child_process';
import { Failure } from '../errors';
import type { Host } from './host';
import type { Engine } from './record';

/** UNIT is the systemd unit of each engine. */
export const UNIT: Record<Engine, string> = { containerd: 'containerd', 'cri-o': 'crio' };

/** restartEngine restarts the engine's unit on the node; a failure is one line naming the command. */
export function restartEngine(host: Host, engine: Engine): string {
  const args = [host.root, 'systemctl', 'restart', UNIT[engine]];
  const r = spawnSync('chroot', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) {
    const said = (r.stderr || r.stdout || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
    throw new Failure(`chroot ${args.join(' ')}: ${said}`, 'system');
  }
  return `chroot ${args.join(' ')}`;
}
