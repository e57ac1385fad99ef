/**
 * Paths inside a container's rootfs, resolved the way the container will
 * see them and never out of it: every symlink (absolute or relative, in any
 * component) is followed relative to the rootfs, `..` stops at its root,
 * and a chain of more than MAX_LINKS symlinks is a loop. Only paths under
 * the rootfs are ever looked at, and every look goes through a RootIo, so
 * tests can record them.
 *
 * This checks the tree as it is when read: a rootfs that changes while it
 * is being read (a directory swapped for a symlink) is outside its promise;
 * the C hook should use openat2(RESOLVE_IN_ROOT) for that.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ElfError, readElf, readerFor, type ElfFacts } from './elf';

/** MAX_LINKS is how many symlinks one resolution follows before calling it a loop (Linux's limit). */
export const MAX_LINKS = 40;
/** DEFAULT_PATH is the PATH a container gets when its config sets none (runc's and Docker's default). */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const SHEBANG_DEPTH = 4;
const SHEBANG_MAX = 256;

/** RootIo is every file system call the resolver makes; each takes a host path under the rootfs. */
export interface RootIo {
  lstat(p: string): fs.Stats;
  readlink(p: string): string;
  open(p: string): number;
  fstat(fd: number): fs.Stats;
  read(fd: number, buf: Buffer, off: number, len: number, pos: number): number;
  close(fd: number): void;
}

/** nodeIo is RootIo over node:fs; open refuses a symlink as the last component. */
export const nodeIo: RootIo = {
  lstat: (p) => fs.lstatSync(p),
  readlink: (p) => fs.readlinkSync(p),
  open: (p) => fs.openSync(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK),
  fstat: (fd) => fs.fstatSync(fd),
  read: (fd, buf, off, len, pos) => fs.readSync(fd, buf, off, len, pos),
  close: (fd) => fs.closeSync(fd),
};

/** RootfsError is a path that cannot be resolved inside the rootfs; its message starts with the path. */
export class RootfsError extends Error {}

/**
 * resolveInRoot resolves `p` (absolute inside the rootfs, or relative to
 * `cwd` inside it) and returns the resolved absolute path inside the rootfs.
 */
export function resolveInRoot(root: string, p: string, io: RootIo = nodeIo, cwd = '/'): string {
  const todo = components(p.startsWith('/') ? p : `${cwd}/${p}`).reverse();
  let done: string[] = [];
  let links = 0;
  while (todo.length) {
    const c = todo.pop() as string;
    if (c === '..') {
      done.pop(); // never above the rootfs's root
      continue;
    }
    const host = path.join(root, ...done, c);
    let st: fs.Stats;
    try {
      st = io.lstat(host);
    } catch (e) {
      throw new RootfsError(
        `${p}: ${code(e) === 'ENOENT' ? 'not found in the rootfs' : `cannot read /${[...done, c].join('/')} (${code(e)})`}`,
      );
    }
    if (st.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new RootfsError(`${p}: too many levels of symbolic links`);
      const target = io.readlink(host);
      if (target.startsWith('/')) done = [];
      todo.push(...components(target).reverse());
      continue;
    }
    if (todo.length && !st.isDirectory()) throw new RootfsError(`${p}: /${[...done, c].join('/')} is not a directory`);
    done.push(c);
  }
  return `/${done.join('/')}`;
}

function components(p: string): string[] {
  return p.split('/').filter((c) => c !== '' && c !== '.');
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? String(e);
}

/** readInRoot opens a resolved in-rootfs path (regular files only) and hands a reader to `use`. */
export function readInRoot<T>(root: string, inRoot: string, io: RootIo, use: (read: ReturnType<typeof readerFor>) => T): T {
  const fd = io.open(path.join(root, inRoot));
  try {
    if (!io.fstat(fd).isFile()) throw new RootfsError(`${inRoot}: not a regular file`);
    return use(readerFor(fd, io.read));
  } finally {
    io.close(fd);
  }
}

/** ProcessSpec is the part of an OCI config's process that locates the entrypoint. */
export interface ProcessSpec {
  args?: string[];
  env?: string[];
  cwd?: string;
}

/**
 * findEntrypoint finds the ELF the container's process runs: args[0],
 * looked up through the process's PATH when it has no `/` (executable
 * regular files only, as execvp does), then through `#!` interpreters
 * (also `#!/usr/bin/env NAME`), all inside the rootfs.
 */
export function findEntrypoint(root: string, proc: ProcessSpec, io: RootIo = nodeIo): { path: string; elf: ElfFacts } {
  const arg0 = proc.args?.[0];
  if (!arg0) throw new RootfsError('process.args is empty');
  const pathVar = (proc.env ?? []).find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  let inRoot = lookup(root, arg0, pathVar, proc.cwd ?? '/', io);
  for (let depth = 0; ; depth++) {
    const found = readInRoot(root, inRoot, io, (read) => {
      const head = read(0, SHEBANG_MAX);
      if (head[0] === 0x23 && head[1] === 0x21) return { next: shebang(head) };
      try {
        return { elf: readElf(read) };
      } catch (e) {
        if (e instanceof ElfError) throw new RootfsError(`${inRoot}: ${e.message}`);
        throw e;
      }
    });
    if ('elf' in found) return { path: inRoot, elf: found.elf as ElfFacts };
    if (depth === SHEBANG_DEPTH) throw new RootfsError(`${inRoot}: more than ${SHEBANG_DEPTH} nested #! interpreters`);
    const next = found.next as string[];
    if (!next.length) throw new RootfsError(`${inRoot}: #! names no interpreter`);
    const viaEnv = path.posix.basename(next[0]) === 'env' && next.length > 1;
    const name = viaEnv ? (next.slice(1).find((a) => !a.startsWith('-')) ?? '') : next[0];
    inRoot = lookup(root, name, pathVar, '/', io);
  }
}

/** shebang splits a `#!` line into the interpreter and its arguments. */
function shebang(head: Buffer): string[] {
  const line = head.toString('latin1', 2).split('\n')[0];
  return line
    .trim()
    .split(/[ \t]+/)
    .filter(Boolean);
}

/** lookup resolves a program name the way execvp does: a name with `/` directly, else through PATH. */
function lookup(root: string, name: string, pathVar: string, cwd: string, io: RootIo): string {
  if (!name) throw new RootfsError('#! names no interpreter');
  if (name.includes('/')) return resolveInRoot(root, name, io, cwd);
  for (const dir of pathVar.split(':')) {
    try {
      const candidate = resolveInRoot(root, `${dir || '.'}/${name}`, io, cwd);
      const st = io.lstat(path.join(root, candidate));
      if (st.isFile() && (st.mode & 0o111) !== 0) return candidate;
    } catch (e) {
      if (!(e instanceof RootfsError)) throw e;
    }
  }
  throw new RootfsError(`${name}: not found in the rootfs's PATH (${pathVar})`);
}
