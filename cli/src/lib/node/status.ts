/**
 * vaoci node status: what is installed, whether each file is still as
 * written, and — the question that matters — whether a vaoci.io/ annotation
 * on a pod would actually reach its container. On the node itself with a
 * containerd binary at hand, containerd's own merged view
 * (`containerd config dump`) decides; otherwise the files are merged here.
 */
import { childProcess } from '../child';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { parseLaunchConfig, readBundleFile } from '../bundle';
import { LAUNCH_CONF, detectBinfmt, hostBinfmtIo, readRegistrations } from '../policy/binfmt';
import { BINFMT_DIR, type BinfmtRecord } from './binfmt';
import {
  CONTAINERD_CONFIG,
  CONTAINERD_DROPIN,
  CONTAINERD_DROPIN_DIR,
  type Reach,
  annotationsReach,
  imported,
  mergedView,
  missingImportLine,
  readRootConfig,
} from './containerd';
import { crioReach } from './crio';
import type { Host } from './host';
import { sha256Of } from '../image/digest';
import { readRecord } from './record';
import type { Engine, Mode } from './record';
import { nriReach } from './nri';
import type { BinfmtEntry } from '../policy/types';

/** NodeStatus is what `vaoci node status --json` prints (schemas/cli-node-status.schema.json). */
export interface NodeStatus {
  installed: boolean;
  host_root: string;
  prefix: string;
  engine: Engine | null;
  /** mode: how containers reach vaoci (runtime-class for a record without one), or null when not installed. */
  mode: Mode | null;
  files: Array<{ path: string; state: 'ok' | 'changed' | 'missing' }>;
  annotations_reach: Reach;
  /** checked_by says whose view decided: containerd's own config dump, or vaoci's merge of the files. */
  checked_by: 'containerd config dump' | 'files';
  /** x86_64 is who runs x86-64 ELF here (binfmt_misc): the registered interpreter and, when that is vaoci-binfmt, the emulator behind it. */
  x86_64: Interpreter | null;
  /** binfmt is the registration an install made (its record) as the kernel has it now, or null. */
  binfmt: { entry: string; fronts: string; registered: boolean; fronts_state: 'disabled' | 'enabled' | 'missing' } | null;
}

/** Behind is what a vaoci-binfmt entry launches: from the bundle it carries, else /etc/vaoci/launch.conf. */
export interface Behind {
  emulator: string | null;
  va_limit: string | null;
  from: 'bundle' | 'launch.conf';
}

/** Interpreter is one binfmt_misc registration as status shows it. */
export interface Interpreter {
  entry: string;
  interpreter: string;
  flags: string;
  emulator: string;
  /** behind: when vaoci-binfmt is registered, the emulator and window it launches; else null. */
  behind: Behind | null;
}

/** behindOf reads what a vaoci-binfmt entry launches (null for any other interpreter). */
export function behindOf(host: Host, e: BinfmtEntry): Behind | null {
  if (!e.launcher) return null;
  const bundle = readBundleFile(host.at(e.interpreter));
  const conf = bundle ? bundle.config : parseLaunchConfig(host.read(LAUNCH_CONF) ?? '');
  return { emulator: conf.emulator ?? null, va_limit: conf['va-limit'] ?? null, from: bundle ? 'bundle' : 'launch.conf' };
}

/** interpreterOf reads the node's binfmt_misc (under the host root) for x86-64 ELF. */
export function interpreterOf(host: Host): Interpreter | null {
  const e = detectBinfmt(host.at(BINFMT_DIR), hostBinfmtIo(host.root)).x86_64;
  return e ? { entry: e.entry, interpreter: e.interpreter, flags: e.flags, emulator: e.emulator, behind: behindOf(host, e) } : null;
}

/** status looks at the node; `containerd` is the containerd binary to ask when the host root is `/`. */
export function status(host: Host, prefix: string, containerd = '/usr/bin/containerd'): NodeStatus {
  const record = readRecord(host, prefix);
  const runtimePath = path.posix.join(prefix, 'bin', 'vaoci-runtime');
  const files = (record?.files ?? []).map((f) => ({
    path: f.path,
    state: !host.exists(f.path)
      ? ('missing' as const)
      : sha256Of(fs.readFileSync(host.at(f.path))) === f.sha256
        ? ('ok' as const)
        : ('changed' as const),
  }));
  const base = {
    installed: Boolean(record),
    host_root: host.root,
    prefix,
    engine: record?.engine ?? null,
    mode: record ? (record.mode ?? 'runtime-class') : null,
    files,
    x86_64: interpreterOf(host),
    binfmt: binfmtState(host, record?.binfmt),
  };
  if (!record) return { ...base, annotations_reach: { ok: false, why: `vaoci is not installed under ${prefix}` }, checked_by: 'files' };
  if (record.mode === 'nri') return { ...base, annotations_reach: nriReach(host), checked_by: 'files' };
  if (record.engine === 'cri-o') return { ...base, annotations_reach: crioReach(host, runtimePath), checked_by: 'files' };
  const root = readRootConfig(host);
  if (root.exists && !imported(root)) return { ...base, annotations_reach: { ok: false, why: missingImportLine() }, checked_by: 'files' };
  if (host.root === '/' && fs.existsSync(containerd)) {
    const dump = childProcess().spawnSync(containerd, ['--config', CONTAINERD_CONFIG, 'config', 'dump'], { encoding: 'utf8' });
    if (dump.status === 0)
      return {
        ...base,
        annotations_reach: annotationsReach(parse(dump.stdout), root.version, runtimePath),
        checked_by: 'containerd config dump',
      };
  }
  const dropins = dirFiles(host, CONTAINERD_DROPIN_DIR).concat(host.exists(CONTAINERD_DROPIN) ? [] : [CONTAINERD_DROPIN]);
  return { ...base, annotations_reach: annotationsReach(mergedView(host, root, dropins), root.version, runtimePath), checked_by: 'files' };
}

/** binfmtState checks a recorded registration against binfmt_misc: ours there, the fronted entry disabled. */
function binfmtState(host: Host, r: BinfmtRecord | undefined): NodeStatus['binfmt'] {
  if (!r) return null;
  const regs = readRegistrations(host.at(BINFMT_DIR));
  const front = regs.find((g) => g.name === r.fronts);
  return {
    entry: r.entry,
    fronts: r.fronts,
    registered: regs.some((g) => g.name === r.entry && g.enabled),
    fronts_state: !front ? 'missing' : front.enabled ? 'enabled' : 'disabled',
  };
}

function dirFiles(host: Host, dir: string): string[] {
  try {
    return fs.readdirSync(host.at(dir)).map((f) => path.posix.join(dir, f));
  } catch {
    return [];
  }
}
