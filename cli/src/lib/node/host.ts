/**
 * The node's file system as the installer sees it: every node path is taken
 * under --host-root (`/host` in the DaemonSet, `/` on the node itself), and
 * every file is written whole (temporary file, fsync, rename, fsync of the
 * directory) or not at all — killed at any step, a node file is the old one
 * or the new one, never a part.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeSynced } from '../atomic';
import { Failure } from '../errors';
import { resolveInRoot } from '../policy/rootfs';

/**
 * tempFor is the one temporary name of a node file: fixed (one installer at a
 * time holds the node lock), so a run killed mid-write leaves at most this
 * file, and the next run knows its name to remove it. A file in a drop-in
 * directory (`*.d`) gets its temporary beside that directory instead: CRI-O
 * reads every file in crio.conf.d, and a half-written one there would stop
 * the engine from starting.
 */
export function tempFor(p: string): string {
  const dir = path.posix.dirname(p);
  const at = dir.endsWith('.d') ? path.posix.dirname(dir) : dir;
  return path.posix.join(at, `.${path.posix.basename(p)}.vaoci-tmp`);
}

/** errnoOf is an error's code (ENOSPC, EROFS…), else its text. */
const errnoOf = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** Host resolves node paths under one root. */
export class Host {
  constructor(readonly root: string = '/') {}

  /** at is the path, on this machine, of the node's absolute path `p`. */
  at(p: string): string {
    return path.join(this.root, p);
  }

  exists(p: string): boolean {
    return fs.existsSync(this.at(p));
  }

  /**
   * isSocket tells whether the node has a unix socket at `p`, its symlinks
   * followed as the node would (/var/run is /run on most nodes: an absolute
   * link that, under the DaemonSet's /host, would leave the node's root).
   */
  isSocket(p: string): boolean {
    try {
      return fs.statSync(this.at(resolveInRoot(this.root, p))).isSocket();
    } catch {
      return false;
    }
  }

  read(p: string): string | undefined {
    try {
      return fs.readFileSync(this.at(p), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new Failure(`read \`${p}\` on the node: ${(e as NodeJS.ErrnoException).code}`, 'system');
    }
  }

  /** write puts `data` at node path `p` atomically with `mode`; returns the directories it had to create (outermost first). */
  write(p: string, data: Buffer | string, mode: number): string[] {
    const created = this.mkdirs(path.posix.dirname(p));
    const tmp = tempFor(p);
    try {
      writeSynced(this.at(tmp), data, mode, 'w'); // 'w': a killed run's fixed-name temp is overwritten
      fs.renameSync(this.at(tmp), this.at(p));
    } catch (e) {
      try {
        fs.rmSync(this.at(tmp), { force: true });
      } catch {
        // a read-only file system has no temporary to remove
      }
      throw new Failure(`write \`${p}\` on the node: ${errnoOf(e)}`, 'system');
    }
    this.syncDir(path.posix.dirname(p)); // the rename itself on disk before anything is done that relies on it
    return created;
  }

  /** removeTemp removes what a killed write left (its temporary), when there is one. */
  removeTemp(p: string): void {
    if (this.exists(tempFor(p))) this.remove(tempFor(p));
  }

  private syncDir(dir: string): void {
    try {
      const fd = fs.openSync(this.at(dir), 'r');
      try {
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    } catch {
      // a directory that cannot be synced (some FUSE, read-only): the rename stands as the kernel has it
    }
  }

  remove(p: string): void {
    try {
      fs.rmSync(this.at(p), { force: true });
    } catch (e) {
      throw new Failure(`remove \`${p}\` on the node: ${errnoOf(e)}`, 'system');
    }
  }

  /** move renames node path `from` to `to` in one step (another file system: written whole at `to`, then `from` removed). */
  move(from: string, to: string): void {
    try {
      fs.renameSync(this.at(from), this.at(to));
    } catch (e) {
      if (errnoOf(e) !== 'EXDEV') throw new Failure(`rename \`${from}\` to \`${to}\` on the node: ${errnoOf(e)}`, 'system');
      this.write(to, fs.readFileSync(this.at(from)), fs.statSync(this.at(from)).mode & 0o7777);
      this.remove(from);
    }
  }

  /** missingDirs is what write() would have to create for a file in `dir`, outermost first; nothing is created. */
  missingDirs(dir: string): string[] {
    const missing: string[] = [];
    for (let d = dir; !this.exists(d); d = path.posix.dirname(d)) missing.unshift(d);
    return missing;
  }

  /** removeDirIfEmpty removes a directory vaoci created, only when nothing else is in it now; any other failure (EROFS…) is one line. */
  removeDirIfEmpty(p: string): void {
    try {
      fs.rmdirSync(this.at(p));
    } catch (e) {
      // not empty (someone else's files) or gone: it stays, as it should
      if (!['ENOTEMPTY', 'EEXIST', 'ENOENT'].includes(errnoOf(e))) throw new Failure(`rmdir \`${p}\` on the node: ${errnoOf(e)}`, 'system');
    }
  }

  private mkdirs(dir: string): string[] {
    const missing = this.missingDirs(dir);
    for (const d of missing) {
      try {
        fs.mkdirSync(this.at(d), { mode: 0o755 });
      } catch (e) {
        throw new Failure(`mkdir \`${d}\` on the node: ${errnoOf(e)}`, 'system');
      }
    }
    return missing;
  }
}
