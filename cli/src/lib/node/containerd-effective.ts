/**
 * containerd's effective plugin configuration, modelled from the files (no
 * daemon, no binary: the installer may run from a DaemonSet with the node
 * under /host). Two rules, measured with `containerd config dump`:
 *
 * - containerd 1.x (mergeConfig) replaces a whole `plugins.<id>` table with
 *   the one of each later file that has it: a drop-in holding only a runtime
 *   handler wipes the root config's sandbox_image, SystemdCgroup, registry…
 *   2.x merges the tables key by key.
 * - In 1.x a `containerd.runtimes` table in the CRI config replaces
 *   containerd's default runtimes (just `runc`) instead of adding to them: a
 *   config that names one handler and not runc leaves
 *   `default_runtime_name = "runc"` pointing at nothing, and the CRI plugin
 *   does not load. 2.x (2.2.1 measured) keeps the default runc beside them.
 *
 * The view covers `plugins` only: that is all vaoci writes.
 */
import type { ConfigFile, Toml } from './containerd-files';

/** Merge is how a containerd version combines the files' plugin tables. */
export type Merge = 'replace' | 'merge';

/** CRI_PLUGIN is where runtime handlers live, by config version. */
export const CRI_PLUGIN = { 2: 'io.containerd.grpc.v1.cri', 3: 'io.containerd.cri.v1.runtime' } as const;

/**
 * RUNC_DEFAULT is containerd 1.x's default runtimes table, as 1.6's dump
 * shows it (every runc option at its zero value) plus 1.7's sandbox_mode
 * (its validation sets an empty one to this; 1.6 and 2.x ignore it). 2.x's
 * default runc has two options fewer (CriuPath, NoPivotRoot): spelled out,
 * they are zero values the shim treats as unset.
 */
export const RUNC_DEFAULT: Toml = {
  runc: {
    runtime_type: 'io.containerd.runc.v2',
    sandbox_mode: 'podsandbox',
    options: {
      BinaryName: '',
      CriuImagePath: '',
      CriuPath: '',
      CriuWorkPath: '',
      IoGid: 0,
      IoUid: 0,
      NoNewKeyring: false,
      NoPivotRoot: false,
      Root: '',
      ShimCgroup: '',
      SystemdCgroup: false,
    },
  },
};

/** effectiveView is the `plugins` table containerd ends up with, its CRI runtimes defaulted as containerd does. */
export function effectiveView(files: ConfigFile[], merge: Merge, version: 2 | 3): Toml {
  let plugins: Toml = {};
  for (const f of files) {
    const own = f.doc.plugins;
    if (!isTable(own)) continue;
    if (merge === 'merge') plugins = deepMerge(plugins, own);
    else for (const [id, table] of Object.entries(own)) plugins[id] = table;
  }
  const cri = isTable(plugins[CRI_PLUGIN[version]]) ? (plugins[CRI_PLUGIN[version]] as Toml) : {};
  return { plugins: { ...plugins, [CRI_PLUGIN[version]]: withDefaultRuntimes(cri, merge) } };
}

/** withDefaultRuntimes is a CRI table with containerd's default `runc` spelled out where that containerd keeps it. */
export function withDefaultRuntimes(cri: Toml, merge: Merge): Toml {
  const ctrd = isTable(cri.containerd) ? cri.containerd : {};
  const own = isTable(ctrd.runtimes) ? ctrd.runtimes : undefined;
  if (merge === 'replace' && own) return cri;
  return { ...cri, containerd: { ...ctrd, runtimes: deepMerge(structuredClone(RUNC_DEFAULT), own ?? {}) } };
}

/** Change is one key whose value differs (values as TOML-ish JSON text; undefined: absent). */
export interface Change {
  key: string;
  before?: string;
  after?: string;
}

/** diffKeys lists every leaf key whose value differs, sorted by key. */
export function diffKeys(before: Toml, after: Toml): Change[] {
  const a = flatten(before);
  const b = flatten(after);
  return [...new Set([...a.keys(), ...b.keys()])]
    .sort()
    .filter((key) => a.get(key) !== b.get(key))
    .map((key) => ({ key, before: a.get(key), after: b.get(key) }));
}

/** diffLines is diffKeys as lines: `+ key = value`, `- key = value`, `~ key = old -> new`. */
export function diffLines(before: Toml, after: Toml): string[] {
  return diffKeys(before, after).map((c) =>
    c.before === undefined
      ? `+ ${c.key} = ${c.after}`
      : c.after === undefined
        ? `- ${c.key} = ${c.before}`
        : `~ ${c.key} = ${c.before} -> ${c.after}`,
  );
}

/** flatten maps each leaf of a document to its dotted TOML key (quoted where TOML needs it) and its value. */
export function flatten(doc: Toml, prefix = '', out = new Map<string, string>()): Map<string, string> {
  for (const [k, v] of Object.entries(doc)) {
    const key = `${prefix}${prefix ? '.' : ''}${/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k)}`;
    if (isTable(v)) flatten(v, key, out);
    else out.set(key, JSON.stringify(v));
  }
  return out;
}

/** deepMerge is `b` over `a`, table by table (containerd 2.x's import rule). */
export function deepMerge(a: Toml, b: Toml): Toml {
  const out: Toml = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const old = out[k];
    out[k] = isTable(old) && isTable(v) ? deepMerge(old, v) : v;
  }
  return out;
}

/** isTable tells a TOML table from a value (arrays and dates are values). */
export function isTable(v: unknown): v is Toml {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}
