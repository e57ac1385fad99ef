/**
 * `vaoci explain` for a node other than this machine (an operator on an
 * x86 laptop asking what a Pod gets on an arm64 pool): the detection facts
 * the resolver would read on the node — its architecture and who runs x86-64
 * and i386 ELF — taken from --node-arch and/or the Node's labels (the ones
 * `vaoci node agent` sets, node/labels.ts) instead of the local machine.
 * Labels carry no paths, so the emulator's interpreter is named for what it
 * is (from the labels) and a dynamically linked one's loader is the node
 * architecture's usual one: the explanation says so.
 */
import * as fs from 'node:fs';
import { badInput } from './errors';
import { LABELS } from './node/label-keys';
import { POLICY } from './policy/grammar.gen';
import type { BinfmtEntry, Detected } from './policy/types';

export type NodeArch = 'aarch64' | 'x86_64';

/** NODE_ARCHES maps what --node-arch and kubernetes.io/arch say to vaoci's names. */
const NODE_ARCHES: Record<string, NodeArch> = { arm64: 'aarch64', aarch64: 'aarch64', amd64: 'x86_64', x86_64: 'x86_64' };
const ARCH_EXPECTED = 'arm64, amd64, aarch64 or x86_64';
const ARCH_LABEL = 'kubernetes.io/arch';

/** LOADERS: the loader a dynamically linked emulator of that architecture names (Debian's, and most distributions'). */
const LOADERS: Record<NodeArch, string> = { aarch64: '/lib/ld-linux-aarch64.so.1', x86_64: '/lib64/ld-linux-x86-64.so.2' };

/** parseNodeArch reads --node-arch. */
export function parseNodeArch(input: string): NodeArch {
  const arch = NODE_ARCHES[input];
  if (!arch) throw badInput(`--node-arch \`${input}\`: expected ${ARCH_EXPECTED}`);
  return arch;
}

/**
 * readNodeLabels reads --node-labels: `k=v,k=v` (kubectl get node --show-labels),
 * or a file holding a Node (kubectl get node NAME -o json|yaml) or a plain map of labels.
 */
export function readNodeLabels(input: string): Record<string, string> {
  if (!fs.existsSync(input) && input.includes('=')) return inlineLabels(input);
  let doc: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- js-yaml only when a labels file is read, not at every command's start
    const { CORE_SCHEMA, load } = require('js-yaml') as typeof import('js-yaml');
    doc = load(fs.readFileSync(input, 'utf8'), { schema: CORE_SCHEMA }); // YAML reads JSON too
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0];
    throw badInput(`--node-labels \`${input}\`: ${why} — expected k=v,k=v or a file with a Node or its labels`);
  }
  const o = doc as { kind?: unknown; metadata?: { labels?: unknown } } | null;
  const labels = o && typeof o === 'object' && o.kind === 'Node' ? o.metadata?.labels : doc;
  if (!labels || typeof labels !== 'object' || Array.isArray(labels) || Object.values(labels).some((v) => typeof v !== 'string')) {
    throw badInput(
      `--node-labels \`${input}\`: not a Node or a map of string labels — expected k=v,k=v or a file with a Node or its labels`,
    );
  }
  return labels as Record<string, string>;
}

function inlineLabels(input: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of input.split(',')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw badInput(`--node-labels: \`${pair}\` — expected KEY=VALUE (k=v,k=v as kubectl get node --show-labels prints)`);
    out[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return out;
}

/** oneOf reads one label that must hold one of `words`; a missing one is `fallback`, or a bad-input line when none. */
function oneOf<T extends string>(labels: Record<string, string>, key: string, words: readonly T[], fallback?: T): T {
  const v = labels[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (v === undefined) throw badInput(`--node-labels: ${key} missing — expected the labels vaoci node agent sets (${words.join(', ')})`);
  if (!(words as readonly string[]).includes(v)) throw badInput(`--node-labels: ${key} \`${v}\` — expected one of ${words.join(', ')}`);
  return v as T;
}

const EMULATORS = [...POLICY.binfmtEmulator, 'none'] as const;

/** entryFromLabels is the binfmt_misc entry the labels describe for one ELF, or null for none. */
function entryFromLabels(emulator: string, rest: Partial<BinfmtEntry>, elf: string): BinfmtEntry | null {
  if (emulator === 'none') return null;
  return {
    entry: `(${elf} entry, from the Node's labels)`,
    emulator: emulator as BinfmtEntry['emulator'],
    interpreter: `(${emulator}, from the Node's labels)`,
    flags: '',
    linkage: 'unknown',
    ...rest,
  };
}

/** NodeOptions are explain's node flags. */
export interface NodeOptions {
  nodeArch?: NodeArch;
  nodeLabels?: Record<string, string>;
}

/**
 * remoteNode gives the facts the node would show, or undefined when neither
 * flag is given (then the local machine is read). --node-arch wins over
 * kubernetes.io/arch; without labels nothing is known of binfmt_misc.
 */
export function remoteNode(o: NodeOptions): Pick<Detected, 'host_arch' | 'binfmt'> | undefined {
  if (!o.nodeArch && !o.nodeLabels) return undefined;
  const l = o.nodeLabels;
  if (!l) return { host_arch: o.nodeArch, binfmt: { x86_64: null, i386: null } };
  const labelArch = l[ARCH_LABEL];
  if (!o.nodeArch && labelArch === undefined)
    throw badInput(`--node-labels: ${ARCH_LABEL} missing — expected the Node's labels, or --node-arch`);
  const arch = o.nodeArch ?? NODE_ARCHES[labelArch] ?? badArch(labelArch);
  const x86 = oneOf(l, LABELS.emulator, EMULATORS);
  const linkage = oneOf(l, LABELS.linkage, [...POLICY.linkage, 'none'] as const, x86 === 'none' ? 'none' : 'unknown');
  const flags = l[LABELS.flags] ?? '';
  if (!/^[POCF]*$/.test(flags)) throw badInput(`--node-labels: ${LABELS.flags} \`${flags}\` — expected binfmt_misc flags (P, O, C, F)`);
  const fronted = oneOf(l, LABELS.fronted, ['true', 'false'] as const, 'false') === 'true';
  const dynamic = linkage === 'dynamic';
  const x86Entry = entryFromLabels(
    x86,
    {
      linkage: linkage === 'none' ? 'unknown' : linkage,
      flags,
      ...(dynamic ? { loader: LOADERS[arch] } : {}),
      ...(fronted ? { launcher: true } : {}),
    },
    'x86-64',
  );
  const i386 = entryFromLabels(oneOf(l, LABELS.i386, EMULATORS, 'none'), {}, 'i386');
  return { host_arch: arch, binfmt: { x86_64: x86Entry, i386 } };
}

function badArch(v: string): never {
  throw badInput(`--node-labels: ${ARCH_LABEL} \`${v}\` — expected ${ARCH_EXPECTED}`);
}
