/** What `vaoci doctor` reads from the node (under --host-root), once. */
import { BINFMT_DIR } from '../node/binfmt';
import { engineFacts } from '../node/engine';
import { readRecord } from '../node/record';
import { vaociVersion } from '../version';
import type { Host } from '../node/host';
import { behindOf, status } from '../node/status';
import { detectBinfmt, hostBinfmtIo } from '../policy/binfmt';
import type { BinfmtEntry } from '../policy/types';
import { probe } from '../probe';
import type { DoctorFacts } from './checks';

const RUNTIMES = ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc', '/usr/bin/crun', '/usr/local/bin/crun'];

function withBehind(host: Host, e: BinfmtEntry | null): DoctorFacts['x86_64'] {
  return e ? { entry: e, behind: behindOf(host, e) } : null;
}

export async function doctorFacts(host: Host, prefix: string): Promise<DoctorFacts> {
  const p = await probe();
  const b = detectBinfmt(host.at(BINFMT_DIR), hostBinfmtIo(host.root));
  const record = readRecord(host, prefix);
  return {
    arch: p.arch === 'x86_64' ? 'x86_64' : 'aarch64',
    vaBits: p.va_bits,
    x86_64: withBehind(host, b.x86_64),
    i386: withBehind(host, b.i386),
    status: status(host, prefix),
    runtimes: RUNTIMES.filter((r) => host.exists(r)),
    engine: engineFacts(host, record),
    version: { running: vaociVersion(), installed: record?.vaoci_version ?? null },
  };
}
