/**
 * Restarting the container engine after its drop-in changed, from wherever
 * the installer runs: `chroot HOST_ROOT systemctl restart UNIT`. From the
 * DaemonSet (the node's / at /host) that is the node's own systemctl talking
 * to the node's systemd through /host/run; on the node itself the chroot is
 * to /. Running containers keep running (their shims and conmon outlive the
 * engine); pod starts on that node pause for a moment.
 *
 * Which chroot: one on PATH when there is one (on the node itself), else the
 * node's own (HOST_ROOT/usr/sbin/chroot, …) — vaoci's image carries no
 * coreutils. The node's binary is dynamically linked against the node's libc,
 * which the image's may not satisfy, so it runs under the node's own loader
 * (its PT_INTERP under HOST_ROOT) with the node's library directories; after
 * chroot(2) the node's systemctl runs natively. (Found by the real-node lane,
 * test/node/: `spawnSync chroot ENOENT` from the chart's installer.)
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure } from '../errors';
import { readElf, readerFor } from '../policy/elf';
import type { Host } from './host';
import type { Engine } from './record';

/** UNIT is the systemd unit of each engine. */
export const UNIT: Record<Engine, string> = { containerd: 'containerd', 'cri-o': 'crio' };

const CHROOTS = ['/usr/sbin/chroot', '/usr/bin/chroot', '/sbin/chroot', '/bin/chroot'];
const LIB_DIRS = ['/lib64', '/usr/lib64', '/lib', '/usr/lib'];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    const p = path.join(dir || '.', name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** chrootCommand is how to run `chroot ARGS…` for this host: [program, ...args before ARGS]. */
export function chrootCommand(host: Host, own: string | null | undefined = onPath('chroot')): string[] {
  if (own) return [own];
  const found = CHROOTS.find((p) => host.exists(p));
  if (!found)
    throw new Failure(
      `no chroot program, neither in this image's PATH nor on the node (${CHROOTS.join(', ')} under ${host.root})`,
      'system',
    );
  const file = host.at(found);
  const fd = fs.openSync(file, 'r');
  let interp: string | undefined;
  try {
    interp = readElf(readerFor(fd, fs.readSync)).interp;
  } catch {
    interp = undefined; // a script or an ELF we cannot read: run it as it is
  } finally {
    fs.closeSync(fd);
  }
  if (!interp || !host.exists(interp)) return [file];
  // the node's multiarch dirs (lib/x86_64-linux-gnu, …) first, then the plain ones
  const multiarch = LIB_DIRS.flatMap((d) => {
    try {
      return fs
        .readdirSync(host.at(d))
        .filter((n) => /-linux-gnu/.test(n))
        .map((n) => path.posix.join(d, n));
    } catch {
      return [];
    }
  });
  const dirs = [...multiarch, ...LIB_DIRS].filter((d) => host.exists(d)).map((d) => host.at(d));
  return [host.at(interp), '--library-path', dirs.join(':'), file];
}

/** restartWords is the command that restarts the engine inside the node's root: `command` when given (nodes without systemd), else systemctl's. */
export function restartWords(engine: Engine, command?: string[]): string[] {
  return command?.length ? command : ['systemctl', 'restart', UNIT[engine]];
}

/**
 * restartEngine restarts the engine on the node — `systemctl restart UNIT`, or `command` for a node
 * without systemd (OpenRC's `rc-service containerd restart`, s6, a script of the operator's) — run
 * inside the node's root; a failure is one line naming the command.
 */
export function restartEngine(host: Host, engine: Engine, command?: string[]): string {
  const [program, ...pre] = chrootCommand(host);
  const words = restartWords(engine, command);
  const r = spawnSync(program, [...pre, host.root, ...words], { encoding: 'utf8', timeout: 120_000 });
  const shown = `chroot ${host.root} ${words.join(' ')}`;
  if (r.status !== 0) {
    const said = (r.stderr || r.stdout || r.error?.message || `exit ${r.status}`).trim().split('\n')[0];
    throw new Failure(`${shown}: ${said}`, 'system');
  }
  return shown;
}
