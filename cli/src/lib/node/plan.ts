/**
 * What `vaoci node install` puts on a node: the static data plane under
 * PREFIX, the node config, and the engine's drop-in — all decided and
 * checked (schemas, the root config's imports) before anything is written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure, badInput } from '../errors';
import { validate } from '../schema';
import { hostArch, repoRoot } from '../tool';
import { CONTAINERD_CONFIG, CONTAINERD_DROPIN } from './containerd';
import { planContainerd, refuseRancher } from './containerd-plan';
import { CRIO_DROPIN, crioDropin } from './crio';
import { type BinfmtPlan, type BinfmtRecord, planBinfmt } from './binfmt';
import type { Host } from './host';
import { NRI_SOCKET } from './nri';
import type { Engine, Mode } from './record';

export const NODE_CONFIG_PATH = '/etc/vaoci/config.json';
export const DEFAULT_PREFIX = '/opt/vaoci';

/** Planned is one file to have on the node. */
export interface Planned {
  path: string;
  data: Buffer;
  mode: number;
  /** config: a change means the engine must be restarted. */
  config: boolean;
}

export interface PlanOptions {
  host: Host;
  prefix: string;
  engine: Engine | 'auto';
  /** mode: how containers reach vaoci (default runtime-class); auto is nri when the node has an NRI socket. */
  mode?: Mode | 'auto';
  /** nriSocket is the engine's NRI socket on the node (default NRI_SOCKET). */
  nriSocket?: string;
  /** from is the directory holding vaoci-runtime, vaoci-hook, vaoci-reserve, libvaoci-preload.so (default: this build, else /usr/share/vaoci/ARCH). */
  from?: string;
  /** nodeConfig is a node config file on this machine (the chart's ConfigMap); default: one naming the node's runc. */
  nodeConfig?: string;
  /** binfmt: which binfmt_misc entry vaoci-binfmt goes in front of (auto, never, or a name), and its default window. */
  binfmt?: { front: string; vaLimit: string };
  /** oldBinfmt is the registration an earlier install made (from its record). */
  oldBinfmt?: BinfmtRecord;
}

export interface Plan {
  engine: Engine;
  mode: Mode;
  files: Planned[];
  restart: string[];
  /** binfmt is vaoci-binfmt's registration in front of a static emulator, or null (its bundle is among the files). */
  binfmt: BinfmtPlan | null;
  /** configDiff is what the engine's effective config gains (containerd: `+ key = value` lines; CRI-O: none computed). */
  configDiff: string[];
}

const DATA_PLANE: Array<[string, string, number]> = [
  ['vaoci-runtime', 'bin', 0o755],
  ['vaoci-hook', 'bin', 0o755],
  ['vaoci-reserve', 'bin', 0o755], // for `vaoci verify` and `vaoci probe` on the node
  ['vaoci-launch', 'bin', 0o755], // the launch injection's launcher, and the head of every binfmt bundle
  ['libvaoci-preload.so', 'lib', 0o644],
];
/** NRI_PLUGIN is what the nri mode adds to the data plane. */
const NRI_PLUGIN: [string, string, number] = ['vaoci-nri', 'bin', 0o755];
const RUNC = ['/usr/bin/runc', '/usr/sbin/runc', '/usr/local/bin/runc', '/usr/local/sbin/runc'];

/** plan decides every file; any refusal happens here, before a byte is written. */
export function plan(o: PlanOptions): Plan {
  if (o.engine !== 'cri-o') refuseRancher(o.host); // before auto: a k3s node has no /etc/containerd to find
  const engine = o.engine === 'auto' ? detectEngine(o.host) : o.engine;
  const mode = pickMode(o);
  const runtimePath = path.posix.join(o.prefix, 'bin', 'vaoci-runtime');
  const from = o.from ?? defaultFrom();
  const files: Planned[] = [...DATA_PLANE, ...(mode === 'nri' ? [NRI_PLUGIN] : [])].map(([name, dir, mode]) => ({
    path: path.posix.join(o.prefix, dir, name),
    data: readSource(path.join(from, name), '--from'),
    mode,
    config: false,
  }));
  files.push({ path: NODE_CONFIG_PATH, data: Buffer.from(nodeConfig(o)), mode: 0o644, config: false });
  const launcher = files.find((f) => f.path.endsWith('/vaoci-launch'))?.data as Buffer;
  const binfmt = planBinfmt(
    o.host,
    o.prefix,
    { front: o.binfmt?.front ?? 'auto', vaLimit: o.binfmt?.vaLimit ?? 'x86_64', launcher },
    o.oldBinfmt,
  );
  if (binfmt) files.push({ path: binfmt.bundlePath, data: binfmt.bundle, mode: 0o755, config: false });
  // NRI: the engine's config is not touched, so nothing restarts (a handler an earlier
  // runtime-class install registered goes with its drop-in, at the engine's next restart).
  if (mode === 'nri') return { engine, mode, files, restart: [], binfmt, configDiff: [] };
  if (engine === 'containerd') {
    const c = planContainerd(o.host, runtimePath);
    for (const [p, text] of c.files) files.push({ path: p, data: Buffer.from(text), mode: 0o644, config: true });
    return { engine, mode, files, restart: ['containerd (systemctl restart containerd)'], binfmt, configDiff: c.diff };
  }
  files.push({ path: CRIO_DROPIN, data: Buffer.from(crioDropin(runtimePath)), mode: 0o644, config: true });
  return { engine, mode, files, restart: ['crio (systemctl restart crio)'], binfmt, configDiff: [] };
}

/**
 * pickMode settles --mode: auto is nri when the engine serves NRI (its socket
 * is there: containerd 2.x by default, 1.7 and CRI-O when turned on), else
 * runtime-class. nri without the socket is refused: no container would ever
 * reach vaoci.
 */
export function pickMode(o: PlanOptions): Mode {
  const socket = o.nriSocket ?? NRI_SOCKET;
  const serves = o.host.isSocket(socket);
  if (o.mode === 'auto') return serves ? 'nri' : 'runtime-class';
  if (o.mode === 'nri' && !serves)
    throw badInput(
      `--mode \`nri\`: no NRI socket at ${socket} on the node — expected an engine serving NRI (containerd >= 2.0 by default; containerd 1.7 or CRI-O with NRI enabled), or --mode runtime-class`,
    );
  return o.mode ?? 'runtime-class';
}

/** ENGINE_CONFIGS are the files whose change means the engine must restart (what `config: true` marks in a plan). */
export const ENGINE_CONFIGS = [CONTAINERD_CONFIG, CONTAINERD_DROPIN, CRIO_DROPIN];

/** detectEngine picks the node's engine from its config or binary; none or both is one line. */
export function detectEngine(host: Host): Engine {
  const containerd = host.exists('/etc/containerd') || host.exists('/usr/bin/containerd') || host.exists('/usr/local/bin/containerd');
  const crio = host.exists('/etc/crio') || host.exists('/usr/bin/crio') || host.exists('/usr/local/bin/crio');
  if (containerd !== crio) return containerd ? 'containerd' : 'cri-o';
  throw badInput(
    `--engine \`auto\`: ${containerd ? 'both containerd and CRI-O are' : 'neither containerd nor CRI-O is'} on this node — expected --engine containerd or --engine cri-o`,
  );
}

function defaultFrom(): string {
  const root = repoRoot();
  const built = root ? path.join(root, 'build', hostArch()) : undefined;
  return built && fs.existsSync(path.join(built, 'vaoci-runtime')) ? built : `/usr/share/vaoci/${hostArch()}`;
}

function readSource(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw badInput(
      `${flag}: \`${file}\` ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : 'cannot be read'} — expected vaoci's data plane (run \`make build\`)`,
    );
  }
}

/** nodeConfig is the given node config (checked), or one naming the node's runc; host_dir follows a non-default prefix. */
function nodeConfig(o: PlanOptions): string {
  let doc: Record<string, unknown>;
  if (o.nodeConfig) {
    try {
      doc = JSON.parse(readSource(o.nodeConfig, '--node-config').toString('utf8')) as Record<string, unknown>;
    } catch (e) {
      if (e instanceof Failure) throw e;
      throw badInput(`--node-config \`${o.nodeConfig}\`: not JSON — expected a node config (schemas/node-config.schema.json)`);
    }
  } else {
    const runc = RUNC.find((r) => o.host.exists(r));
    if (!runc) throw badInput(`no runc at ${RUNC.join(', ')} on the node — expected one, or --node-config naming the real runtime`);
    doc = { runtime: runc };
  }
  if (o.prefix !== DEFAULT_PREFIX) {
    const injection = (doc.injection ?? {}) as Record<string, unknown>;
    doc = { ...doc, injection: { host_dir: o.prefix, ...injection } };
  }
  const problems = validate('node-config', doc);
  if (problems.length) throw badInput(`--node-config${o.nodeConfig ? ` \`${o.nodeConfig}\`` : ''} ${problems[0]}`);
  return `${JSON.stringify(doc, null, 2)}\n`;
}
