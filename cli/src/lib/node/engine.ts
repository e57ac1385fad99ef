/**
 * Which container engine runs on the node, its version, and whether its
 * configuration has the runtime handler `vaoci` — for `vaoci doctor` and the
 * install record. The version is the engine's own answer (`containerd
 * --version`, `crio --version`) run through the node's root (chroot
 * HOST_ROOT, as restart.ts does; directly when the root is /), so the
 * node's binary runs with the node's libraries; when that cannot run here,
 * the version the install recorded stands in, saying so. `vaoci doctor`
 * keeps the binary's answer (startup/kept.ts) under a key naming the
 * binary's identity in the node's root — device, inode, size, mtime and
 * ctime — so an upgrade, a replaced or a touched binary is asked again: a
 * Go engine starts slower than all the rest of doctor (`containerd
 * --version` alone is 1.6x `node -e 0`).
 */
import { childProcess } from '../child';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { CONTAINERD_CONFIG, CONTAINERD_DROPIN_DIR, HANDLER, handlerOf, mergedView, readRootConfig } from './containerd';
import { resolveInRoot } from '../policy/rootfs';
import { fileIdentity, keep, keptFile, readKept } from '../startup/kept';
import type { Host } from './host';
import type { Engine } from './record';

/** BINARIES: where each engine's binary lives on a node (packages, then /usr/local installs). */
export const BINARIES: Record<Engine, string[]> = {
  containerd: ['/usr/bin/containerd', '/usr/local/bin/containerd', '/usr/sbin/containerd'],
  'cri-o': ['/usr/bin/crio', '/usr/local/bin/crio', '/usr/sbin/crio'],
};

const CRIO_CONFIGS = ['/etc/crio/crio.conf'];
const CRIO_DROPIN_DIR = '/etc/crio/crio.conf.d';

/** EngineFacts is what the node shows of its engine. */
export interface EngineFacts {
  engine: Engine;
  /** binary is the engine's binary on the node, or null when none was found (the record named the engine). */
  binary: string | null;
  /** version: the engine's own, e.g. "1.6.20~ds1"; null when unknown. */
  version: string | null;
  /** version_from says who told: the running engine over CRI, the engine binary's --version, or the install record. */
  version_from: 'running engine' | 'engine' | 'install record' | null;
  /** handler: whether the engine's config (root config and drop-ins) defines the runtime handler vaoci, and where. */
  handler: { present: boolean; why: string };
}

/** findEngine names the node's engine: the recorded one first, else the first whose binary is there. */
export function findEngine(host: Host, recorded?: Engine): { engine: Engine; binary: string | null } | null {
  const order: Engine[] = recorded
    ? [recorded, ...(Object.keys(BINARIES) as Engine[]).filter((e) => e !== recorded)]
    : (Object.keys(BINARIES) as Engine[]);
  for (const engine of order) {
    const binary = BINARIES[engine].find((b) => host.exists(b));
    if (binary) return { engine, binary };
  }
  return recorded ? { engine: recorded, binary: null } : null;
}

/** parseVersion takes the version out of `--version`'s text: containerd's third word, CRI-O's `crio version X` / `Version: X`. */
export function parseVersion(text: string): string | null {
  const line = text.split('\n').find((l) => /\d+\.\d+/.test(l)) ?? '';
  const m = /(?:^containerd\s+\S+\s+|version[:\s]+)v?(\d+\.\d+[^\s]*)/i.exec(line) ?? /\bv?(\d+\.\d+\.\d+[^\s]*)/.exec(line);
  return m ? m[1] : null;
}

/**
 * askVersion runs the engine's `--version` through the node's root; null
 * when it cannot run here. With `cacheDir`, an answer kept for this very
 * binary is used, and a new answer is kept.
 */
export function askVersion(host: Host, binary: string, cacheDir?: string): string | null {
  const key = cacheDir ? binaryKey(host, binary) : undefined;
  const file = cacheDir && key ? keptFile(cacheDir, 'engine-version', key) : undefined;
  const kept = file && key ? readKept(file, key) : undefined;
  if (kept) return kept;
  const [cmd, args] = host.root === '/' ? [binary, ['--version']] : ['chroot', [host.root, binary, '--version']];
  const r = childProcess().spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  const version = r.status === 0 ? parseVersion(`${r.stdout}`) : null;
  if (file && key && version) keep(file, key, version);
  return version;
}

/** binaryKey names the node's root, the binary and the identity of the file it resolves to there; undefined when it cannot be read. */
export function binaryKey(host: Host, binary: string): string | undefined {
  try {
    const id = fileIdentity(host.at(resolveInRoot(host.root, binary)));
    return id && JSON.stringify([host.root, binary, ...id]);
  } catch {
    return undefined;
  }
}

/** handlerIn looks for the runtime handler vaoci in the engine's config files as the engine would merge them. */
export function handlerIn(host: Host, engine: Engine): EngineFacts['handler'] {
  try {
    if (engine === 'containerd') {
      const root = readRootConfig(host);
      const merged = mergedView(host, root, dirFiles(host, CONTAINERD_DROPIN_DIR, '.toml'));
      return handlerOf(merged, root.version)
        ? { present: true, why: `${CONTAINERD_CONFIG} and its drop-ins define the runtime handler "${HANDLER}"` }
        : { present: false, why: `no runtime handler "${HANDLER}" in ${CONTAINERD_CONFIG} or the drop-ins it imports` };
    }
    const files = [...CRIO_CONFIGS.filter((f) => host.exists(f)), ...dirFiles(host, CRIO_DROPIN_DIR, '.conf')];
    const where = files.find((f) => {
      const doc = parse(host.read(f) ?? '') as { crio?: { runtime?: { runtimes?: Record<string, unknown> } } };
      return doc.crio?.runtime?.runtimes?.[HANDLER] !== undefined;
    });
    return where
      ? { present: true, why: `${where} defines the runtime handler "${HANDLER}"` }
      : { present: false, why: `no runtime handler "${HANDLER}" in ${CRIO_CONFIGS[0]} or ${CRIO_DROPIN_DIR}/` };
  } catch (e) {
    return { present: false, why: `the engine's config could not be read: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** engineFacts puts it together; `recorded` is the install record's engine and version, if any; `cacheDir` as for askVersion. */
export function engineFacts(
  host: Host,
  recorded?: { engine: Engine; engine_version?: string | null },
  cacheDir?: string,
): EngineFacts | null {
  const found = findEngine(host, recorded?.engine);
  if (!found) return null;
  const asked = found.binary ? askVersion(host, found.binary, cacheDir) : null;
  const fromRecord = recorded?.engine === found.engine ? (recorded.engine_version ?? null) : null;
  const version = asked ?? fromRecord;
  return { ...found, version, version_from: asked ? 'engine' : version ? 'install record' : null, handler: handlerIn(host, found.engine) };
}

function dirFiles(host: Host, dir: string, ext: string): string[] {
  try {
    return fs
      .readdirSync(host.at(dir))
      .filter((f) => f.endsWith(ext))
      .sort()
      .map((f) => path.posix.join(dir, f));
  } catch {
    return [];
  }
}
