/** What `vaoci doctor` reads from the node (under --host-root), once. */
import { BINFMT_DIR } from '../node/binfmt';
import { engineFacts } from '../node/engine';
import { CRI_SOCKETS, handlerRunning, runningVersion } from '../node/engine-live';
import { readRecord } from '../node/record';
import { vaociVersion } from '../version';
import type { Host } from '../node/host';
import { behindOf, status } from '../node/status';
import { detectBinfmt, hostBinfmtIo } from '../policy/binfmt';
import type { BinfmtEntry } from '../policy/types';
import { userCacheDir } from '../startup/compile-cache';
import { bootFacts } from './boot-facts';
import type { DoctorFacts } from './checks';

const RUNTIMES = ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc', '/usr/bin/crun', '/usr/local/bin/crun'];

function withBehind(host: Host, e: BinfmtEntry | null): DoctorFacts['x86_64'] {
  return e ? { entry: e, behind: behindOf(host, e) } : null;
}

export async function doctorFacts(host: Host, prefix: string): Promise<DoctorFacts> {
  const cacheDir = userCacheDir();
  const p = await bootFacts(cacheDir);
  const b = detectBinfmt(host.at(BINFMT_DIR), hostBinfmtIo(host.root));
  const record = readRecord(host, prefix);
  let engine = engineFacts(host, record, cacheDir);
  const socket = engine && CRI_SOCKETS[engine.engine];
  const askable = engine && socket && host.exists(socket);
  const running = askable ? await handlerRunning(host, engine!.engine, socket) : null;
  // The running engine's own version beats its binary's (a node mid-upgrade, or a second copy on disk).
  const live = askable ? await runningVersion(host, socket) : null;
  if (engine && live) engine = { ...engine, version: live, version_from: 'running engine' };
  return {
    arch: p.arch === 'x86_64' ? 'x86_64' : 'aarch64',
    vaBits: p.va_bits,
    x86_64: withBehind(host, b.x86_64),
    i386: withBehind(host, b.i386),
    status: status(host, prefix),
    runtimes: RUNTIMES.filter((r) => host.exists(r)),
    engine,
    running,
    version: { running: vaociVersion(), installed: record?.vaoci_version ?? null },
  };
}
