// Writing OCI image layouts deterministically, shared by the demo image
// (test/demo-image/build.mjs) and vaoci's own image (cli/image/build.mjs):
// a file tree with fixed owners and one mtime, packed in name order, blobs
// stored under their sha256, index.json and oci-layout. Same inputs, same
// bytes, same digests.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';

export const MEDIA = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
};
export const REF_NAME = 'org.opencontainers.image.ref.name';
export const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export const sha256 = (b) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/**
 * sourceDate is every entry's mtime: $SOURCE_DATE_EPOCH, else (with `gitDir`)
 * the last commit's time, else 2024-01-01.
 */
export function sourceDate(gitDir) {
  let epoch = process.env.SOURCE_DATE_EPOCH;
  if (!epoch && gitDir) {
    try {
      epoch = execFileSync('git', ['log', '-1', '--format=%ct'], {
        cwd: gitDir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }).trim();
    } catch {
      // not a git checkout: the fixed default
    }
  }
  return new Date(Number(epoch || 1704067200) * 1000);
}

/** Tree is a layer's entries: name (relative, no leading /) → {type, mode, content | linkname}; parents are added as 0755 directories. */
export class Tree {
  entries = new Map();

  dir(name, mode = 0o755) {
    this.#parents(name);
    this.entries.set(name, { type: 'directory', mode });
  }

  file(name, content, mode = 0o644) {
    this.#parents(name);
    this.entries.set(name, { type: 'file', mode, content });
  }

  symlink(name, linkname) {
    this.#parents(name);
    this.entries.set(name, { type: 'symlink', mode: 0o777, linkname });
  }

  /** sorted lists the entries in byte order of their names. */
  sorted() {
    return [...this.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  #parents(name) {
    for (let p = path.posix.dirname(name); p !== '.'; p = path.posix.dirname(p))
      if (!this.entries.has(p)) this.entries.set(p, { type: 'directory', mode: 0o755 });
  }
}

/** layerTar packs a Tree (or sorted entries) with owner 0:0, no user names and one mtime; into `out` (a file stream) when given, else into the Buffer it returns. */
export async function layerTar(tree, mtime, out) {
  const entries = tree instanceof Tree ? tree.sorted() : tree;
  const pack = tar.pack();
  const chunks = [];
  const done = out
    ? pipeline(pack, out)
    : new Promise((resolve, reject) =>
        pack
          .on('data', (c) => chunks.push(c))
          .on('end', resolve)
          .on('error', reject),
      );
  for (const [name, e] of entries) {
    const content = e.content === undefined || Buffer.isBuffer(e.content) ? e.content : Buffer.from(e.content);
    const header = {
      name,
      type: e.type,
      mode: e.mode,
      uid: 0,
      gid: 0,
      uname: '',
      gname: '',
      mtime,
      linkname: e.linkname,
      size: content?.length ?? 0,
    };
    await new Promise((resolve, reject) => pack.entry(header, content ?? '', (err) => (err ? reject(err) : resolve())));
  }
  pack.finalize();
  await done;
  return out ? undefined : Buffer.concat(chunks);
}

/** blob stores bytes under DIR/blobs/sha256 and returns their descriptor. */
export function blob(dir, bytes, mediaType) {
  const digest = sha256(bytes);
  fs.mkdirSync(path.join(dir, 'blobs', 'sha256'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'blobs', 'sha256', digest.slice(7)), bytes);
  return { mediaType, digest, size: bytes.length };
}

/** jsonBlob stores a JSON document (compact, as the digest covers these exact bytes). */
export const jsonBlob = (dir, doc, mediaType) => blob(dir, Buffer.from(JSON.stringify(doc)), mediaType);

/** finishLayout writes index.json (listing `manifests`) and oci-layout into DIR. */
export function finishLayout(dir, manifests) {
  const index = { schemaVersion: 2, mediaType: MEDIA.index, manifests };
  fs.writeFileSync(path.join(dir, 'index.json'), `${JSON.stringify(index)}\n`);
  fs.writeFileSync(path.join(dir, 'oci-layout'), `${JSON.stringify({ imageLayoutVersion: '1.0.0' })}\n`);
  return index;
}

/** replaceDir puts the finished TMP at OUT (removing what was there) and returns OUT as shown to the user. */
export function replaceDir(tmp, out) {
  fs.rmSync(out, { recursive: true, force: true });
  fs.renameSync(tmp, out);
  return path.relative(process.cwd(), out).startsWith('..') ? out : path.relative(process.cwd(), out);
}
