/**
 * The node's containerd config files in the order containerd loads them:
 * the root config, then its imports breadth-first (each glob expanded in
 * sorted order, a relative import taken from the importing file's
 * directory, a file loaded once) — containerd's LoadConfig in 1.6, 1.7 and
 * 2.x alike. What containerd then does with them differs by version (see
 * containerd-effective.ts); the order is what both need.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'smol-toml';
import { Failure } from '../errors';
import type { Host } from './host';

/** Toml is a parsed TOML document or table. */
export type Toml = Record<string, unknown>;

/** ConfigFile is one loaded config file: its node path and its TOML. */
export interface ConfigFile {
  path: string;
  doc: Toml;
}

/**
 * Overrides stand in for files as a plan would leave them (node path →
 * text, or null for a file that would be gone): the "after" of a dry run is
 * the same load with the planned files in place.
 */
export type Overrides = ReadonlyMap<string, string | null>;

/** parseConfig parses one config file; not TOML is one line naming the file. */
export function parseConfig(file: string, text: string): Toml {
  try {
    return parse(text) as Toml;
  } catch (e) {
    throw new Failure(`\`${file}\`: not TOML (${(e as Error).message.split('\n')[0]})`, 'invalid');
  }
}

/** loadOrder reads `rootPath` and everything it imports, in containerd's load order; a missing root gives []. */
export function loadOrder(host: Host, rootPath: string, overrides: Overrides = new Map()): ConfigFile[] {
  const read = (p: string) => (overrides.has(p) ? (overrides.get(p) ?? undefined) : host.read(p));
  const out: ConfigFile[] = [];
  const loaded = new Set<string>();
  const pending = [rootPath];
  while (pending.length) {
    const file = pending.shift() as string;
    if (loaded.has(file)) continue;
    loaded.add(file);
    const text = read(file);
    if (text === undefined) {
      // containerd fails on a missing root or a missing non-glob import; a glob that matches nothing is fine.
      if (file === rootPath) return [];
      throw new Failure(`\`${file}\`: missing — expected the file, since an import names it`, 'invalid');
    }
    const doc = parseConfig(file, text);
    out.push({ path: file, doc });
    pending.push(...importsOf(file, doc).flatMap((i) => expand(host, i, overrides)));
  }
  return out;
}

/** importsOf is a file's `imports` as absolute node paths; anything but an array of strings is one line. */
export function importsOf(file: string, doc: Toml): string[] {
  const imports = doc.imports ?? [];
  if (!Array.isArray(imports) || imports.some((i) => typeof i !== 'string')) {
    throw new Failure(`\`${file}\`: imports = ${JSON.stringify(imports)} — expected an array of paths`, 'invalid');
  }
  return (imports as string[]).map((i) => (path.posix.isAbsolute(i) ? i : path.posix.join(path.posix.dirname(file), i)));
}

/** expand resolves one import: a glob in its last component (containerd: filepath.Glob, sorted) or one path. */
function expand(host: Host, imp: string, overrides: Overrides): string[] {
  const dir = path.posix.dirname(imp);
  const base = path.posix.basename(imp);
  if (/[*?[]/.test(dir))
    throw new Failure(`imports: \`${imp}\` — expected a glob only in the file name (vaoci does not expand directories)`, 'invalid');
  if (!/[*?[]/.test(base)) return [imp];
  const re = globRegExp(base);
  const names = new Set(listDir(host, dir).filter((n) => re.test(n)));
  for (const [p, text] of overrides) {
    if (path.posix.dirname(p) !== dir || !re.test(path.posix.basename(p))) continue;
    if (text === null) names.delete(path.posix.basename(p));
    else names.add(path.posix.basename(p));
  }
  // Go's filepath.Glob sorts by byte order: so does a plain sort of ASCII names.
  return [...names].sort().map((n) => path.posix.join(dir, n));
}

/** globRegExp is a shell glob (*, ?, [...]) as an anchored regular expression for one path component. */
export function globRegExp(glob: string): RegExp {
  let body = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') body += '[^/]*';
    else if (c === '?') body += '[^/]';
    else if (c === '[' && glob.indexOf(']', i + 1) > i) {
      const end = glob.indexOf(']', i + 1);
      body += `[${glob
        .slice(i + 1, end)
        .replace(/^!/, '^')
        .replace(/\\/g, '\\\\')}]`;
      i = end;
    } else body += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${body}$`);
}

function listDir(host: Host, dir: string): string[] {
  try {
    return fs
      .readdirSync(host.at(dir), { withFileTypes: true })
      .filter((e) => !e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
}
