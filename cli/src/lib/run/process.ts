/**
 * The container's process from the image config and the command line, as
 * docker and podman build it: Entrypoint (or --entrypoint) + (the command
 * after IMAGE, else Cmd — but not the image's Cmd once --entrypoint is
 * given, podman's rule); the image's Env, then --env-file and -e over it;
 * WorkingDir or -w; User or -u as uid[:gid] or names looked up in the
 * rootfs's /etc/passwd and /etc/group (read inside the rootfs, never
 * through a symlink out of it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { badInput } from '../errors';
import type { ImageConfig } from '../image/source';
import { RootfsError, resolveInRoot } from '../policy/rootfs';

/** ProcessInput is what decides the process besides the image. */
export interface ProcessInput {
  command: string[];
  env: string[];
  /** entrypoint from --entrypoint: [] clears the image's; undefined keeps it. */
  entrypoint?: string[];
  /** workdir from -w, absolute. */
  workdir?: string;
  /** user from -u: NAME, UID, UID:GID, NAME:GROUP. */
  user?: string;
}

/** ContainerProcess is the OCI process fields vaoci fills. */
export interface ContainerProcess {
  args: string[];
  env: string[];
  cwd: string;
  user: { uid: number; gid: number };
}

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** containerProcess builds the process; `rootfs` is where the image is unpacked (for user names). */
export function containerProcess(image: ImageConfig, input: ProcessInput, rootfs: string): ContainerProcess {
  const c = image.config ?? {};
  // podman: an --entrypoint given (even "") drops the image's Cmd along with its Entrypoint.
  const entrypoint = input.entrypoint ?? c.Entrypoint ?? [];
  const cmd = input.command.length ? input.command : input.entrypoint === undefined ? (c.Cmd ?? []) : [];
  const args = [...entrypoint, ...cmd];
  if (!args.length) throw badInput("IMAGE: no Entrypoint or Cmd (the image's or --entrypoint) — expected a command after IMAGE");
  const env = mergeEnv(c.Env?.length ? c.Env : [DEFAULT_PATH], input.env);
  const user = input.user === undefined ? resolveUser(c.User ?? '', rootfs) : resolveUser(input.user, rootfs, '-u');
  return { args, env, cwd: input.workdir ?? (c.WorkingDir || '/'), user };
}

/** mergeEnv puts each NAME=VALUE of `over` in place of the same NAME in `base`, or after it. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const out = [...base];
  for (const e of over) {
    const name = e.slice(0, e.indexOf('=') + 1);
    const i = out.findIndex((b) => b.startsWith(name));
    if (i >= 0) out[i] = e;
    else out.push(e);
  }
  return out;
}

/** resolveUser turns the image's User ("", "uid", "uid:gid", "name", "name:group") into numbers. */
export function resolveUser(spec: string, rootfs: string, label = 'image User'): { uid: number; gid: number } {
  if (!spec) return { uid: 0, gid: 0 };
  const [u, g] = spec.split(':', 2);
  const passwd = u && !/^\d+$/.test(u) ? lookup(rootfs, '/etc/passwd', u, spec, label) : undefined;
  const uid = passwd ? Number(passwd[2]) : Number(u);
  let gid = passwd ? Number(passwd[3]) : 0;
  if (g !== undefined) gid = /^\d+$/.test(g) ? Number(g) : Number(lookup(rootfs, '/etc/group', g, spec, label)[2]);
  else if (!passwd) gid = gidOfUid(rootfs, uid);
  return { uid, gid };
}

/** gidOfUid is the primary group of a numeric user in /etc/passwd, else 0 (docker's rule). */
function gidOfUid(rootfs: string, uid: number): number {
  const row = rows(rootfs, '/etc/passwd').find((r) => r[2] === String(uid));
  return row ? Number(row[3]) : 0;
}

function lookup(rootfs: string, file: string, name: string, spec: string, label: string): string[] {
  const row = rows(rootfs, file).find((r) => r[0] === name);
  if (!row || !/^\d+$/.test(row[2] ?? ''))
    throw badInput(`${label} \`${spec}\`: \`${name}\` — expected a name in the image's ${file}, or a number`);
  return row;
}

function rows(rootfs: string, file: string): string[][] {
  try {
    const text = fs.readFileSync(path.join(rootfs, resolveInRoot(rootfs, file)), 'utf8');
    return text.split('\n').map((l) => l.split(':'));
  } catch (e) {
    if (e instanceof RootfsError || (e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
