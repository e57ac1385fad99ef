/**
 * The command line of `vaoci run`, checked before anything is unpacked or
 * started: -e, --env-file, -v, --annotation, --va-limit, --entrypoint, -w,
 * -u, --name, --network and --platform become environment entries, bind
 * mounts, annotations and process fields, each bad value one line naming
 * the flag, the value and what was expected.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Failure, badInput } from '../errors';
import { parsePlatform } from '../image/platform';
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
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
      throw badInput(`-e \`${v}\`: expected NAME=VALUE or NAME (a variable name: letters, digits, _)`);
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

/**
 * parseEnvFile reads --env-file FILE as podman does: one NAME=VALUE a line
 * (VALUE verbatim: no quotes removed), leading blanks ignored, blank lines
 * and lines starting with # skipped, NAME alone passed from this environment
 * when set there, NAME* every variable of this environment starting with NAME.
 */
export function parseEnvFile(file: string, env: NodeJS.ProcessEnv = process.env): string[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw badInput(
      `--env-file \`${file}\`: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'} — expected a readable file of NAME=VALUE lines`,
    );
  }
  const out: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/^[ \t\r\n\v\f]+/, '');
    if (!line || line.startsWith('#')) return;
    const eq = line.indexOf('=');
    const name = eq < 0 ? line.trimEnd() : line.slice(0, eq);
    if (eq < 0 && name.endsWith('*')) {
      for (const [k, v] of Object.entries(env)) if (k.startsWith(name.slice(0, -1)) && v !== undefined) out.push(`${k}=${v}`);
      return;
    }
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw badInput(
        `--env-file \`${file}\` line ${i + 1}: \`${raw}\` — expected NAME=VALUE, NAME or a # comment (a variable name: letters, digits, _)`,
      );
    }
    out.push(...parseEnv([eq < 0 ? name : line], env));
  });
  return out;
}

/** parseEntrypoint reads --entrypoint as podman: "" clears the image's, a JSON array is the argv, else one word. */
export function parseEntrypoint(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  if (value === '') return [];
  if (value.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (!Array.isArray(parsed) || !parsed.every((w) => typeof w === 'string')) {
      throw badInput(`--entrypoint \`${value}\`: expected a command, "" for none, or a JSON array of strings`);
    }
    return parsed as string[];
  }
  return [value];
}

/** parseWorkdir reads -w: an absolute path in the container. */
export function parseWorkdir(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!path.posix.isAbsolute(value)) throw badInput(`-w \`${value}\`: expected an absolute path in the container`);
  return path.posix.normalize(value);
}

/** parseUserSpec checks -u's form (USER[:GROUP], names or numbers); names are looked up once the rootfs is there. */
export function parseUserSpec(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const word = '(?:[0-9]+|[A-Za-z_][A-Za-z0-9_.-]*\\$?)';
  if (!new RegExp(`^${word}(?::${word})?$`).test(value)) {
    throw badInput(`-u \`${value}\`: expected NAME, UID, UID:GID or NAME:GROUP`);
  }
  return value;
}

/** NAME_PATTERN is podman's rule for container names. */
const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/** parseName checks --name's form; that no other container has it is checked in the index, under its lock. */
export function parseName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!NAME_PATTERN.test(value) || value.length > 253) {
    throw badInput(`--name \`${value}\`: expected letters, digits, _ . - (starting with a letter or digit)`);
  }
  return value;
}

/** NETWORKS are what --network takes. */
export const NETWORKS = ['none', 'host'] as const;

/** Network is one of NETWORKS: none, a new network namespace with only lo (the default); host, the host's. */
export type Network = (typeof NETWORKS)[number];

/** parseNetwork reads --network. */
export function parseNetwork(value: string): Network {
  if ((NETWORKS as readonly string[]).includes(value)) return value as Network;
  throw badInput(`--network \`${value}\`: expected none (a network namespace with only lo, the default) or host`);
}

/** parsePlatformFlag checks --platform OS/ARCH[/VARIANT] now, naming the flag (the image source parses it again). */
export function parsePlatformFlag(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    parsePlatform(value);
  } catch (e) {
    if (e instanceof Failure) throw badInput(`--${e.line}`); // "platform `x`: expected …" → "--platform `x`: …"
    throw e;
  }
  return value;
}
