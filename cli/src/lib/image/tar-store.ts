/**
 * TarStore: a BlobStore over an uncompressed tar (`docker save`, `podman
 * save`, an oci-archive). It walks the headers once with positioned reads,
 * never reading the data, and then opens any member as a byte range of the
 * file, so a layer costs one sequential read however many layers there are.
 * Headers: ustar (with prefix), GNU long names (L/K), PAX (x/g) path,
 * linkpath and size; symlinked or hard-linked members (old `docker save`
 * links repeated layers) are followed inside the archive.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { badInput } from '../errors';
import { type BlobStore, MAX_JSON } from './store';

const BLOCK = 512;
const MAX_META = 1 << 20; // a long name or PAX record block bigger than this is not a real archive
const MAX_HOPS = 8;

interface Member {
  type: string;
  offset: number;
  size: number;
  link: string;
}

/** TarStore reads members of an uncompressed tar by name. */
export class TarStore implements BlobStore {
  private constructor(
    readonly where: string,
    private readonly members: Map<string, Member>,
  ) {}

  /** index reads the headers of `file` and returns a store of its members; `reference` prefixes error lines. */
  static async index(file: string, reference: string): Promise<TarStore> {
    const fail = (what: string): Error => badInput(`image \`${reference}\`: ${what}`);
    const fh = await fs.promises.open(file, 'r').catch((e: NodeJS.ErrnoException) => {
      throw fail(`cannot open \`${file}\` (${e.code}) — expected a readable tar archive`);
    });
    try {
      return new TarStore(file, await walk(fh, file, fail));
    } finally {
      await fh.close();
    }
  }

  async has(name: string): Promise<boolean> {
    return this.resolve(name, false) !== undefined;
  }

  async size(name: string): Promise<number> {
    return this.member(name).size;
  }

  async read(name: string, limit = MAX_JSON): Promise<Buffer> {
    const m = this.member(name);
    if (m.size > limit) throw badInput(`${this.where}: \`${name}\` is larger than ${limit} bytes — expected a small JSON file`);
    return this.readAt(m.offset, m.size);
  }

  async head(name: string, n: number): Promise<Buffer> {
    const m = this.member(name);
    return this.readAt(m.offset, Math.min(n, m.size));
  }

  async open(name: string): Promise<Readable> {
    const m = this.member(name);
    if (m.size === 0) return Readable.from([]);
    return fs.createReadStream(this.where, { start: m.offset, end: m.offset + m.size - 1 });
  }

  private async readAt(offset: number, size: number): Promise<Buffer> {
    const fh = await fs.promises.open(this.where, 'r');
    try {
      const buf = Buffer.alloc(size);
      await fh.read(buf, 0, size, offset);
      return buf;
    } finally {
      await fh.close();
    }
  }

  private member(name: string): Member {
    return this.resolve(name, true) as Member;
  }

  /** resolve finds a regular member, following symbolic and hard links inside the archive. */
  private resolve(name: string, required: boolean): Member | undefined {
    let key = memberName(name);
    for (let hop = 0; hop <= MAX_HOPS; hop++) {
      const m = this.members.get(key);
      if (m?.type === '2') key = memberName(m.link.startsWith('/') ? m.link : `${path.posix.dirname(key)}/${m.link}`);
      else if (m?.type === '1') key = memberName(m.link);
      else if (m && (m.type === '0' || m.type === '7')) return m;
      else break;
    }
    if (required) throw badInput(`${this.where}: member \`${name}\` is missing — expected a file of that name in the archive`);
    return undefined;
  }
}

/** memberName is a member's name without `./`, leading or trailing slashes, or `..` above the top. */
function memberName(name: string): string {
  return path.posix.normalize(`/${name}`).replace(/^\/+|\/+$/g, '');
}

/** walk reads every header of the archive and maps member names to where their data lies. */
async function walk(fh: fs.promises.FileHandle, file: string, fail: (what: string) => Error): Promise<Map<string, Member>> {
  const total = (await fh.stat()).size;
  const notTar = (pos: number): Error =>
    fail(
      `no tar header at byte ${pos} of \`${file}\` — expected an uncompressed tar (as \`docker save\` / \`podman save\` write; gunzip a compressed one first)`,
    );
  if (total < BLOCK) throw notTar(0);
  const members = new Map<string, Member>();
  const header = Buffer.alloc(BLOCK);
  let long: { name?: string; link?: string; pax: Record<string, string> } = { pax: {} };
  let global: Record<string, string> = {};
  for (let pos = 0; pos + BLOCK <= total;) {
    await fh.read(header, 0, BLOCK, pos);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header)) throw notTar(pos);
    const type = header[156] === 0 ? '0' : String.fromCharCode(header[156]);
    let size = numeric(header.subarray(124, 136));
    const data = pos + BLOCK;
    const fits = (n: number): boolean => Number.isSafeInteger(n) && n >= 0 && data + n <= total;
    if (!fits(size)) throw fail(`the member at byte ${pos} of \`${file}\` runs past its end — expected a complete tar`);
    if ('xgLK'.includes(type)) {
      if (size > MAX_META) throw fail(`a ${size}-byte metadata record at byte ${pos} of \`${file}\` — expected at most ${MAX_META}`);
      const buf = Buffer.alloc(size);
      await fh.read(buf, 0, size, data);
      if (type === 'L') long.name = cString(buf);
      else if (type === 'K') long.link = cString(buf);
      else if (type === 'x') long.pax = parsePax(buf);
      else global = { ...global, ...parsePax(buf) };
    } else {
      const pax = { ...global, ...long.pax };
      if (pax.size !== undefined) size = Number(pax.size);
      if (!fits(size)) throw fail(`the member at byte ${pos} of \`${file}\` runs past its end — expected a complete tar`);
      const name = pax.path ?? long.name ?? ustarName(header);
      members.set(memberName(name), { type, offset: data, size, link: pax.linkpath ?? long.link ?? cString(header.subarray(157, 257)) });
      long = { pax: {} };
    }
    pos = data + Math.ceil(size / BLOCK) * BLOCK;
  }
  return members;
}

/** checksumOk checks a header's checksum (the sum of its bytes with the checksum field as spaces). */
function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return numeric(h.subarray(148, 156)) === sum;
}

/** numeric reads a header number: octal text, or base-256 when the top bit of the first byte is set. */
function numeric(field: Buffer): number {
  if (field[0] & 0x80) {
    let n = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const text = cString(field).trim();
  return text === '' ? 0 : /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** ustarName joins a POSIX ustar header's prefix and name (GNU headers use the prefix bytes otherwise). */
function ustarName(h: Buffer): string {
  const name = cString(h.subarray(0, 100));
  const posix = h.subarray(257, 263).toString('latin1') === 'ustar\0';
  const prefix = posix ? cString(h.subarray(345, 500)) : '';
  return prefix ? `${prefix}/${name}` : name;
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.subarray(0, end === -1 ? b.length : end).toString('utf8');
}

/** parsePax reads PAX records, `LEN KEY=VALUE\n` each. */
function parsePax(buf: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let at = 0; at < buf.length;) {
    const space = buf.indexOf(0x20, at);
    const len = space === -1 ? NaN : Number(buf.subarray(at, space).toString('latin1'));
    if (!(len > 0) || at + len > buf.length) break;
    const record = buf.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += len;
  }
  return out;
}
