/**
 * The command line of `vaoci run`, checked before anything is unpacked or
 * started: -e, -v, --annotation and --va-limit become environment entries,
 * bind mounts and annotations, each bad value one line naming the flag, the
 * value and what was expected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badInput } from '../errors';
import { collectSettings } from '../policy/settings';

/** Volume is one -v SRC:DST[:ro|rw]: a bind mount of a host path. */
export interface Volume {
  source: string;
  destination: string;
  readonly: boolean;
}

/** parseEnv turns -e K=V (or -e K, taken from this process's environment) into K=V entries. */
export function parseEnv(values: string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  for (const v of values) {
    const eq = v.indexOf('=');
    const name = eq < 0 ? v : v.slice(0, eq);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw badInput(`-e \`${v}\`: expected NAME=VALUE or NAME (a variable name: letters, digits, _)`);
    if (eq >= 0) out.push(v);
    else if (env[name] !== undefined) out.push(`${name}=${env[name]}`);
  }
  return out;
}

/** parseVolume reads -v SRC:DST[:ro|rw]; SRC must exist on the host, DST is absolute in the container. */
export function parseVolume(value: string, cwd: string = process.cwd()): Volume {
  const parts = value.split(':');
  const mode = parts.length === 3 ? parts[2] : 'rw';
  if (parts.length < 2 || parts.length > 3 || !parts[0] || !parts[1] || (mode !== 'ro' && mode !== 'rw')) {
    throw badInput(`-v \`${value}\`: expected SRC:DST or SRC:DST:ro (or :rw)`);
  }
  const [src, dst] = parts;
  if (!path.posix.isAbsolute(dst)) throw badInput(`-v \`${value}\`: DST \`${dst}\` — expected an absolute path in the container`);
  const source = path.resolve(cwd, src);
  if (!fs.existsSync(source)) throw badInput(`-v \`${value}\`: SRC \`${src}\` — expected an existing host path`);
  return { source, destination: path.posix.normalize(dst), readonly: mode === 'ro' };
}

/** parseAnnotations reads --annotation K=V pairs; --va-limit W is vaoci.io/va-limit=W, and wins. */
export function parseAnnotations(values: string[], vaLimit?: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw badInput(`--annotation \`${v}\`: expected KEY=VALUE`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  if (vaLimit !== undefined) out['vaoci.io/va-limit'] = vaLimit;
  // The wrapper would refuse a bad vaoci.io/ value with this same line; say it before unpacking anything.
  const { chosen, problems } = collectSettings(out, undefined, '');
  if (problems.length && chosen['on-error'].word === 'fail') throw badInput(problems[0]);
  return out;
}
