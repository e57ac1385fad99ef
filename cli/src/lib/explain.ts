/**
 * `vaoci explain`: the policy each container would get on this node — every
 * setting, where it came from and why — from the policy resolver, with
 * auto settings resolved from what this node shows (binfmt_misc) and, for
 * an OCI bundle, its entrypoint's ELF header.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure, badInput } from './errors';
import { type GuestArch } from './flags';
import { type Column, plural, table } from './format';
import { type NodeArch, remoteNode } from './explain-node';
import { nodeConfigFor } from './nodeconfig';
import { type Detected, type Policy, type Source, detect, resolvePolicy } from './policy';
import { validate } from './schema';
import { type Workload, readWorkloads } from './workloads';

/** Explained is one container's outcome: its policy, or the problem lines that refuse it. */
export interface Explained {
  file: string;
  kind: string;
  name: string;
  container: string;
  ok: boolean;
  policy: Policy | null;
  errors: string[];
}

/** ExplainResult is what `vaoci explain --json` prints (schemas/cli-explain.schema.json). */
export interface ExplainResult {
  ok: boolean;
  results: Explained[];
}

/** ExplainOptions are the arguments and flags of `vaoci explain`. */
export interface ExplainOptions {
  files: string[];
  nodeConfig?: string;
  binfmtDir?: string;
  container?: string;
  /** guestArch stands in for the entrypoint when no bundle rootfs can be read. */
  guestArch?: GuestArch;
  /** nodeArch and nodeLabels: answer for that node (explain-node.ts) instead of this machine. */
  nodeArch?: NodeArch;
  nodeLabels?: Record<string, string>;
}

type NodeFacts = ReturnType<typeof remoteNode>;

/** inputOf resolves a FILE argument: a directory is an OCI bundle (its config.json, its rootfs for detection). */
function inputOf(arg: string): { file: string; bundle?: string } {
  if (fs.statSync(arg, { throwIfNoEntry: false })?.isDirectory()) return { file: path.join(arg, 'config.json'), bundle: arg };
  return { file: arg, bundle: path.basename(arg) === 'config.json' ? path.dirname(arg) : undefined };
}

/** detectFor gathers the facts for one workload: binfmt_misc always, the entrypoint when a bundle's
 * rootfs is there, else the one --guest-arch assumes. */
function detectFor(w: Workload, bundle: string | undefined, binfmtDir?: string, guestArch?: GuestArch, node?: NodeFacts): Detected {
  const rootfs = bundle && w.config ? path.resolve(bundle, w.config.root?.path ?? 'rootfs') : undefined;
  const here =
    rootfs && fs.existsSync(rootfs)
      ? detect({ config: w.config, rootfs, binfmtDir, hostArch: node?.host_arch })
      : detect({ binfmtDir, hostArch: node?.host_arch });
  // Another node's binfmt_misc comes from its labels (or is unknown), never from this machine's; --binfmt-dir still wins.
  const detected = node && !binfmtDir ? { ...here, binfmt: node.binfmt } : here;
  if (!(rootfs && fs.existsSync(rootfs)) && guestArch)
    detected.entrypoint = { path: '(assumed by --guest-arch)', arch: guestArch, linkage: 'dynamic' };
  return detected;
}

/** explain resolves every container of every file; unreadable files and bad flags fail (exit 2). */
export function explain(o: ExplainOptions): ExplainResult {
  const nodeConfig = nodeConfigFor(o.nodeConfig);
  const node = remoteNode(o);
  const results: Explained[] = [];
  for (const arg of o.files) {
    const { file, bundle } = inputOf(arg);
    for (const w of readWorkloads(file)) {
      const detected = detectFor(w, bundle, o.binfmtDir, o.guestArch, node);
      for (const container of w.containers.filter((c) => o.container === undefined || c === o.container)) {
        const r = resolvePolicy({ annotations: w.annotations, nodeConfig, container, detected });
        const base = { file, kind: w.kind, name: w.name, container };
        results.push(r.ok ? { ...base, ok: true, policy: r.policy, errors: [] } : { ...base, ok: false, policy: null, errors: r.errors });
      }
    }
  }
  if (!results.length) throw badInput(`--container \`${o.container}\`: no such container in ${o.files.join(', ')}`);
  const result = { ok: results.every((r) => r.ok), results };
  const broken = validate('cli-explain', result);
  if (broken.length) throw new Failure(`result breaks schemas/cli-explain.schema.json: ${broken[0]}`, 'tool');
  return result;
}

interface Row {
  setting: string;
  value: string;
  from: string;
  why: string;
}

const COLUMNS: Column<Row>[] = [
  { header: 'setting', get: (r) => r.setting },
  { header: 'value', get: (r) => r.value },
  { header: 'from', get: (r) => r.from },
  { header: 'why', get: (r) => r.why },
];

function from(s: Source): string {
  return s.key ? `${s.source} ${s.key}` : s.source;
}

/** renderPolicy prints one policy as a table of settings with their source and reason, then the injection and warnings. */
export function renderPolicy(p: Policy): string {
  const rows: Row[] = [
    { setting: 'va-limit', value: p.va_limit, from: from(p.sources.va_limit), why: p.reasons.va_limit },
    { setting: 'guest-arch', value: p.guest_arch, from: from(p.sources.guest_arch), why: p.reasons.guest_arch },
    { setting: 'emulator', value: p.emulator, from: from(p.sources.emulator), why: p.reasons.emulator },
    { setting: 'on-error', value: p.on_error, from: from(p.sources.on_error), why: p.reasons.on_error },
    { setting: 'injection', value: p.injection.method, from: '', why: p.reasons.injection },
  ];
  const lines = [table(rows, COLUMNS, '  ')];
  const env = Object.entries(p.injection.env).map(([k, v]) => `${k}=${v}`);
  if (env.length) lines.push(`  env:    ${env.join(' ')}`);
  if (p.injection.mounts.length) lines.push(`  mounts: ${p.injection.mounts.join(', ')}`);
  for (const w of p.warnings) lines.push(`  warning: ${w}`);
  return lines.join('\n');
}

/** renderExplain prints every container's policy, or the lines that refused it. */
export function renderExplain(r: ExplainResult): string {
  return r.results
    .map((x) => {
      const where = `${x.file}: ${x.kind === 'annotations' || x.kind === 'oci' ? x.kind : `${x.kind} ${x.name}`}, container ${x.container || '(unnamed)'}`;
      if (x.ok && x.policy) return `vaoci explain: ${where}\n${renderPolicy(x.policy)}`;
      return `vaoci explain: ${where}: refused\n${x.errors.map((e) => `  ${e}`).join('\n')}`;
    })
    .join('\n\n');
}

/** explainOutcome returns a result where every container resolved, or fails (exit 1) counting the refused ones. */
export function explainOutcome(r: ExplainResult): ExplainResult {
  if (r.ok) return r;
  const refused = r.results.filter((x) => !x.ok);
  throw new Failure(`${plural(refused.length, 'container')} refused: ${refused[0].errors[0] ?? ''}`, 'failed', r);
}
