/**
 * The node's file system as the installer sees it: every node path is taken
 * under --host-root (`/host` in the DaemonSet, `/` on the node itself), and
 * every file is written whole (temporary file, fsync, rename) or not at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomic } from '../atomic';
import { Failure } from '../errors';

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
    writeAtomic(this.at(p), data, mode);
    return created;
  }

  remove(p: string): void {
    fs.rmSync(this.at(p), { force: true });
  }

  /** removeDirIfEmpty removes a directory vaoci created, only when nothing else is in it now. */
  removeDirIfEmpty(p: string): void {
    try {
      fs.rmdirSync(this.at(p));
    } catch {
      // not empty (someone else's files) or gone: leave it
    }
  }

  private mkdirs(dir: string): string[] {
    const missing: string[] = [];
    for (let d = dir; !this.exists(d); d = path.posix.dirname(d)) missing.unshift(d);
    for (const d of missing) fs.mkdirSync(this.at(d), { mode: 0o755 });
    return missing;
  }
}
