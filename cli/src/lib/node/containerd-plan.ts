/**
 * What `vaoci node install` writes for containerd, decided before a byte is
 * written: the drop-in (and a minimal root config where there is none), the
 * change it makes to containerd's effective config, and every refusal.
 *
 * Why the drop-in carries the node's CRI table (design): containerd 1.x
 * replaces a whole plugin table with each imported file's, so a drop-in
 * holding only the handler wipes the node's sandbox_image, SystemdCgroup,
 * registry, other runtimes — and runc, after which the CRI plugin does not
 * load. Like nvidia-ctk for 1.x, the version-2 drop-in is therefore the CRI
 * table containerd would use without vaoci — the one of the last file that
 * sets it, as written (not `containerd config dump`'s every default, which
 * would pin this containerd's defaults across upgrades and needs a runnable
 * containerd where the installer runs) — plus the handler, and `runc` where
 * the node relies on containerd's default runtimes (1.x drops them as soon
 * as a file names any runtime). 2.x merges, so the same file changes
 * nothing else there either. Version 3 (2.x only) gets the handler alone. The root config is never rewritten: the node's own
 * settings stay in its own file; running install again refreshes the copy,
 * and uninstall removes it. Every plan proves itself against the model of
 * both import rules: anything but the handler changing is a refusal.
 */
import { stringify } from 'smol-toml';
import { Failure } from '../errors';
import { type ConfigFile, type Toml, loadOrder } from './containerd-files';
import { CRI_PLUGIN, type Merge, diffKeys, diffLines, effectiveView, isTable, withDefaultRuntimes } from './containerd-effective';
import { ANNOTATIONS, CONTAINERD_CONFIG, CONTAINERD_DROPIN, HANDLER, MINIMAL_ROOT, missingImportLine, readRootConfig } from './containerd';
import type { Host } from './host';

/** ContainerdPlan is the containerd files to write and what they change in containerd's effective config. */
export interface ContainerdPlan {
  /** files: node path → content, in the order to write them. */
  files: Array<[string, string]>;
  /** diff is the effective config's change (diffLines: `+ key = value`…), from the node as it is now. */
  diff: string[];
}

/** RANCHER names the containerd configs k3s and RKE2 generate, which vaoci does not write. */
const RANCHER: Array<[string, string]> = [
  ['k3s', '/var/lib/rancher/k3s/agent/etc/containerd'],
  ['RKE2', '/var/lib/rancher/rke2/agent/etc/containerd'],
];

/** refuseRancher stops an install on a k3s or RKE2 node, whose containerd never reads /etc/containerd. */
export function refuseRancher(host: Host): void {
  for (const [name, dir] of RANCHER) {
    if (!host.exists(`${dir}/config.toml`) && !host.exists(`${dir}/config.toml.tmpl`)) continue;
    throw new Failure(
      `\`${dir}/config.toml\`: ${name} generates this containerd config from config.toml.tmpl at every start and never reads /etc/containerd — expected a containerd configured by ${CONTAINERD_CONFIG} (on ${name}, add the runtime handler ${HANDLER} to ${dir}/config.toml.tmpl after {{ template "base" . }} yourself)`,
      'invalid',
    );
  }
}

/** handlerTable is vaoci's runtime handler: runc's shim running vaoci-runtime, vaoci.io/* annotations let through. */
export function handlerTable(runtimePath: string): Toml {
  return {
    runtime_type: 'io.containerd.runc.v2',
    pod_annotations: ANNOTATIONS,
    container_annotations: ANNOTATIONS,
    options: { BinaryName: runtimePath },
  };
}

/** planContainerd decides the containerd files for vaoci-runtime at `runtimePath`; a refusal is one line. */
export function planContainerd(host: Host, runtimePath: string): ContainerdPlan {
  refuseRancher(host);
  const root = readRootConfig(host);
  const files: Array<[string, string]> = root.exists ? [] : [[CONTAINERD_CONFIG, MINIMAL_ROOT]];
  // The node without vaoci's drop-in: what the copy is taken from, and what only the handler may change.
  const without = loadOrder(host, CONTAINERD_CONFIG, new Map([...files, [CONTAINERD_DROPIN, null]]));
  const cri = root.version === 2 ? criTableOf(without) : { containerd: { runtimes: {} } };
  checkHandler(without, root.version, runtimePath);
  files.push([CONTAINERD_DROPIN, dropinText(root.version, cri, runtimePath)]);
  const after = loadOrder(host, CONTAINERD_CONFIG, new Map(files));
  if (!after.some((f) => f.path === CONTAINERD_DROPIN)) throw new Failure(missingImportLine(), 'invalid');
  // 2.x reads version 2 too: a version-2 drop-in must hold under both rules.
  for (const merge of root.version === 2 ? (['replace', 'merge'] as const) : (['merge'] as const))
    proveOnlyHandler(without, after, merge, root.version, runtimePath);
  const merge: Merge = root.version === 2 ? 'replace' : 'merge';
  const now = loadOrder(host, CONTAINERD_CONFIG);
  return { files, diff: diffLines(effectiveView(now, merge, root.version), effectiveView(after, merge, root.version)) };
}

/**
 * criTableOf is the version-2 CRI table containerd 1.x would use: the last
 * file's that sets it (each replaces the one before), with the default
 * runtimes spelled out, since the handler's runtimes table would replace them.
 */
function criTableOf(files: ConfigFile[]): Toml {
  const id = CRI_PLUGIN[2];
  const owner = [...files].reverse().find((f) => isTable(f.doc.plugins) && f.doc.plugins[id] !== undefined);
  if (!owner) return withDefaultRuntimes({}, 'replace');
  const table = tableAt(owner, ['plugins', id]);
  if (table.containerd !== undefined) tableAt(owner, ['plugins', id, 'containerd']);
  if (isTable(table.containerd) && table.containerd.runtimes !== undefined) tableAt(owner, ['plugins', id, 'containerd', 'runtimes']);
  return withDefaultRuntimes(structuredClone(table), 'replace');
}

/** dropinText is the drop-in: the CRI table (a copy for version 2) with the handler added. */
function dropinText(version: 2 | 3, cri: Toml, runtimePath: string): string {
  const ctrd = cri.containerd as Toml;
  const table = { ...cri, containerd: { ...ctrd, runtimes: { ...(ctrd.runtimes as Toml), [HANDLER]: handlerTable(runtimePath) } } };
  const why =
    version === 2
      ? `# containerd 1.x replaces a whole plugin table with each imported file's, so this file also carries\n# the node's own CRI settings, copied from its config files when vaoci node install last ran:\n# change them there, then run vaoci node install again (vaoci node uninstall removes this file).\n`
      : '';
  return dropin(version, table, why);
}

/** dropin serializes a CRI table as a drop-in of the given version, its header saying whose it is and why. */
function dropin(version: 2 | 3, cri: Toml, why: string): string {
  const doc = { version, plugins: { [CRI_PLUGIN[version]]: cri } };
  return `# vaoci: the runtime handler \`${HANDLER}\` (RuntimeClass handler: ${HANDLER}); written by vaoci node install.\n${why}${stringify(doc)}\n`;
}

/** checkHandler refuses to replace a handler named vaoci that the node defines differently itself. */
function checkHandler(files: ConfigFile[], version: 2 | 3, runtimePath: string): void {
  const keys = ['plugins', CRI_PLUGIN[version], 'containerd', 'runtimes', HANDLER];
  const own = pick(effectiveView(files, version === 2 ? 'replace' : 'merge', version), keys);
  if (own === undefined || JSON.stringify(own) === JSON.stringify(handlerTable(runtimePath))) return;
  const where = [...files].reverse().find((f) => pick(f.doc, keys) !== undefined)?.path ?? CONTAINERD_CONFIG;
  throw new Failure(
    `\`${where}\`: plugins."${CRI_PLUGIN[version]}".containerd.runtimes.${HANDLER} = ${JSON.stringify(own)} — expected no runtime handler named ${HANDLER} but vaoci's (remove it, then run this again)`,
    'invalid',
  );
}

/**
 * proveOnlyHandler refuses a plan after which containerd (by `merge`'s rule)
 * would not have exactly vaoci's handler, or anything else would differ.
 */
function proveOnlyHandler(before: ConfigFile[], after: ConfigFile[], merge: Merge, version: 2 | 3, runtimePath: string): void {
  const id = CRI_PLUGIN[version];
  const ours = `plugins.${JSON.stringify(id)}.containerd.runtimes.${HANDLER}.`;
  const now = effectiveView(after, merge, version);
  const other = diffKeys(effectiveView(before, merge, version), now).filter((c) => !c.key.startsWith(ours));
  const handlerKept =
    JSON.stringify(pick(now, ['plugins', id, 'containerd', 'runtimes', HANDLER])) === JSON.stringify(handlerTable(runtimePath));
  if (handlerKept && !other.length) return;
  const at = after.findIndex((f) => f.path === CONTAINERD_DROPIN);
  const later = after.slice(at + 1).find((f) => pick(f.doc, ['plugins', id]) !== undefined);
  if (later) {
    throw new Failure(
      `\`${later.path}\`: sets [plugins."${id}"] and is imported after \`${CONTAINERD_DROPIN}\`, so containerd 1.x would drop the handler ${HANDLER} — expected vaoci's drop-in to be the last file that sets it (move those settings into ${CONTAINERD_CONFIG} or an earlier drop-in)`,
      'invalid',
    );
  }
  // Left: files that set the CRI table more than once, which 1.x (the last one) and 2.x (all merged) read differently.
  const setters = before.filter((f) => pick(f.doc, ['plugins', id]) !== undefined).map((f) => f.path);
  const c = other[0] ?? { key: ours.slice(0, -1), after: 'another handler' };
  throw new Failure(
    `containerd ${merge === 'merge' ? '2.x' : '1.x'} would read ${c.key} = ${c.after ?? '(unset)'} instead of ${c.before ?? '(unset)'}: ${setters.join(', ')} each set [plugins."${id}"], which containerd 1.x and 2.x combine differently — expected those settings in one file (vaoci's drop-in can keep only one reading); nothing written`,
    'invalid',
  );
}

/** tableAt is the table at `keys` in a file; anything else is one line naming the key, the value and the file. */
function tableAt(f: ConfigFile, keys: string[]): Toml {
  const v = pick(f.doc, keys);
  if (isTable(v)) return v;
  const key = keys.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
  throw new Failure(`\`${f.path}\`: ${key} = ${JSON.stringify(v)} — expected a table`, 'invalid');
}

/** pick is the value at `keys` in a document, or undefined where a table on the way is missing. */
function pick(doc: Toml, keys: string[]): unknown {
  let v: unknown = doc;
  for (const k of keys) v = isTable(v) ? v[k] : undefined;
  return v;
}
