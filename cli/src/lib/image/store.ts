/**
 * A read-only view of the files an image is kept in, so one reader serves
 * an OCI layout directory and the same layout inside a tar (oci-archive,
 * podman's export): small files read whole, blobs opened as streams.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { badInput } from '../errors';

/** MAX_JSON is the most a manifest, index or config may weigh: they are JSON, and read into memory whole. */
export const MAX_JSON = 16 << 20;

/** BlobStore reads files by slash-separated names relative to the image's top. */
export interface BlobStore {
  /** where is how errors name the store (the directory or archive path). */
  readonly where: string;
  has(name: string): Promise<boolean>;
  size(name: string): Promise<number>;
  /** read returns the whole file, refusing one larger than `limit` bytes. */
  read(name: string, limit?: number): Promise<Buffer>;
  /** head returns the first `n` bytes (fewer for a shorter file). */
  head(name: string, n: number): Promise<Buffer>;
  open(name: string): Promise<Readable>;
}

/** DirStore is a BlobStore over a directory on disk. */
export class DirStore implements BlobStore {
  constructor(readonly where: string) {}

  private file(name: string): string {
    return path.join(this.where, ...name.split('/').filter((p) => p && p !== '.' && p !== '..'));
  }

  async has(name: string): Promise<boolean> {
    return (await fs.promises.stat(this.file(name)).catch(() => undefined))?.isFile() ?? false;
  }

  async size(name: string): Promise<number> {
    return (await this.stat(name)).size;
  }

  async read(name: string, limit = MAX_JSON): Promise<Buffer> {
    if ((await this.stat(name)).size > limit)
      throw badInput(`${this.where}: \`${name}\` is larger than ${limit} bytes — expected a small JSON file`);
    return fs.promises.readFile(this.file(name));
  }

  async head(name: string, n: number): Promise<Buffer> {
    const fh = await fs.promises.open(this.file(name), 'r');
    try {
      const buf = Buffer.alloc(n);
      const { bytesRead } = await fh.read(buf, 0, n, 0);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  async open(name: string): Promise<Readable> {
    await this.stat(name);
    return fs.createReadStream(this.file(name));
  }

  private async stat(name: string): Promise<fs.Stats> {
    const st = await fs.promises.stat(this.file(name)).catch(() => undefined);
    if (!st?.isFile()) throw badInput(`${this.where}: \`${name}\` is missing — expected a file there`);
    return st;
  }
}

/** readJson parses a small JSON file of a store; a parse error is one line naming the file. */
export async function readJson(store: BlobStore, name: string): Promise<unknown> {
  const text = (await store.read(name)).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badInput(`${store.where}: \`${name}\` is not JSON (${(e as Error).message.split('\n')[0]}) — expected a JSON document`);
  }
}
