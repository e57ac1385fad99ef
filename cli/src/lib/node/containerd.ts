/**
 * containerd: a drop-in under /etc/containerd/conf.d that registers the
 * runtime handler `vaoci` (runc's shim with BinaryName = vaoci-runtime) and
 * lets `vaoci.io/*` pod and container annotations through to config.json —
 * containerd drops every annotation a handler does not list, the most common
 * reason a window never reaches a container. The drop-in takes the root
 * config's version (2: containerd 1.x; 3: containerd 2.x, whose CRI plugin
 * has another name); what it holds and why is containerd-plan.ts's. The root
 * config is never rewritten: when it imports no drop-in directory the
 * install stops and says the one line to add; when there is no root config
 * at all, a minimal one that imports the directory is created (and removed
 * again by uninstall). This file: the names, the root config, and whether
 * the handler as containerd sees it lets annotations through.
 */
import { parse } from 'smol-toml';
import { Failure } from '../errors';
import { CRI_PLUGIN, deepMerge } from './containerd-effective';
import { type Toml, globRegExp, importsOf, parseConfig } from './containerd-files';
import type { Host } from './host';

export const CONTAINERD_CONFIG = '/etc/containerd/config.toml';
export const CONTAINERD_DROPIN_DIR = '/etc/containerd/conf.d';
export const CONTAINERD_DROPIN = `${CONTAINERD_DROPIN_DIR}/50-vaoci.toml`;
export const HANDLER = 'vaoci';
export const ANNOTATIONS = ['vaoci.io/*'];

/** RootConfig is what the installer needs from the root config. */
export interface RootConfig {
  exists: boolean;
  version: 2 | 3;
  imports: string[];
}

/** readRootConfig reads /etc/containerd/config.toml; a version-1 or unparsable config is one line. */
export function readRootConfig(host: Host): RootConfig {
  const text = host.read(CONTAINERD_CONFIG);
  if (text === undefined) return { exists: false, version: 2, imports: [] };
  const doc = parseConfig(CONTAINERD_CONFIG, text);
  const version = doc.version ?? 1;
  if (version !== 2 && version !== 3) {
    throw new Failure(
      `\`${CONTAINERD_CONFIG}\`: version = ${JSON.stringify(version)} — expected 2 or 3 (migrate it with \`containerd config migrate\`)`,
      'invalid',
    );
  }
  return { exists: true, version, imports: importsOf(CONTAINERD_CONFIG, doc) };
}

/** imported tells whether an import glob of the root config picks up `file`. */
export function imported(root: RootConfig, file: string = CONTAINERD_DROPIN): boolean {
  return root.imports.some((glob) => globRegExp(glob).test(file));
}

/** MINIMAL_ROOT is the root config written only where none exists: version 2 (containerd 2.x reads it too). */
export const MINIMAL_ROOT = `# Written by vaoci node install because this node had no containerd config;\n# vaoci node uninstall removes it.\nversion = 2\nimports = ["${CONTAINERD_DROPIN_DIR}/*.toml"]\n`;

/** missingImportLine is the one line that stops an install on a root config without drop-ins. */
export function missingImportLine(): string {
  return `\`${CONTAINERD_CONFIG}\` imports no drop-in directory — expected \`imports = ["${CONTAINERD_DROPIN_DIR}/*.toml"]\` in it (vaoci never rewrites the root config; add the line, then run this again)`;
}

/** Reach says whether a vaoci.io/ annotation on a pod would reach its container's config.json, and why. */
export interface Reach {
  ok: boolean;
  why: string;
}

/** handlerOf finds the vaoci handler in a (merged or single) config document. */
export function handlerOf(doc: Toml, version: 2 | 3): Toml | undefined {
  const at = (o: unknown, k: string) => (o && typeof o === 'object' ? (o as Toml)[k] : undefined);
  return at(at(at(at(doc.plugins, CRI_PLUGIN[version]), 'containerd'), 'runtimes'), HANDLER) as Toml | undefined;
}

/** annotationsReach checks the handler as the merged configuration shows it. */
export function annotationsReach(merged: Toml, version: 2 | 3, runtimePath: string): Reach {
  const h = handlerOf(merged, version);
  if (!h) return { ok: false, why: `containerd has no runtime handler "${HANDLER}"` };
  const pods = Array.isArray(h.pod_annotations) ? (h.pod_annotations as string[]) : [];
  if (!pods.some((p) => p === 'vaoci.io/*' || p === '*')) {
    return {
      ok: false,
      why: `the handler "${HANDLER}" lets no vaoci.io/ pod annotation through (pod_annotations: ${JSON.stringify(pods)})`,
    };
  }
  const bin = (h.options as Toml | undefined)?.BinaryName;
  if (bin !== runtimePath) return { ok: false, why: `the handler "${HANDLER}" runs ${JSON.stringify(bin ?? 'runc')}, not ${runtimePath}` };
  return { ok: true, why: `containerd's handler "${HANDLER}" runs ${runtimePath} and passes vaoci.io/* pod and container annotations` };
}

/** mergedView merges the root config and the drop-ins it imports (later files win per table), as containerd does. */
export function mergedView(host: Host, root: RootConfig, files: string[]): Toml {
  let merged: Toml = root.exists ? (parse(host.read(CONTAINERD_CONFIG) ?? '') as Toml) : {};
  for (const f of files.filter((f) => imported(root, f)).sort()) {
    const text = host.read(f);
    if (text !== undefined) merged = deepMerge(merged, parse(text) as Toml);
  }
  return merged;
}
