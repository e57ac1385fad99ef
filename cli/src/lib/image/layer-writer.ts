/**
 * LayerWriter applies one layer's tar entries to a directory that becomes
 * an overlayfs lowerdir, safe against a hostile layer:
 * - names are normalized inside the root: leading `/` and `./` dropped,
 *   `..` stops at the root (containerd's rule), so `../../x` and `/etc/x`
 *   land at ROOT/x and ROOT/etc/x;
 * - nothing is written through a symlink: every parent component is
 *   checked with lstat (an entry below a symlink or a file is an error),
 *   files are created with O_CREAT|O_EXCL|O_NOFOLLOW, and metadata is set
 *   through the descriptor or with l* calls;
 * - an existing path is replaced (unlinked, a directory removed whole)
 *   unless entry and path are both directories (image-spec "Changeset over
 *   existing files");
 * - hard links must name a file this layer already extracted (image-spec:
 *   "extracting a layer with hardlink references to files outside of the
 *   layer may fail" — here it does, with one line);
 * - device nodes and FIFOs are skipped (the runtime provides /dev; a layer
 *   must not plant a 0/0 device that overlayfs would read as a whiteout);
 * - whiteouts and opaque markers are collected and written at the end by
 *   overlay-marks.ts; directory metadata is set last, deepest first, so
 *   creating children does not undo a directory's mtime.
 * Owners, modes (setuid and sticky bits too) and mtimes come from the
 * header and its PAX records (tar-stream applies PAX path, linkpath and
 * size; uid, gid and mtime are applied here).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Header } from 'tar-stream';
import { Failure, badInput } from '../errors';
import { writeOverlayMarks } from './overlay-marks';

const { O_WRONLY, O_RDONLY, O_CREAT, O_EXCL, O_NOFOLLOW, O_DIRECTORY } = fs.constants;
const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const ID_MAX = 0xfffffffe;

/** TarHeader is tar-stream's header, with the PAX records it keeps on `pax`. */
export type TarHeader = Omit<Header, 'pax'> & { pax?: Record<string, string> | null };

interface Meta {
  uid: number;
  gid: number;
  mode: number;
  mtime: number;
}

/** entryParts splits an entry name into components inside the root: no empty, `.` or `..` parts; `..` above the root is dropped. */
export function entryParts(name: string): string[] {
  const parts: string[] = [];
  for (const p of name.split('/')) {
    if (p === '..') parts.pop();
    else if (p !== '' && p !== '.') parts.push(p);
  }
  return parts;
}

/** LayerWriter extracts one layer's entries under `root`; `what` names the layer in errors. */
export class LayerWriter {
  /** Paths (joined parts) known to be real directories, not symlinks: reset whenever a directory is removed. */
  private readonly realDirs = new Set<string>(['']);
  private readonly dirMeta = new Map<string, { parts: string[]; meta: Meta }>();
  private readonly whiteouts: string[][] = [];
  private readonly opaque: string[][] = [];
  /** skipped lists the entries left out on purpose: devices, FIFOs, aufs metadata. */
  readonly skipped: string[] = [];

  constructor(
    private readonly root: string,
    private readonly what: string,
  ) {}

  /** apply writes one entry; `body` is its data, always read to the end. */
  async apply(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    try {
      await this.write(h, body);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (e instanceof Failure || !err.code) throw e;
      throw new Failure(`${this.what}: entry \`${h.name}\`: ${err.syscall ?? 'write'}: ${err.code}`, 'system');
    }
  }

  private async write(h: TarHeader, body: AsyncIterable<Buffer>): Promise<void> {
    if (h.name.includes('\0') || (h.linkname ?? '').includes('\0')) throw this.fail(h.name, 'a NUL byte in the name — expected a path');
    const parts = entryParts(h.name);
    const base = parts[parts.length - 1] ?? '';
    if (base.startsWith(WHITEOUT)) {
      await drain(body);
      return this.whiteout(h.name, parts);
    }
    if (h.type === 'directory') {
      await drain(body);
      return this.directory(h.name, parts, metaOf(h, this.fail.bind(this)));
    }
    if (parts.length === 0) throw this.fail(h.name, `a ${h.type} naming the layer root — expected a path inside it`);
    switch (h.type) {
      case 'file':
      case 'contiguous-file':
        return this.file(h.name, parts, metaOf(h, this.fail.bind(this)), body);
      case 'symlink':
        await drain(body);
        return this.symlink(h.name, parts, h.linkname ?? '', metaOf(h, this.fail.bind(this)));
      case 'link':
        await drain(body);
        return this.hardlink(h.name, parts, h.linkname ?? '');
      case 'character-device':
      case 'block-device':
      case 'fifo':
        await drain(body);
        this.skipped.push(h.name);
        return;
      default:
        throw this.fail(
          h.name,
          `type ${JSON.stringify(h.type ?? 'unknown')} — expected a file, directory, symlink, hard link, device or FIFO`,
        );
    }
  }

  /** finish writes the whiteouts and opaque markers, then every directory's owner, mode and mtime. */
  async finish(): Promise<void> {
    await writeOverlayMarks(this.root, this.whiteouts, this.opaque, this.what);
    const dirs = [...this.dirMeta.values()].sort((a, b) => b.parts.length - a.parts.length);
    for (const d of dirs) await this.setDirMeta(d.parts, d.meta);
  }

  private async file(name: string, parts: string[], m: Meta, body: AsyncIterable<Buffer>): Promise<void> {
    await this.parents(parts, name);
    await this.clear(parts, false);
    const fh = await fs.promises.open(this.full(parts), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
    try {
      for await (const chunk of body) {
        for (let at = 0; at < chunk.length;) at += (await fh.write(chunk, at)).bytesWritten;
      }
      await fh.chown(m.uid, m.gid); // before chmod: chown clears setuid and setgid
      await fh.chmod(m.mode);
      await fh.utimes(m.mtime, m.mtime);
    } finally {
      await fh.close();
    }
  }

  private async directory(name: string, parts: string[], m: Meta): Promise<void> {
    const rel = parts.join('/');
    if (parts.length) {
      await this.parents(parts, name);
      if ((await this.clear(parts, true)) !== 'dir') await fs.promises.mkdir(this.full(parts), 0o700);
      this.realDirs.add(rel);
    }
    this.dirMeta.set(rel, { parts, meta: m });
  }

  private async symlink(name: string, parts: string[], target: string, m: Meta): Promise<void> {
    if (!target) throw this.fail(name, 'a symlink to nothing — expected a link target');
    await this.parents(parts, name);
    await this.clear(parts, false);
    const full = this.full(parts);
    await fs.promises.symlink(target, full);
    await fs.promises.lchown(full, m.uid, m.gid);
    await fs.promises.lutimes(full, m.mtime, m.mtime);
  }

  private async hardlink(name: string, parts: string[], linkname: string): Promise<void> {
    const target = entryParts(linkname);
    const st = target.length && (await this.isRealDir(target.slice(0, -1))) ? await lstat(this.full(target)) : undefined;
    if (!st || st.isDirectory()) {
      throw this.fail(
        name,
        `hard link to \`${linkname}\`, which this layer has not extracted${st ? ' as a file (a directory)' : ''} — expected a link to an earlier file of the same layer`,
      );
    }
    if (target.join('/') === parts.join('/')) return; // a link to itself: already there
    await this.parents(parts, name);
    await this.clear(parts, false);
    await fs.promises.link(this.full(target), this.full(parts));
  }

  private async whiteout(name: string, parts: string[]): Promise<void> {
    const base = parts[parts.length - 1];
    await this.parents(parts, name);
    if (base === OPAQUE) this.opaque.push(parts.slice(0, -1));
    else if (base.startsWith(`${WHITEOUT}${WHITEOUT}`))
      this.skipped.push(name); // aufs metadata (.wh..wh.plnk), not image content
    else if (['', '.', '..'].includes(base.slice(WHITEOUT.length))) throw this.fail(name, 'a whiteout of no name — expected .wh.NAME');
    else this.whiteouts.push([...parts.slice(0, -1), base.slice(WHITEOUT.length)]);
  }

  /** parents makes sure every parent of `parts` is a real directory, creating missing ones (0755, root's); a symlink or file there is an error. */
  private async parents(parts: string[], name: string): Promise<void> {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join('/');
      if (this.realDirs.has(rel)) continue;
      const st = await lstat(this.full(parts.slice(0, i)));
      if (!st) {
        await fs.promises.mkdir(this.full(parts.slice(0, i)));
        await fs.promises.chmod(this.full(parts.slice(0, i)), 0o755); // whatever the umask: others must traverse it in the container
      } else if (!st.isDirectory())
        throw this.fail(name, `its parent \`${rel}\` is ${kind(st)} — expected a directory (never written through)`);
      this.realDirs.add(rel);
    }
  }

  /** isRealDir tells whether every component of `parts` is a directory (not a symlink), without creating anything. */
  private async isRealDir(parts: string[]): Promise<boolean> {
    for (let i = 1; i <= parts.length; i++) {
      if (this.realDirs.has(parts.slice(0, i).join('/'))) continue;
      if (!(await lstat(this.full(parts.slice(0, i))))?.isDirectory()) return false;
    }
    return true;
  }

  /** clear removes what is at `parts` (a directory with its tree) unless `keepDir` and it is a directory; says what was there. */
  private async clear(parts: string[], keepDir: boolean): Promise<'absent' | 'dir' | 'removed'> {
    const full = this.full(parts);
    const st = await lstat(full);
    if (!st) return 'absent';
    if (st.isDirectory() && keepDir) return 'dir';
    if (!st.isDirectory()) {
      await fs.promises.unlink(full);
      return 'removed';
    }
    await fs.promises.rm(full, { recursive: true, force: true }); // rm never follows symlinks inside
    const rel = parts.join('/');
    for (const key of [...this.dirMeta.keys()]) if (key === rel || key.startsWith(`${rel}/`)) this.dirMeta.delete(key);
    this.realDirs.clear();
    this.realDirs.add('');
    return 'removed';
  }

  /** setDirMeta sets a directory's owner, mode and mtime through a descriptor opened without following symlinks; one replaced since is skipped. */
  private async setDirMeta(parts: string[], m: Meta): Promise<void> {
    if (!(await this.isRealDir(parts.slice(0, -1)))) return;
    const fh = await fs.promises.open(this.full(parts), O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch(() => undefined);
    if (!fh) return;
    try {
      await fh.chown(m.uid, m.gid);
      await fh.chmod(m.mode);
      await fh.utimes(m.mtime, m.mtime);
    } finally {
      await fh.close();
    }
  }

  private full(parts: string[]): string {
    return path.join(this.root, ...parts);
  }

  private fail(name: string, why: string): Failure {
    return badInput(`${this.what}: entry \`${name}\`: ${why}`);
  }
}

/** metaOf reads owner, mode and mtime from a header, PAX records first. */
function metaOf(h: TarHeader, fail: (name: string, why: string) => Failure): Meta {
  const pax = h.pax ?? {};
  const id = (key: 'uid' | 'gid'): number => {
    const v = pax[key] !== undefined ? Number(pax[key]) : (h[key] ?? 0);
    if (!Number.isSafeInteger(v) || v < 0 || v > ID_MAX)
      throw fail(h.name, `${key} ${JSON.stringify(pax[key] ?? h[key])} — expected a whole number from 0 to ${ID_MAX}`);
    return v;
  };
  const paxTime = pax.mtime !== undefined ? Number(pax.mtime) : NaN;
  const mtime = Number.isFinite(paxTime) ? paxTime : (h.mtime?.getTime() ?? 0) / 1000;
  return { uid: id('uid'), gid: id('gid'), mode: (h.mode ?? 0o644) & 0o7777, mtime };
}

async function lstat(file: string): Promise<fs.Stats | undefined> {
  try {
    return await fs.promises.lstat(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function kind(st: fs.Stats): string {
  return st.isSymbolicLink() ? 'a symlink' : 'not a directory';
}

/** drain reads an entry's data to its end, so the tar stream can move on. */
async function drain(body: AsyncIterable<Buffer>): Promise<void> {
  for await (const chunk of body) void chunk;
}
